#!/usr/bin/env bash
# `janus quantize` end to end on the tiny Janus-Pro and JanusFlow checkpoints: for q8_0 and q4_0 the
# GGUF file loads (`info`), and understand / generate on it give exactly what the folder model
# quantized at load (--quant) gives; an existing output is never replaced without --force.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
IMG="$JANUS_SOURCE_DIR/tests/data/images/bmp32_topdown.rgb.png"
V="$JANUS_TINY/sdxl-vae"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

same_pixels() {  # a.png b.png
  "$PY" - "$1" "$2" <<'PYEOF'
import sys, numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p).convert("RGB")) for p in sys.argv[1:])
assert a.shape == b.shape and (a == b).all(), "images differ"
PYEOF
}

for model in janus-pro-1b janusflow-1.3b; do
  M="$JANUS_TINY/$model"
  for type in q8_0 q4_0; do
    G="$w/$model-$type.gguf"
    "$JANUS_BIN" quantize "$M" "$G" --type "$type" -q
    test -s "$G"
    if ls -A "$w" | grep -q '\.tmp-'; then echo "temporary file left behind"; exit 1; fi

    # general.name is the folder's name (dots kept); architecture llama, as llama.cpp expects.
    "$PY" - "$G" "$model" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read(1 << 16)
assert b[:4] == b"GGUF" and struct.unpack_from("<I", b, 4)[0] == 3
p, kv = 24, {}
for _ in range(2):  # general.architecture, general.name come first
    n = struct.unpack_from("<Q", b, p)[0]; k = b[p + 8:p + 8 + n].decode(); p += 8 + n
    assert struct.unpack_from("<I", b, p)[0] == 8; p += 4
    n = struct.unpack_from("<Q", b, p)[0]; kv[k] = b[p + 8:p + 8 + n].decode(); p += 8 + n
assert kv == {"general.architecture": "llama", "general.name": sys.argv[2]}, kv
PYEOF
    "$JANUS_BIN" info "$G" --json > "$w/info.json"
    "$JANUS_BIN" info "$M" --json --quant "$type" > "$w/info_folder.json"
    "$PY" - "$w/info.json" "$w/info_folder.json" "$type" "$G" <<'PYEOF'
import json, sys
g, f, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
for k in ("model_kind", "llm", "vision", "generation", "preprocessor", "tokenizer"):
    assert g[k] == f[k], (k, g[k], f[k])
assert g["tensors"]["count"] == f["tensors"]["count"]
assert g["tensors"]["dtypes"] == f["tensors"]["dtypes"], (g["tensors"]["dtypes"], f["tensors"]["dtypes"])
assert t.upper() in g["tensors"]["dtypes"], g["tensors"]["dtypes"]
assert g["files"] == [sys.argv[4].rsplit("/", 1)[1]], g["files"]
PYEOF

    # Understanding: greedy answers are identical.
    "$JANUS_BIN" understand -m "$G" -i "$IMG" -p "What is in the image?" -n 12 --temperature 0 > "$w/a_gguf.txt"
    "$JANUS_BIN" understand -m "$M" --quant "$type" -i "$IMG" -p "What is in the image?" -n 12 --temperature 0 \
      > "$w/a_folder.txt"
    test -s "$w/a_gguf.txt"
    cmp "$w/a_gguf.txt" "$w/a_folder.txt"

    # Generation: the same image from the same seed.
    if [ "$model" = janusflow-1.3b ]; then
      gen=(--vae "$V" --steps 2)
    else
      gen=(--temperature 0)
    fi
    "$JANUS_BIN" generate -m "$G" "${gen[@]}" -p "a red apple" -s 3 -o "$w/g_gguf.png" -q --force
    "$JANUS_BIN" generate -m "$M" --quant "$type" "${gen[@]}" -p "a red apple" -s 3 -o "$w/g_folder.png" -q --force
    same_pixels "$w/g_gguf.png" "$w/g_folder.png"
    echo "$model $type OK"
  done
done

# An existing output is left alone without --force, replaced with it.
echo "precious" > "$w/keep.gguf"
rc=0
"$JANUS_BIN" quantize "$JANUS_TINY/janus-pro-1b" "$w/keep.gguf" --type q4_0 -q 2> "$w/err" || rc=$?
{ [ "$rc" -ne 0 ] && grep -q "already exists" "$w/err" && [ "$(cat "$w/keep.gguf")" = precious ]; } ||
  fail "existing output replaced or no clear error"
"$JANUS_BIN" quantize "$JANUS_TINY/janus-pro-1b" "$w/keep.gguf" --type bf16 --force -q
"$JANUS_BIN" info "$w/keep.gguf" --json | "$PY" -c "import json,sys; d=json.load(sys.stdin)['tensors']['dtypes']; assert list(d) == ['BF16'], d"

# Ctrl-C at any moment leaves either no output or the whole output, and never a temporary file.
for delay in 0.2 0.8 1.5; do
  # (timeout reports 124 even when the signal came after the file was complete.)
  timeout -s INT "$delay" "$JANUS_BIN" quantize "$JANUS_TINY/janus-pro-1b" "$w/int.gguf" -q 2> /dev/null || true
  if [ -e "$w/int.gguf" ]; then
    "$JANUS_BIN" info "$w/int.gguf" > /dev/null || fail "partial output after SIGINT"
    rm "$w/int.gguf"
  fi
  if ls -A "$w" | grep -q '\.tmp-'; then echo "temporary file left behind after SIGINT"; exit 1; fi
done

# A file that is not GGUF, and a GGUF that is not a janus.cpp model, are clear errors.
rc=0; "$JANUS_BIN" info "$w/err" 2> "$w/err2" || rc=$?
{ [ "$rc" -ne 0 ] && grep -q "not a GGUF file" "$w/err2"; } || fail "non-GGUF file accepted"
rc=0; "$JANUS_BIN" info "$JANUS_SOURCE_DIR/../shared/models/deepseek-llm-tokenizer-ref/ggml-vocab-deepseek-llm.gguf" \
  2> "$w/err3" || rc=$?
if [ -f "$JANUS_SOURCE_DIR/../shared/models/deepseek-llm-tokenizer-ref/ggml-vocab-deepseek-llm.gguf" ]; then
  { [ "$rc" -ne 0 ] && grep -q "not a janus.cpp model file" "$w/err3"; } || fail "llama.cpp vocab file accepted"
fi
echo "quantize OK"
