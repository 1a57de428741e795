#!/usr/bin/env bash
# One command: install dependencies, build, and run the main job on a model.
# Uses a real model from the Hugging Face cache/hub when it can be had (MODEL, default
# deepseek-ai/Janus-Pro-1B); otherwise generates a tiny random checkpoint in the real layout and
# says so plainly. Today the engine inspects and tokenizes; understanding and generation follow.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL="${MODEL:-deepseek-ai/Janus-Pro-1B}"
bash scripts/setup.sh
bash scripts/build.sh
JANUS=build/janus
# Debian's python3 carries the numpy that setup.sh installed (a pyenv/conda python3 may not).
PY=python3; [[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

if $JANUS info "$MODEL" >/dev/null 2>/tmp/janus-quickstart.err; then
  echo "== real model: $MODEL"
else
  echo "== could not load $MODEL ($(tail -n1 /tmp/janus-quickstart.err))"
  echo "== NOTE: falling back to a TINY RANDOM checkpoint (real layout, random weights): outputs are meaningless"
  MODEL=build/models/janus-pro-1b-tiny
  [[ -f "$MODEL/config.json" ]] || $PY tools/gen_tiny/gen_tiny.py --model janus-pro-1b --size tiny --out "$MODEL"
fi
$JANUS info "$MODEL"
$JANUS tokenize "$MODEL" "A glossy product shot of a red sneaker on a marble table, studio lighting"
