#!/bin/bash
# Regenerates tests/data/goldens/ from the PyTorch reference:
#   tiny random checkpoints (tools/gen_tiny) -> prompt ids (npm tokenizers) -> make_goldens.py.
# Needs /usr/bin/python3 with torch + Pillow + numpy, node with tools/tokenizer_ref/node_modules (npm ci).
# Usage: tools/reference/regen.sh [OUT_DIR [CASE...]]   (default tests/data/goldens; checkpoints go to a temp dir)
#   With CASE names, only those cases are rewritten and OUT_DIR is not wiped first (the prompt ids under
#   OUT_DIR/ids are all re-rendered; they are deterministic, so untouched ones keep their bytes).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/tests/data/goldens}
ONLY=" ${*:2} "
IMAGES=${JANUS_IMAGES:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/images}
PY=/usr/bin/python3
REF=$ROOT/tools/reference
CK=$(mktemp -d)
trap 'rm -rf "$CK"' EXIT

$PY "$ROOT/tools/gen_tiny/gen_tiny.py" --model all --size tiny --out "$CK" >/dev/null
[[ $ONLY == "  " ]] && rm -rf "$OUT"
mkdir -p "$OUT/ids"

ids() {  # ids NAME MODEL_DIR ROLES FLOW (--question Q | --gen-prompt P)
  local name=$1 dir=$2 roles=$3 flow=$4
  shift 4
  node "$REF/tokenize_prompt.js" --tokenizer "$dir" --roles "$roles" --flow "$flow" "$@" --out "$OUT/ids/$name.json"
}
gold() {  # make_goldens.py arguments; skipped when CASE names were given and --case is not one of them
  local a c=
  for a in "$@"; do [[ $c == next ]] && c=$a; [[ $a == --case ]] && c=next; done
  [[ $ONLY == "  " || $ONLY == *" $c "* ]] || return 0
  $PY "$REF/make_goldens.py" --out "$OUT" "$@"
}

# Janus-Pro-1B (pytorch_model.bin): understanding in both precisions, generation prefix, VQ decode.
P=$CK/janus-pro-1b
ids pro_und "$P" pro 0 --question "Describe this image in detail."
ids pro_gen "$P" pro 0 --gen-prompt "A close-up photo of a red fox in the snow."
# Understanding: pixel_u8 (resized+padded RGB) is the model input the C++ tests normalise themselves;
# pixel_values (f32, 1.7 MB) is left out: preprocessing has its own tests (tests/image).
# bf16 cases share their fp32 twin's image, so they skip pixel_u8 too.
gold --model "$P" --case pro1b_und_fp32 --kind und --precision fp32 --image "$IMAGES/janus_doge.png" \
  --input-ids "$OUT/ids/pro_und.json" --dump-layers --skip pixel_values
gold --model "$P" --case pro1b_und_bf16 --kind und --precision bf16 --image "$IMAGES/janus_doge.png" \
  --input-ids "$OUT/ids/pro_und.json" --skip pixel_values --skip pixel_u8
gold --model "$P" --case pro1b_gen_fp32 --kind gen --precision fp32 --input-ids "$OUT/ids/pro_gen.json"
gold --model "$P" --case pro1b_gen_bf16 --kind gen --precision bf16 --input-ids "$OUT/ids/pro_gen.json"
gold --model "$P" --case pro1b_vq_bf16 --kind vq --precision bf16 --seed 7 --skip decoded_s4
gold --model "$P" --case pro1b_vq_fp32 --kind vq --precision fp32 --seed 7 --skip decoded
# (decoded_s4 instead: the fp32 check needs values, not only bytes; the full tensor is 1.7 MB)

# Janus-1.3B (model.safetensors, plain roles, runtime-added <image_placeholder>).
P=$CK/janus-1.3b
ids j13_und "$P" plain 0 --question "What is shown in this picture?"
gold --model "$P" --case j13b_und_fp32 --kind und --precision fp32 --image "$IMAGES/deepseek-vl_monday.jpg" \
  --input-ids "$OUT/ids/j13_und.json" --skip pixel_values

