#!/usr/bin/env bash
# Bad model folders give one clear message naming the file and field or tensor, and a non-zero exit:
# never a crash (signal exit), and a hostile pickle never runs anything.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export HF_HUB_OFFLINE=1 HF_HUB_CACHE="$w/empty-cache"

# expect_error PATTERN CMD...: exit code 1..127 and stderr matching PATTERN (extended regex).
expect_error() {
  local pattern="$1" rc=0
  shift
  "$@" > "$w/stdout" 2> "$w/stderr" || rc=$?
  if [[ $rc -eq 0 || $rc -ge 128 ]]; then echo "FAIL (rc=$rc): $*"; cat "$w/stderr"; exit 1; fi
  if ! grep -Eq -- "$pattern" "$w/stderr"; then echo "FAIL (message): $* — wanted /$pattern/"; cat "$w/stderr"; exit 1; fi
  [[ $(wc -l < "$w/stderr") -le 3 ]] || { echo "FAIL (not one clear message): $*"; cat "$w/stderr"; exit 1; }
}
fresh() { rm -rf "$w/m"; cp -r "$JANUS_TINY/$1" "$w/m"; }

# Truncated safetensors.
fresh janus-1.3b
truncate -s 100000 "$w/m/model.safetensors"
expect_error 'model\.safetensors' "$JANUS_BIN" info "$w/m"
# Header that lies about its length.
fresh janus-1.3b
"$PY" -c "import struct,sys; f=open(sys.argv[1],'r+b'); f.write(struct.pack('<Q', 1<<40))" "$w/m/model.safetensors"
expect_error 'model\.safetensors.*header' "$JANUS_BIN" info "$w/m"
# Not a zip.
fresh janus-pro-1b
head -c 5000 /dev/urandom > "$w/m/pytorch_model.bin"
expect_error 'pytorch_model\.bin' "$JANUS_BIN" info "$w/m"
# Hostile pickle: os.system in data.pkl. Refused by name; the marker file it would create never appears.
fresh janus-pro-1b
cp "$JANUS_SOURCE_DIR/tests/data/weights/hostile/os_system.bin" "$w/m/pytorch_model.bin"
rm -f /tmp/janus_weights_pwned_marker
expect_error 'pytorch_model\.bin.*(posix|os)' "$JANUS_BIN" info "$w/m"
[[ ! -e /tmp/janus_weights_pwned_marker ]]
# Missing shard.
fresh janus-pro-7b
rm "$w/m/pytorch_model-00002-of-00002.bin"
expect_error 'pytorch_model-00002-of-00002\.bin' "$JANUS_BIN" info "$w/m"
# Shape mismatch: config says a different MLP width than the tensors.
fresh janus-pro-1b
"$PY" - "$w/m/config.json" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1])); c["language_config"]["intermediate_size"] += 32
json.dump(c, open(sys.argv[1], "w"), indent=2)
PYEOF
expect_error 'mlp\.(gate|up|down)_proj\.weight' "$JANUS_BIN" info "$w/m"
# Missing tensor.
fresh janus-1.3b
"$PY" - "$w/m/model.safetensors" <<'PYEOF'
import json, struct, sys
# Rename one tensor in the header (same length keeps offsets valid): the real name is then missing.
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); n = struct.unpack("<Q", b[:8])[0]
h = b[8:8 + n].decode(); h2 = h.replace("language_model.model.norm.weight", "language_model.model.norm.weighX")
assert h2 != h; b[8:8 + n] = h2.encode(); open(p, "wb").write(b)
PYEOF
expect_error 'language_model\.model\.norm\.weight' "$JANUS_BIN" info "$w/m"
# Invalid JSON and unknown model_type.
fresh janus-pro-1b
echo '{"model_type": "multi_modality", ' > "$w/m/config.json"
expect_error 'config\.json' "$JANUS_BIN" info "$w/m"
fresh janus-pro-1b
sed -i 's/"multi_modality"/"llava"/' "$w/m/config.json"
expect_error 'config\.json.*model_type' "$JANUS_BIN" info "$w/m"
# Missing tokenizer, missing folder, repo not cached while offline, malformed repo id.
fresh janus-pro-1b
rm "$w/m/tokenizer.json"
expect_error 'tokenizer\.json' "$JANUS_BIN" tokenize "$w/m" hi
expect_error 'no-such-folder|not found|not a model' "$JANUS_BIN" info "$w/no-such-folder"
expect_error 'HF_HUB_OFFLINE|offline' "$JANUS_BIN" info deepseek-ai/Janus-Pro-1B
expect_error 'repo|invalid' "$JANUS_BIN" info "bad//repo..id"
echo "bad_input: all checks passed"
