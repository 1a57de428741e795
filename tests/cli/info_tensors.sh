#!/usr/bin/env bash
# `janus info` on each tiny checkpoint lists exactly the real model's tensor set (at the tiny
# depth) with the real dtypes, and reports the model kind and special-token ids looked up by string.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
SHARED="$JANUS_SOURCE_DIR/../shared/models"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

check() {  # folder, expected kind, reference tsv (or "-")
  local dir="$JANUS_TINY/$1" kind="$2" tsv="$3"
  "$JANUS_BIN" info "$dir" --json --tensors > "$out/$1.json"
  "$JANUS_BIN" info "$dir" > "$out/$1.txt"  # human form must work too
  "$PY" - "$out/$1.json" "$kind" "$tsv" "$JANUS_SOURCE_DIR/tools/gen_tiny/list_tensors.py" "$dir" <<'PYEOF'
import json, os, re, subprocess, sys
info_path, kind, tsv, lister, folder = sys.argv[1:]
info = json.load(open(info_path))
assert info["model_kind"] == kind, (info["model_kind"], kind)
got = {t["name"]: (t["dtype"], tuple(t["shape"])) for t in info["tensor_list"]}
assert info["tensors"]["count"] == len(got)
# Independent reader (pure Python) of the same files.
ref = {}
for line in subprocess.check_output([sys.executable, lister, folder], text=True).splitlines():
    name, dtype, shape = line.split("\t")
    ref[name] = (dtype, tuple(int(d) for d in shape.split(",") if d))
assert got == ref, sorted(set(got) ^ set(ref))[:10]
if tsv != "-":
    # The real model's names, restricted to the layers/blocks this tiny checkpoint keeps.
    depth = {}
    for n in got:
        for m in re.finditer(r"\.(layers|blocks)\.(\d+)\.", n):
            key = n[:m.start()] + m.group(1)
            depth[key] = max(depth.get(key, -1), int(m.group(2)))
    real = set()
    for line in open(tsv):
        if line.startswith("#") or not line.strip():
            continue
        name = line.split("\t")[0]
        m = re.search(r"\.(layers|blocks)\.(\d+)\.", name)
        if m and int(m.group(2)) > depth.get(name[:m.start()] + m.group(1), -1):
            continue
        real.add(name)
    assert set(got) == real, ("diff vs real tensor set", sorted(set(got) ^ real)[:10])
    assert all(d == "BF16" for d, _ in got.values()), "real checkpoints are all bf16"
if kind == "AutoencoderKL":
    assert info["vae"]["scaling_factor"] == 0.13025 and info["vae"]["tensor_naming"] == "diffusers", info["vae"]
    assert all(d == "F32" for d, _ in got.values()), "the SDXL VAE ships fp32"
    print(kind, len(got), "tensors OK"); sys.exit(0)
if os.environ.get("JANUS_EXPECT_REAL_WIDTHS") == "1":  # widths the official code hard-codes
    assert (info["vision"]["width"], info["vision"]["heads"], info["vision"]["patch"]) == (1024, 16, 16), info["vision"]
    if kind == "JanusFlow":
        assert info["llm"]["hidden_size"] == 2048 and info["generation"]["uvit_encoder_channels"] == [768], info
    else:
        assert (info["generation"]["vq_base_channels"], info["generation"]["vq_z_channels"]) == (128, 256), info
sp = info["tokenizer"]["special_tokens"]
assert sp["bos"]["id"] == 100000 and sp["eos"]["id"] == 100001, sp
print(kind, len(got), "tensors OK")
PYEOF
}

check janus-1.3b Janus "$SHARED/Janus-1.3B/tensors.derived.tsv"
check janus-pro-1b Janus-Pro "$SHARED/Janus-Pro-1B/tensors.derived.tsv"
check janus-pro-7b Janus-Pro "$SHARED/Janus-Pro-7B/tensors.derived.tsv"
check janusflow-1.3b JanusFlow -
check sdxl-vae AutoencoderKL -

# Special ids per model, resolved by string (spec §4.3; the tiny folders carry the reconstructed tokenizers).
"$PY" - "$out" <<'PYEOF'
import json, sys
d = sys.argv[1]
def sp(m): return {k: v["id"] for k, v in json.load(open(f"{d}/{m}.json"))["tokenizer"]["special_tokens"].items()}
a, p, s = sp("janus-1.3b"), sp("janus-pro-1b"), sp("janus-pro-7b")
assert (a["pad"], a["image_start_tag"], a["image_end_tag"]) == (100015, 100016, 100593), a
assert a["image_tag"] == 100594, a  # appended at run time: highest id + 1
assert (p["pad"], p["image_start_tag"], p["image_end_tag"], p["image_tag"]) == (100002, 100003, 100004, 100581), p
assert (p["user"], p["assistant"]) == (100588, 100589), p
assert s["image_tag"] == 100594 and s["pad"] == 100015, s
print("special ids OK")
PYEOF
echo "info_tensors: all checks passed"
