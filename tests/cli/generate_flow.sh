#!/usr/bin/env bash
# `janus generate` with JanusFlow (rectified flow + SDXL VAE) and `janus decode-vae`, end to end on the
# tiny JanusFlow and tiny SDXL-VAE checkpoints: PyTorch goldens for the prompt ids, the step-0 velocity
# and the latent after 5 steps from the reference's noise, the VAE decode of a fixed latent; PNG
# outputs and metadata, seeds, and bad requests.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
G="$JANUS_SOURCE_DIR/tests/data/goldens"
M="$JANUS_TINY/janusflow-1.3b"
V="$JANUS_TINY/sdxl-vae"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export HF_HUB_OFFLINE=1 HF_HUB_CACHE="$w/empty-cache"  # never the network, never a user's cache

# Goldens: flow_gen_fp32 was made with this prompt, 5 steps, cfg 2, from its noise.npy.
P=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['prompt'].split(': ',1)[1].rsplit('\n\n',1)[0])" "$G/ids/flow_gen.json")
"$JANUS_BIN" generate -m "$M" --vae "$V" -p "$P" -o "$w/apple.png" --steps 5 --cfg 2 --precision fp32 \
  --noise "$G/flow_gen_fp32/noise.npy" -s 1 -q --dump-dir "$w/d" > /dev/null
"$PY" - "$G/flow_gen_fp32" "$w/d" "$w/apple.png" "$P" <<'PYEOF'
import sys, numpy as np
from PIL import Image
g, d, png, prompt = sys.argv[1:]
rel = lambda a, b: float(np.linalg.norm(a - b) / np.linalg.norm(b))
assert (np.load(f"{d}/input_ids.npy") == np.load(f"{g}/input_ids.npy")).all()
assert (np.load(f"{d}/uncond_input_ids.npy") == np.load(f"{g}/uncond_input_ids.npy")).all()
for name in ("velocity_0", "latent_3", "latent_final"):
    r = rel(np.load(f"{d}/{name}.npy"), np.load(f"{g}/{name}.npy")); assert r <= 1e-4, (name, r)
dec = np.load(f"{d}/decoded.npy"); assert dec.shape == (1, 3, 384, 384), dec.shape
im = Image.open(png); assert im.size == (384, 384) and im.mode == "RGB"
u8 = np.trunc(np.clip((dec[0].transpose(1, 2, 0) + 1) / 2 * 255, 0, 255)).astype(np.uint8)
assert (np.asarray(im) == u8).all(), "PNG pixels differ from the decoded tensor's official uint8 mapping"
meta = im.text
assert meta["prompt"] == prompt and meta["seed"] == "1" and meta["cfg"] == "2" and meta["steps"] == "5", meta
assert "temperature" not in meta, meta
print("flow goldens OK")
PYEOF

# decode-vae against the reference VAE decode of a fixed latent (fp32: ±1 per channel).
"$JANUS_BIN" decode-vae --vae "$V" --latent "$G/vae_fp32/latent.npy" -o "$w/vae.png" --precision fp32 > /dev/null
"$PY" -c "
import sys, numpy as np; from PIL import Image
a = np.asarray(Image.open(sys.argv[1])).astype(int); b = np.load(sys.argv[2]).astype(int)
b = b[0] if b.ndim == 4 else b
d = np.abs(a - b).max(); assert d <= 1, d
print('decode-vae OK, max diff', d)" "$w/vae.png" "$G/vae_fp32/image_u8.npy"

# Defaults (30 steps, cfg 2), n = 2 naming, same seed on 1 and 2 threads gives the same pixels.
"$JANUS_BIN" generate -m "$M" --vae "$V" -p "a lighthouse" -n 2 -o "$w/lh.png" -s 9 -t 1 -q > /dev/null
"$JANUS_BIN" generate -m "$M" --vae "$V" -p "a lighthouse" -n 2 -o "$w/lh2.png" -s 9 -t 2 -q > /dev/null
"$PY" -c "
import sys, numpy as np; from PIL import Image
w = sys.argv[1]
for i in (1, 2):
    a, b = np.asarray(Image.open(f'{w}/lh-{i}.png')), np.asarray(Image.open(f'{w}/lh2-{i}.png'))
    assert (a == b).all(), i
assert not (np.asarray(Image.open(f'{w}/lh-1.png')) == np.asarray(Image.open(f'{w}/lh-2.png'))).all()
m = Image.open(f'{w}/lh-1.png').text
assert m['steps'] == '30' and m['cfg'] == '2', m
print('seeds and defaults OK')" "$w"

expect_error() {
  local pattern="$1" rc=0
  shift
  "$@" > "$w/stdout" 2> "$w/stderr" || rc=$?
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then echo "FAIL (rc=$rc): $*"; cat "$w/stderr"; exit 1; fi
  grep -Eq -- "$pattern" "$w/stderr" || { echo "FAIL (message): $* — wanted /$pattern/"; cat "$w/stderr"; exit 1; }
}
expect_error 'steps.*1\.\.200' "$JANUS_BIN" generate -m "$M" --vae "$V" -p "x" --steps 0 -o "$w/e.png"
expect_error 'steps.*1\.\.200' "$JANUS_BIN" generate -m "$M" --vae "$V" -p "x" --steps 201 -o "$w/e.png"
expect_error 'JanusFlow' "$JANUS_BIN" generate -m "$JANUS_TINY/janus-pro-1b" -p "x" --steps 5 -o "$w/e.png"
expect_error 'temperature' "$JANUS_BIN" generate -m "$M" --vae "$V" -p "x" --temperature 0.5 -o "$w/e.png"
# No --vae, offline, empty cache: the default VAE repo is named and the offline mode explained.
expect_error 'sdxl-vae.*(offline|OFFLINE)|(offline|OFFLINE).*sdxl-vae' "$JANUS_BIN" generate -m "$M" -p "x" -o "$w/e.png"
expect_error 'AutoencoderKL|VAE' "$JANUS_BIN" generate -m "$M" --vae "$JANUS_TINY/janus-pro-1b" -p "x" -o "$w/e.png"
"$PY" -c "import numpy as np; np.save('$w/lat3.npy', np.zeros((1, 3, 8, 8), np.float32)); np.save('$w/lat2.npy', np.zeros((2, 4, 48, 48), np.float32))"
expect_error 'latent.*shape|channels' "$JANUS_BIN" decode-vae --vae "$V" --latent "$w/lat3.npy" -o "$w/e.png"
expect_error 'noise|latents' "$JANUS_BIN" generate -m "$M" --vae "$V" -p "x" --noise "$w/lat2.npy" -o "$w/e.png"
expect_error 'noise.*expected' "$JANUS_BIN" generate -m "$M" --vae "$V" -p "x" --noise "$w/lat3.npy" -o "$w/e.png"
[[ ! -e "$w/e.png" ]]
echo "generate_flow: all checks passed"