# Janus-Pro-7B layout (sharded .bin + index): generation prefix; understanding of Pro-1B's image (same
# preprocessor, so the tests take pixel_u8 from pro1b_und_fp32) with another question.
P=$CK/janus-pro-7b
ids pro7_gen "$P" pro 0 --gen-prompt "A watercolor painting of a lighthouse."
gold --model "$P" --case pro7b_gen_fp32 --kind gen --precision fp32 --input-ids "$OUT/ids/pro7_gen.json"
ids pro7_und "$P" pro 0 --question "What is the meme about?"
gold --model "$P" --case pro7b_und_fp32 --kind und --precision fp32 --image "$IMAGES/janus_doge.png" \
  --input-ids "$OUT/ids/pro7_und.json" --skip pixel_values --skip pixel_u8

# JanusFlow-1.3B understanding (CLIP mean/std, <image_beg> + beg_of_und_embed, Linear aligner).
P=$CK/janusflow-1.3b
ids flow_und "$P" plain 1 --question "How many cats are there?"
gold --model "$P" --case flow_und_fp32 --kind und --precision fp32 --image "$IMAGES/coco_000000039769.png" \
  --input-ids "$OUT/ids/flow_und.json" --skip pixel_values
gold --model "$P" --case flow_und_bf16 --kind und --precision bf16 --image "$IMAGES/coco_000000039769.png" \
  --input-ids "$OUT/ids/flow_und.json" --skip pixel_values --skip pixel_u8

# Multi-image and multi-turn understanding on Pro-1B (fp32): conversations as TURNS.json (see
# tokenize_prompt.js; the turns are kept in the ids file for the CLI test). dog_a's pixel_u8 is stored
# once, in the multi-turn case; doge's comes from pro1b_und_fp32. Per-layer dumps are left out (size);
# the multi-turn case skips vision_features too (its image is the multi-image case's second one).
P=$CK/janus-pro-1b
cat > "$CK/multi_image.json" <<'JSON'
[{"role": "user", "content": "<image_placeholder> is Figure 1.\n<image_placeholder> is Figure 2.\nWhich image shows a dog?", "n_images": 2}]
JSON
cat > "$CK/multi_turn.json" <<'JSON'
[{"role": "user", "content": "Describe this image.", "n_images": 1},
 {"role": "assistant", "content": "A small dog sits on the grass."},
 {"role": "user", "content": "What color is its fur?"}]
JSON
ids pro_multi_image "$P" pro 0 --conversation "$CK/multi_image.json"
ids pro_multi_turn "$P" pro 0 --conversation "$CK/multi_turn.json"
gold --model "$P" --case pro1b_multi_image_fp32 --kind und --precision fp32 --image "$IMAGES/janus_doge.png" \
  --image "$IMAGES/deepseek-vl_dog_a.png" --input-ids "$OUT/ids/pro_multi_image.json" --skip pixel_values --skip pixel_u8
gold --model "$P" --case pro1b_multi_turn_fp32 --kind und --precision fp32 \
  --image "$IMAGES/deepseek-vl_dog_a.png" --input-ids "$OUT/ids/pro_multi_turn.json" --skip pixel_values --skip vision_features

# SDXL-VAE decoder (JanusFlow's image decoder): tiny diffusers AutoencoderKL (F32 file), seeded 24x24
# latent -> 192x192. The full `decoded` (442 KB) is left out: decoded_s2 (every 2nd pixel) carries the values.
P=$CK/sdxl-vae
gold --model "$P" --case vae_fp32 --kind vae --precision fp32 --seed 7 --grid 24 --skip decoded
gold --model "$P" --case vae_bf16 --kind vae --precision bf16 --seed 7 --grid 24 --skip decoded

# JanusFlow-1.3B rectified-flow sampler (flow.py): 5 Euler steps, CFG 2, numpy noise seed 3, both precisions.
# The bf16 case leaves dec_in_0 out (size); its fp32 twin has it.
P=$CK/janusflow-1.3b
ids flow_gen "$P" plain 1 --gen-prompt "A photo of a red apple on a wooden table."
gold --model "$P" --case flow_gen_fp32 --kind flow --precision fp32 --input-ids "$OUT/ids/flow_gen.json" \
  --steps 5 --cfg 2 --seed 3
gold --model "$P" --case flow_gen_bf16 --kind flow --precision bf16 --input-ids "$OUT/ids/flow_gen.json" \
  --steps 5 --cfg 2 --seed 3 --skip dec_in_0

du -sh "$OUT"
