#!/usr/bin/env bash
# janus studio's index.html in headless Chromium (playwright-core, installed as the serve tests do):
# every creative shown with its candidates. Screenshot kept under the build folder (path printed).
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}" "${JANUS_BINARY_DIR:?}"
source "$JANUS_SOURCE_DIR/tests/server/node_env.sh"
cp "$JANUS_SOURCE_DIR/tests/studio/sheet.test.mjs" "$NODE_DIR/studio_sheet.test.mjs"
CHROMIUM=$(command -v chromium || true)
[[ -n "$CHROMIUM" ]] || { echo "chromium is missing: run scripts/setup.sh" >&2; exit 1; }
SHOTS="$JANUS_BINARY_DIR/test-artifacts/studio_sheet"
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
OUT="$SHOTS/out"
# One audience of the test campaign: 2 creatives (two formats) from one generation, kept short.
cp "$JANUS_SOURCE_DIR/tests/studio/data/logo.png" "$SHOTS/"
sed '/id: ar,/d' "$JANUS_SOURCE_DIR/tests/studio/data/campaign.yaml" >"$SHOTS/campaign.yaml"
"$JANUS_BIN" studio "$SHOTS/campaign.yaml" -m "$JANUS_TINY/janus-pro-1b" -o "$OUT" \
  --candidates 2 -t 2 -q
SHEET="$OUT/index.html" MANIFEST="$OUT/manifest.json" SHOTS="$SHOTS" CHROMIUM="$CHROMIUM" \
  node --test --test-reporter=spec "$NODE_DIR/studio_sheet.test.mjs"
ls "$SHOTS/index.png" >/dev/null
echo "studio_sheet OK; screenshot in $SHOTS"
