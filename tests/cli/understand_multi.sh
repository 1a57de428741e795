#!/usr/bin/env bash
# `janus understand --conversation` against the PyTorch goldens of a two-image prompt and a two-turn
# conversation (tests/data/goldens/pro1b_multi_{image,turn}_fp32, made by tools/reference/regen.sh from
# the same tiny Janus-Pro-1B): prompt ids exactly, vision features / image rows / first logits in fp32
# mode, and the 32 greedy tokens of the final answer.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
G="$JANUS_SOURCE_DIR/tests/data/goldens"
M="$JANUS_TINY/janus-pro-1b"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# The goldens keep each image once, as its preprocessed 384x384 uint8 (pixel_u8.npy); written as a
# 384x384 PNG it passes preprocessing unchanged (no resize, no padding).
"$PY" - "$G" "$w" <<'PYEOF'
import sys, numpy as np
from PIL import Image
g, w = sys.argv[1:]
for src, name in (("pro1b_und_fp32", "doge.png"), ("pro1b_multi_turn_fp32", "dog_a.png")):
    a = np.load(f"{g}/{src}/pixel_u8.npy")
    assert a.shape == (1, 384, 384, 3) and a.dtype == np.uint8, (src, a.shape, a.dtype)
    Image.fromarray(a[0]).save(f"{w}/{name}")
PYEOF

run_case() {  # case, ids file, image file names for the conversation's image turns in order
  local case="$1" ids="$2"
  shift 2
  # The turns the golden prompt was rendered from ({role, content, n_images}) become the CLI's
  # {role, content, images}, with the images handed out in order.
  "$PY" - "$G/ids/$ids.json" "$w/conv.json" "$@" <<'PYEOF'
import json, sys
src, dst, *imgs = sys.argv[1:]
turns, out = json.load(open(src))["conversation"], []
for t in turns:
    n = t.get("n_images", 0)
    o = {"role": t["role"], "content": t["content"]}
    if n:
        o["images"], imgs = imgs[:n], imgs[n:]
    out.append(o)
assert not imgs, "more images than the conversation takes"
json.dump(out, open(dst, "w"))
PYEOF
  rm -rf "$w/d"
  "$JANUS_BIN" understand -m "$M" --conversation "$w/conv.json" -n 32 --precision fp32 --dump-dir "$w/d" --json \
    > "$w/out.json"
  "$PY" - "$G/$case" "$G/pro1b_multi_image_fp32" "$w/d" "$w/out.json" <<'PYEOF'
import json, os, sys, numpy as np
g, multi, d, out = sys.argv[1:]
case = os.path.basename(g)
def rel(a, b): return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))
def check(name, a, b, tol):
    a = np.asarray(a, np.float32).reshape(b.shape)
    r = rel(a, b)
    assert r <= tol, (case, name, r, tol)
ids, ref_ids = np.load(f"{d}/input_ids.npy"), np.load(f"{g}/input_ids.npy")
assert ids.shape == ref_ids.shape and (ids == ref_ids).all(), (case, "input_ids differ", ids.shape, ref_ids.shape)
feats = np.load(f"{d}/vision_features.npy")
if os.path.exists(f"{g}/vision_features.npy"):
    check("vision_features", feats, np.load(f"{g}/vision_features.npy"), 1e-5)
else:  # the multi-turn image is the multi-image case's second one
    ref = np.load(f"{multi}/vision_features.npy")[1:2]
    check("vision_features", feats, ref, 1e-5)
check("image_embeds", np.load(f"{d}/image_embeds.npy"), np.load(f"{g}/image_embeds.npy"), 1e-5)
check("logits_0", np.load(f"{d}/logits_0.npy"), np.load(f"{g}/logits_0.npy"), 1e-4)
got, ref = np.load(f"{d}/output_ids.npy"), np.load(f"{g}/output_ids.npy")
assert list(got) == list(ref), (case, "output ids", list(got), list(ref))
o = json.load(open(out))
assert o["generated_tokens"] == len(ref) and o["prompt_tokens"] == len(ref_ids), (case, o)
print(case, "OK")
PYEOF
}
run_case pro1b_multi_image_fp32 pro_multi_image doge.png dog_a.png
run_case pro1b_multi_turn_fp32 pro_multi_turn dog_a.png

# Swapping the two images changes the image rows (their order follows the tags), not the ids.
"$PY" - "$G/ids/pro_multi_image.json" "$w/swap.json" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))["conversation"][0]
json.dump([{"role": "user", "content": t["content"], "images": ["dog_a.png", "doge.png"]}], open(sys.argv[2], "w"))
PYEOF
rm -rf "$w/s"
"$JANUS_BIN" understand -m "$M" --conversation "$w/swap.json" -n 1 --precision fp32 --dump-dir "$w/s" > /dev/null
"$PY" - "$G/pro1b_multi_image_fp32" "$w/s" <<'PYEOF'
import sys, numpy as np
g, s = sys.argv[1:]
ref = np.load(f"{g}/image_embeds.npy")  # [2*576, H]
got = np.load(f"{s}/image_embeds.npy").reshape(ref.shape)
half = ref.shape[0] // 2
swapped = np.concatenate([ref[half:], ref[:half]])
r = float(np.linalg.norm(got - swapped) / np.linalg.norm(swapped))
assert r <= 1e-5, ("swapped image rows", r)
assert (np.load(f"{s}/input_ids.npy") == np.load(f"{g}/input_ids.npy")).all(), "swapped ids differ"
print("swapped images OK")
PYEOF
echo "understand_multi: all checks passed"
