#!/usr/bin/env bash
# The three example campaigns (examples/studio) on a tiny checkpoint: each validates, plans in full
# (--dry-run) and makes its first creatives (one candidate each, to keep CI short).
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}" "${JANUS_PYTHON3:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
declare -A CREATIVES=([game-launch]=6 [food-delivery]=4 [ride-hailing]=8)
# Creatives made per example: the first two of game-launch and ride-hailing share one generation
# (same prompt, two formats); every food-delivery creative has its own (one per customer).
declare -A MAKE=([game-launch]=2 [food-delivery]=1 [ride-hailing]=2)
for ex in game-launch food-delivery ride-hailing; do
  camp="$JANUS_SOURCE_DIR/examples/studio/$ex/campaign.yaml"
  "$JANUS_BIN" studio "$camp" --dry-run >"$T/$ex.plan" || fail "$ex: dry-run"
  grep -q "^creatives: ${CREATIVES[$ex]}," "$T/$ex.plan" || { cat "$T/$ex.plan"; fail "$ex: plan size"; }
  "$JANUS_BIN" studio "$camp" -m "$JANUS_TINY/janus-pro-1b" -o "$T/$ex" --candidates 1 --limit "${MAKE[$ex]}" -t 2 -q ||
    fail "$ex: run"
  "$JANUS_PYTHON3" - "$T/$ex" "${MAKE[$ex]}" <<'PY' || fail "$ex: outputs"
import json, os, sys
from PIL import Image
out = sys.argv[1]
m = json.load(open(os.path.join(out, "manifest.json")))
done = [c for c in m["creatives"] if c["status"] == "done"]
assert len(done) == int(sys.argv[2]), len(done)
for c in done:
    for f in c["files"]:
        assert Image.open(os.path.join(out, f)).size == (c["format"]["width"], c["format"]["height"]), f
PY
done
grep -q "row-c104--dinner--square.*right-to-left" "$T/food-delivery.plan" || fail "the Arabic customer's creative is right to left"
grep -q "first-ride--jakarta-id--story" "$T/ride-hailing.plan" || fail "Indonesian audience planned"
echo "studio_examples OK"
