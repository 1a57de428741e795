#!/usr/bin/env bash
# `--quant q8_0|q4_0` quantizes the LLM at load (models/quant_policy.h): `janus info` shows exactly the
# policy's tensors in the block dtype with the byte counts of GGML blocks, every other tensor as stored;
# understand and generate run on the quantized weights; a bad type is a usage error.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
M="$JANUS_TINY/janus-pro-1b"

"$JANUS_BIN" info "$M" --json --tensors > "$out/none.json"
for q in q8_0 q4_0; do
  "$JANUS_BIN" info "$M" --json --tensors --quant "$q" > "$out/$q.json"
  "$PY" - "$out/none.json" "$out/$q.json" "$q" <<'PYEOF'
import json, re, sys
base, quant, q = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3])
layer = re.compile(r"language_model\.model\.layers\.\d+\.(self_attn\.[qkvo]_proj|mlp\.(gate|up|down)_proj)\.weight")
head = re.compile(r"language_model\.lm_head\.weight|gen_head\.(output_mlp_projector|vision_head)\.weight")
b = {t["name"]: t for t in base["tensor_list"]}
seen = {"layer": 0, "head": 0}
for t in quant["tensor_list"]:
    n, s = t["name"], t["shape"]
    assert s == b[n]["shape"], n
    want = b[n]["dtype"]
    if layer.fullmatch(n):
        want, seen["layer"] = q.upper(), seen["layer"] + 1
    elif head.fullmatch(n):
        want, seen["head"] = "Q8_0", seen["head"] + 1
    assert t["dtype"] == want, (n, t["dtype"], want)
assert seen["layer"] == 7 * 2 and seen["head"] == 3, seen  # 2 tiny layers x 7 projections; 3 heads
# Bytes: GGML blocks of 32 (34 or 18 bytes) replace the 2-byte bf16 elements of those tensors.
def nbytes(t):
    n = 1
    for d in t["shape"]:
        n *= d
    return {"Q8_0": n // 32 * 34, "Q4_0": n // 32 * 18, "BF16": 2 * n, "F32": 4 * n, "F16": 2 * n}[t["dtype"]]
assert quant["tensors"]["bytes"] == sum(nbytes(t) for t in quant["tensor_list"]), quant["tensors"]["bytes"]
assert quant["tensors"]["bytes"] < base["tensors"]["bytes"]
PYEOF
  "$JANUS_BIN" understand -m "$M" --quant "$q" -i "$JANUS_SOURCE_DIR/tests/data/images/bmp4_core.rgb.png" \
    -p "Describe." -n 4 > "$out/und.txt" 2> "$out/und.err" || { cat "$out/und.err"; exit 1; }
  "$JANUS_BIN" generate -m "$M" --quant "$q" -p "a red square" --temperature 0 -o "$out/g-$q.png" \
    2> "$out/gen.err" || { cat "$out/gen.err"; exit 1; }
  test -s "$out/g-$q.png"
done

if "$JANUS_BIN" info "$M" --quant q3 2> "$out/err.txt"; then echo "accepted --quant q3" >&2; exit 1; fi
grep -q -- "--quant" "$out/err.txt"
echo "quant_load: ok"
