#!/usr/bin/env bash
# `janus understand` end to end against the PyTorch goldens (tests/data/goldens, made by
# tools/reference from the same tiny checkpoints): the --dump-dir tensors and the 32 greedy tokens
# in fp32 mode; then conversations, streaming/--json forms and bad requests.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
G="$JANUS_SOURCE_DIR/tests/data/goldens"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# The golden image is stored as the preprocessed 384x384 uint8 (pixel_u8.npy); as a 384x384 PNG it
# passes preprocessing unchanged (no resize, no padding).
"$PY" - "$G/pro1b_und_fp32/pixel_u8.npy" "$w/doge.png" <<'PYEOF'
import sys, numpy as np
from PIL import Image
a = np.load(sys.argv[1]); a = a[0] if a.ndim == 4 else a
if a.shape[0] == 3: a = a.transpose(1, 2, 0)
Image.fromarray(a.astype(np.uint8)).save(sys.argv[2])
PYEOF

run_case() {  # case, tiny model folder, ids json, image png
  local case="$1" model="$2" ids="$3" img="$4"
  local q
  q=$("$PY" -c "import json,sys; p=json.load(open(sys.argv[1]))['prompt']; print(p.split('<image_placeholder>\n',1)[1].split('\n\n',1)[0])" "$G/ids/$ids.json")
  rm -rf "$w/d"
  "$JANUS_BIN" understand -m "$JANUS_TINY/$model" -i "$img" -p "$q" -n 32 --precision fp32 --dump-dir "$w/d" --json > "$w/out.json"
  "$PY" - "$G/$case" "$w/d" "$w/out.json" <<'PYEOF'
import json, sys, numpy as np
g, d, out = sys.argv[1:]
def rel(a, b): return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
assert (np.load(f"{d}/input_ids.npy") == np.load(f"{g}/input_ids.npy")).all(), "input_ids differ"
for name, tol in (("vision_features", 1e-5), ("image_embeds", 1e-5), ("logits_0", 1e-4)):
    a, b = np.load(f"{d}/{name}.npy"), np.load(f"{g}/{name}.npy")
    a = a.reshape(b.shape)
    r = rel(a, b); assert r <= tol, (name, r, tol)
got, ref = np.load(f"{d}/output_ids.npy"), np.load(f"{g}/output_ids.npy")
assert list(got) == list(ref), ("output ids", list(got), list(ref))
o = json.load(open(out)); assert o["generated_tokens"] == len(ref) and o["prompt_tokens"] == len(np.load(f"{g}/input_ids.npy")), o
print(g.split("/")[-1], "OK")
PYEOF
}
run_case pro1b_und_fp32 janus-pro-1b pro_und "$w/doge.png"
run_case pro7b_und_fp32 janus-pro-7b pro7_und "$w/doge.png"
for c in j13b_und_fp32:janus-1.3b:j13_und flow_und_fp32:janusflow-1.3b:flow_und; do
  IFS=: read -r case model ids <<< "$c"
  "$PY" - "$G/$case/pixel_u8.npy" "$w/$case.png" <<'PYEOF'
import sys, numpy as np
from PIL import Image
a = np.load(sys.argv[1]); a = a[0] if a.ndim == 4 else a
if a.shape[0] == 3: a = a.transpose(1, 2, 0)
Image.fromarray(a.astype(np.uint8)).save(sys.argv[2])
PYEOF
  run_case "$case" "$model" "$ids" "$w/$case.png"
done

M="$JANUS_TINY/janus-pro-1b"
# Streaming output equals the --json text; same seed, same sampled text whatever the thread count.
"$JANUS_BIN" understand -m "$M" -i "$w/doge.png" -p "hi" -n 12 --temperature 0.9 --top-p 0.95 --seed 7 -t 1 > "$w/a.txt"
"$JANUS_BIN" understand -m "$M" -i "$w/doge.png" -p "hi" -n 12 --temperature 0.9 --top-p 0.95 --seed 7 -t 2 > "$w/b.txt"
cmp "$w/a.txt" "$w/b.txt"
"$JANUS_BIN" understand -m "$M" -i "$w/doge.png" -p "hi" -n 12 --temperature 0.9 --top-p 0.95 --seed 7 --json > "$w/c.json"
"$PY" -c "import json,sys; t=json.load(open(sys.argv[1]))['text']; s=open(sys.argv[2]).read(); assert s == t + '\n', (s, t)" "$w/c.json" "$w/a.txt"

# A two-image, two-turn conversation file (images relative to the file).
cp "$w/doge.png" "$w/one.png"; cp "$w/doge.png" "$w/two.png"
cat > "$w/conv.json" <<'JSON'
[{"role": "user", "content": "<image_placeholder>\nand<image_placeholder>\nCompare them.", "images": ["one.png", "two.png"]},
 {"role": "assistant", "content": "They look alike."},
 {"role": "user", "content": "Which is brighter?"}]
JSON
"$JANUS_BIN" understand -m "$M" --conversation "$w/conv.json" -n 4 --json --dump-dir "$w/conv" > "$w/conv.out"
"$PY" -c "
import json, numpy as np, sys
o = json.load(open(sys.argv[1])); ids = np.load(sys.argv[2] + '/input_ids.npy')
assert (ids == 100581).sum() == 2 * 576 and (ids == 100003).sum() == 2 and o['generated_tokens'] >= 1, o
" "$w/conv.out" "$w/conv"

expect_error() {
  local pattern="$1" rc=0
  shift
  "$@" > "$w/stdout" 2> "$w/stderr" || rc=$?
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then echo "FAIL (rc=$rc): $*"; cat "$w/stderr"; exit 1; fi
  grep -Eq -- "$pattern" "$w/stderr" || { echo "FAIL (message): $* — wanted /$pattern/"; cat "$w/stderr"; exit 1; }
}
expect_error 'image' "$JANUS_BIN" understand -m "$M" -i "$w/doge.png" -p "<image_placeholder> a <image_placeholder> b"
expect_error 'no-such\.png' "$JANUS_BIN" understand -m "$M" -i "$w/no-such.png" -p "x"
head -c 300 "$w/doge.png" > "$w/trunc.png"
expect_error 'trunc\.png' "$JANUS_BIN" understand -m "$M" -i "$w/trunc.png" -p "x"
expect_error 'context|max_position' "$JANUS_BIN" understand -m "$M" -i "$w/doge.png" -p "x" -n 20000
expect_error 'VAE|vision|not a Janus' "$JANUS_BIN" understand -m "$JANUS_TINY/sdxl-vae" -i "$w/doge.png" -p "x"
echo '[{"role": "robot", "content": "x"}]' > "$w/bad.json"
expect_error 'bad\.json.*role' "$JANUS_BIN" understand -m "$M" --conversation "$w/bad.json"
expect_error 'prompt' "$JANUS_BIN" understand -m "$M" -i "$w/doge.png"
echo "understand: all checks passed"
