#!/usr/bin/env bash
# `janus chat`: scripted multi-turn session over stdin (/image, /reset, /quit), answers equal to the
# same conversation run through `understand --conversation`, and Ctrl-C at the prompt ends cleanly.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
M="$JANUS_TINY/janus-pro-1b"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
"$PY" -c "
import numpy as np; from PIL import Image
Image.fromarray((np.arange(384*384*3) % 251).astype(np.uint8).reshape(384,384,3)).save('$w/img.png')"

printf '/image %s\nWhat is this?\nAnd the colours?\n/quit\nnever read\n' "$w/img.png" \
  | "$JANUS_BIN" chat -m "$M" -n 6 --precision fp32 > "$w/chat.out"
[[ $(wc -l < "$w/chat.out") -eq 2 ]] || { cat "$w/chat.out"; exit 1; }

# The second answer must equal a fresh run of the whole conversation (KV-cache reuse is invisible).
first=$(sed -n 1p "$w/chat.out")
"$PY" -c "
import json, sys
json.dump([{'role': 'user', 'content': 'What is this?', 'images': ['$w/img.png']},
           {'role': 'assistant', 'content': sys.argv[1]},
           {'role': 'user', 'content': 'And the colours?'}], open('$w/conv.json', 'w'))" "$first"
"$JANUS_BIN" understand -m "$M" --conversation "$w/conv.json" -n 6 --precision fp32 > "$w/second.out"
[[ "$(sed -n 2p "$w/chat.out")" == "$(cat "$w/second.out")" ]] || { echo "second turn differs"; cat "$w/chat.out" "$w/second.out"; exit 1; }

# /reset forgets the history: the answer after it equals a one-turn run.
printf 'What is this?\n/reset\nHello there\n' | "$JANUS_BIN" chat -m "$M" -n 5 --precision fp32 > "$w/reset.out"
"$JANUS_BIN" understand -m "$M" -p "Hello there" -n 5 --precision fp32 > "$w/hello.out"
[[ "$(sed -n 2p "$w/reset.out")" == "$(cat "$w/hello.out")" ]]

# A missing image is reported and the session goes on.
printf '/image %s\nhi\n' "$w/missing.png" | "$JANUS_BIN" chat -m "$M" -n 3 > "$w/miss.out" 2> "$w/miss.err"
grep -q "cannot read image" "$w/miss.err"

# Ctrl-C while waiting at the prompt: clean exit (status 0, no core, no signal death).
mkfifo "$w/in"
"$JANUS_BIN" chat -m "$M" -n 3 < "$w/in" > /dev/null 2>&1 &
pid=$!
exec 3> "$w/in"
sleep 1
kill -INT "$pid"
rc=0; wait "$pid" || rc=$?
exec 3>&-
[[ $rc -eq 0 ]] || { echo "chat exited with $rc after SIGINT"; exit 1; }
echo "chat: all checks passed"
