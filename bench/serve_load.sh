#!/usr/bin/env bash
# Runs bench/serve_load.mjs against `janus serve` on a tiny checkpoint (generated if missing).
# Usage: bash bench/serve_load.sh [REQUESTS=40] [CONCURRENCY=4] [SECONDS=120]   (BUILD_DIR=build)
set -euo pipefail
cd "$(dirname "$0")/.."
B="${BUILD_DIR:-build}"
M="$B/models/tiny/janus-pro-1b"
[[ -d "$M" ]] || /usr/bin/python3 tools/gen_tiny/gen_tiny.py --model janus-pro-1b --size tiny --out "$M"
log=$(mktemp)
"$B/janus" serve -m "$M" --port 0 --max-queue 8 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 300); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
  [[ -n "$url" ]] && curl -fs "$url/health" >/dev/null 2>&1 && break
  sleep 0.1
done
node bench/serve_load.mjs "$url" "$pid" "$@"
