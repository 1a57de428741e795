#!/usr/bin/env bash
# The `janus serve` web UI in a real browser: Playwright (npm playwright-core) drives Debian's
# chromium headless: upload an image and get an answer; generate an image with a moving progress bar;
# send it to the chat. Screenshots are kept under the build folder (path printed).
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}" "${JANUS_BINARY_DIR:?}"
source "$JANUS_SOURCE_DIR/tests/server/node_env.sh"
CHROMIUM=$(command -v chromium || true)
[[ -n "$CHROMIUM" ]] || { echo "chromium is missing: run scripts/setup.sh" >&2; exit 1; }
SHOTS="$JANUS_BINARY_DIR/test-artifacts/serve_ui"
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
SERVER_PID=""
trap '[[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null || true' EXIT
start_server "$SHOTS/server.log" -m "$JANUS_TINY/janus-pro-1b" -t 2
JANUS_URL="$SERVER_URL" JANUS_IMAGES="$JANUS_SOURCE_DIR/tests/data/images" SHOTS="$SHOTS" CHROMIUM="$CHROMIUM" \
  node --test --test-reporter=spec "$NODE_DIR/ui.test.mjs"
ls "$SHOTS"/*.png >/dev/null
echo "serve_ui OK; screenshots in $SHOTS"
