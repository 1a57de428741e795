#!/usr/bin/env bash
# `janus generate` / `janus decode-vq` end to end on tiny checkpoints: PyTorch goldens for the
# prompt ids, first-step CFG logits, greedy codes and the VQ decode; PNG outputs, metadata,
# naming, no-overwrite, upscaling, seed reproducibility, and bad requests.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
G="$JANUS_SOURCE_DIR/tests/data/goldens"
M="$JANUS_TINY/janus-pro-1b"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# Goldens: pro1b_gen_fp32 was made with this prompt, cfg 5, greedy.
P=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['prompt'].split(': ',1)[1].rsplit('\n\n',1)[0])" "$G/ids/pro_gen.json")
"$JANUS_BIN" generate -m "$M" -p "$P" -o "$w/fox.png" --temperature 0 --cfg 5 --precision fp32 -s 1 -q --dump-dir "$w/d" > /dev/null
"$PY" - "$G/pro1b_gen_fp32" "$w/d" "$w/fox.png" "$P" <<'PYEOF'
import sys, numpy as np
from PIL import Image
g, d, png, prompt = sys.argv[1:]
rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))
assert (np.load(f"{d}/input_ids.npy") == np.load(f"{g}/gen_input_ids.npy")).all()
assert (np.load(f"{d}/uncond_input_ids.npy") == np.load(f"{g}/gen_uncond_ids.npy")).all()
cfg = np.load(f"{d}/cfg_logits_0.npy"); assert cfg.shape == (1, 16384), cfg.shape
r = rel(cfg[0], np.load(f"{g}/gen_logits_cfg_0.npy")); assert r <= 1e-4, r
toks = np.load(f"{d}/image_tokens.npy"); ref = np.load(f"{g}/gen_codes_greedy.npy")
assert toks.shape == (1, 576) and (toks[0, :len(ref)] == ref).all(), (toks[0, :8], ref)
dec = np.load(f"{d}/decoded.npy"); assert dec.shape == (1, 3, 384, 384)
im = Image.open(png); assert im.size == (384, 384) and im.mode == "RGB"
u8 = np.trunc(np.clip((dec[0].transpose(1, 2, 0) + 1) / 2 * 255, 0, 255)).astype(np.uint8)
assert (np.asarray(im) == u8).all(), "PNG pixels differ from the decoded tensor's official uint8 mapping"
meta = im.text
assert meta["prompt"] == prompt and meta["seed"] == "1" and meta["cfg"] == "5" and meta["temperature"] == "0", meta
print("generate goldens OK")
PYEOF

# decode-vq against the reference VQ decode of a fixed grid (fp32: ±1 per channel).
"$JANUS_BIN" decode-vq -m "$M" --tokens "$G/pro1b_vq_fp32/vq_tokens.npy" -o "$w/vq.png" --precision fp32 > /dev/null
"$PY" -c "
import sys, numpy as np; from PIL import Image
a = np.asarray(Image.open(sys.argv[1])).astype(int); b = np.load(sys.argv[2]).astype(int)
b = b[0] if b.ndim == 4 else b
b = b.transpose(1, 2, 0) if b.shape[0] == 3 else b
d = np.abs(a - b).max(); assert d <= 1, d
print('decode-vq OK, max diff', d)" "$w/vq.png" "$G/pro1b_vq_fp32/image_u8.npy"

# n = 3: out-1..3.png; same seed on 1 and 2 threads gives the same pixels; upscale; no overwrite.
"$JANUS_BIN" generate -m "$M" -p "a lighthouse" -n 3 -o "$w/lh.png" -s 9 -t 1 -q > /dev/null
"$JANUS_BIN" generate -m "$M" -p "a lighthouse" -n 3 -o "$w/lh2.png" -s 9 -t 2 -q > /dev/null
"$PY" -c "
import sys, numpy as np; from PIL import Image
w = sys.argv[1]
for i in (1, 2, 3):
    a, b = np.asarray(Image.open(f'{w}/lh-{i}.png')), np.asarray(Image.open(f'{w}/lh2-{i}.png'))
    assert (a == b).all(), i
assert not (np.asarray(Image.open(f'{w}/lh-1.png')) == np.asarray(Image.open(f'{w}/lh-2.png'))).all()
print('seeds OK')" "$w"
cp "$w/lh-1.png" "$w/keep.png"
rc=0; "$JANUS_BIN" generate -m "$M" -p "x" -o "$w/lh-1.png" -q 2> "$w/err" || rc=$?
[[ $rc -ne 0 && $rc -lt 128 ]] && grep -q "exists" "$w/err" && cmp "$w/lh-1.png" "$w/keep.png"
"$JANUS_BIN" generate -m "$M" -p "x" -o "$w/lh-1.png" -q --force --upscale 768 > /dev/null
"$PY" -c "from PIL import Image; import sys; assert Image.open(sys.argv[1]).size == (768, 768)" "$w/lh-1.png"

expect_error() {
  local pattern="$1" rc=0
  shift
  "$@" > "$w/stdout" 2> "$w/stderr" || rc=$?
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then echo "FAIL (rc=$rc): $*"; cat "$w/stderr"; exit 1; fi
  grep -Eq -- "$pattern" "$w/stderr" || { echo "FAIL (message): $* — wanted /$pattern/"; cat "$w/stderr"; exit 1; }
}
expect_error 'prompt|empty' "$JANUS_BIN" generate -m "$M" -p "   " -o "$w/e.png"
expect_error 'images|1\.\.16' "$JANUS_BIN" generate -m "$M" -p "x" -n 17 -o "$w/e.png"
expect_error 'images|1\.\.16' "$JANUS_BIN" generate -m "$M" -p "x" -n 0 -o "$w/e.png"
expect_error 'does not exist' "$JANUS_BIN" generate -m "$M" -p "x" -o "$w/no/such/dir/e.png"
expect_error 'JanusFlow' "$JANUS_BIN" generate -m "$M" -p "x" --steps 5 -o "$w/e.png"
expect_error 'JanusFlow' "$JANUS_BIN" generate -m "$M" -p "x" --vae "$JANUS_TINY/sdxl-vae" -o "$w/e.png"
expect_error 'upscale|768' "$JANUS_BIN" generate -m "$M" -p "x" -o "$w/e.png" --upscale 500
"$PY" -c "import numpy as np; np.save('$w/bad.npy', np.full((1, 576), 20000, dtype=np.int64))"
expect_error 'outside' "$JANUS_BIN" decode-vq -m "$M" --tokens "$w/bad.npy" -o "$w/e.png"
[[ ! -e "$w/e.png" ]]
echo "generate: all checks passed"
