#!/usr/bin/env bash
# janus studio end to end on a tiny checkpoint: --dry-run, creative count and sizes, manifest
# contents, ranking follows the scores, copy within its limits, resumption (--limit, SIGINT),
# idempotent re-runs, no overwrite without --force, and bad input.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}" "${JANUS_PYTHON3:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MODEL="$JANUS_TINY/janus-pro-1b"
cp -r "$JANUS_SOURCE_DIR/tests/studio/data" "$T/c"
CAMP="$T/c/campaign.yaml"
studio() { "$JANUS_BIN" studio "$@" -m "$MODEL" -t 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- --dry-run: the plan, nothing written
"$JANUS_BIN" studio "$CAMP" --dry-run -o "$T/dry" >"$T/dry.txt"
grep -q "creatives: 4, candidates per creative: 2" "$T/dry.txt" || { cat "$T/dry.txt"; fail "dry-run plan"; }
grep -q "lamp--ar--wide" "$T/dry.txt" || fail "dry-run lists the creatives"
grep -q "right-to-left" "$T/dry.txt" || fail "dry-run marks the Arabic creatives"
grep -q "estimated time: [0-9]* s (rough" "$T/dry.txt" || fail "dry-run estimate"
"$JANUS_BIN" studio "$CAMP" --dry-run -m "$MODEL" | grep -q "estimated time: [0-9]* s (floor from" || fail "dry-run roofline estimate"
[[ ! -e "$T/dry" ]] || fail "dry-run wrote files"

# ---- interrupted run (3 of 4 creatives), then resumed
OUT="$T/out"
studio "$CAMP" -o "$OUT" --limit 3 2>"$T/run1.log" || { cat "$T/run1.log"; fail "first run"; }
[[ $(ls "$OUT"/creatives/*.png | wc -l) == 3 ]] || fail "3 creatives after --limit 3"
sha1sum "$OUT"/creatives/* "$OUT"/candidates/* >"$T/sums1"
studio "$CAMP" -o "$OUT" 2>"$T/run2.log" || { cat "$T/run2.log"; fail "resumed run"; }
grep -q "made 1 creatives (3 already finished)" "$T/run2.log" || { cat "$T/run2.log"; fail "resume made only the missing one"; }
sha1sum -c --quiet "$T/sums1" || fail "resuming changed finished files"

"$JANUS_PYTHON3" - "$OUT" <<'PY'
import json, os, sys
from PIL import Image
out = sys.argv[1]
m = json.load(open(os.path.join(out, "manifest.json")))
cs = m["creatives"]
assert len(cs) == 4, len(cs)
assert m["model"].endswith("janus-pro-1b") and m["candidates"] == 2 and m["campaign"]["seed"] == 5
sizes = {"sq": (256, 256), "wide": (320, 168)}
limits = {"headline": 30, "body": 80, "cta": 14}
for c in cs:
    assert c["status"] == "done", c["id"]
    assert len(c["candidates"]) == 2
    scores = [k["score"] for k in c["candidates"]]
    assert c["chosen"] == scores.index(max(scores)), (c["id"], scores, c["chosen"])  # ranking follows the scores
    for k in c["candidates"]:
        assert 0 <= k["p_yes"] <= 1 and 0 <= k["p_no"] <= 1 and k["p_yes"] + k["p_no"] <= 1 + 1e-6, k
        assert abs(k["score"] - (k["p_yes"] + 0.05 * k["brand_colour"])) < 1e-6, k
        assert k["seed"] == c["seed"] and os.path.exists(os.path.join(out, k["file"]))
    for f, n in limits.items():
        assert 0 < len(c["copy"][f]) <= n, (f, c["copy"][f])
    assert c["copy"]["source"][f] in ("model", "fallback")
    assert c["prompt"].startswith("Aurora Lamp: a desk lamp") and "Does this image show" in c["question"]
    assert set(c["timings_ms"]) >= {"generate_ms", "score_ms", "copy_ms", "compose_ms", "total_ms"}
    assert c["rtl"] == ("--ar--" in c["id"])
    files = c["files"]
    assert [os.path.splitext(f)[1] for f in files] == [".png", ".webp"], files
    for f in files:
        im = Image.open(os.path.join(out, f))
        assert im.size == sizes[c["format"]["name"]], (f, im.size)
# the reference image was described once, into every prompt
ref = m["references"]["lamp"]
assert ref["file"].endswith("logo.png") and all(c["prompt"].endswith(ref["description"]) for c in cs), ref
# one generation per audience, shared by its two formats
keys = {c["id"]: c["gen_key"] for c in cs}
assert keys["lamp--en--sq"] == keys["lamp--en--wide"] != keys["lamp--ar--sq"], keys
assert len(os.listdir(os.path.join(out, "candidates"))) == 4
html = open(os.path.join(out, "index.html")).read()
assert all(f'data-id="{c["id"]}"' in html for c in cs)
print("manifest OK")
PY

# ---- idempotent: nothing to do, nothing touched
sha1sum "$OUT"/creatives/* "$OUT"/candidates/* >"$T/sums2"
studio "$CAMP" -o "$OUT" 2>"$T/run3.log" || fail "re-run"
grep -q "nothing to do" "$T/run3.log" || { cat "$T/run3.log"; fail "re-run did work"; }
sha1sum -c --quiet "$T/sums2" || fail "re-run changed files"

# ---- no overwrite: a changed campaign is refused until --force
sed -i 's/^tone: bright/tone: dark/' "$CAMP"
rc=0
studio "$CAMP" -o "$OUT" 2>"$T/run4.log" || rc=$?
[[ $rc == 2 ]] || { cat "$T/run4.log"; fail "changed campaign: expected exit 2, got $rc"; }
grep -q -- "--force" "$T/run4.log" || fail "refusal names --force"
grep -q "creatives/lamp--en--sq.png" "$T/run4.log" || fail "refusal names the file"
sha1sum -c --quiet "$T/sums2" || fail "refused run changed files"

# ---- Ctrl-C during a --force run: cancelled at the next generation step (exit 130), the manifest
# stays consistent: the interrupted creative in_progress, the others as they were
"$JANUS_BIN" studio "$CAMP" -o "$OUT" -m "$MODEL" -t 2 --force -q 2>"$T/int.log" &
pid=$!
for _ in $(seq 1 400); do
  grep -q '"in_progress"' "$OUT/manifest.json" 2>/dev/null && break
  sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[[ $rc == 130 ]] || { cat "$T/int.log"; fail "SIGINT: expected exit 130, got $rc"; }
grep -q "interrupted" "$T/int.log" || fail "SIGINT message"
"$JANUS_PYTHON3" -c "
import json; m=json.load(open('$OUT/manifest.json'))
st={c['id']: c['status'] for c in m['creatives']}
assert st=={'lamp--en--sq':'in_progress','lamp--en--wide':'done','lamp--ar--sq':'done','lamp--ar--wide':'done'}, st"
sha1sum -c --quiet "$T/sums2" || fail "the interrupted run changed files"

# ---- --force replaces (here: the interrupted creative, with the new settings) ...
studio "$CAMP" -o "$OUT" --force --limit 1 -q || fail "--force run"
sha1sum --quiet -c <(grep "creatives/lamp--en--sq.png" "$T/sums2") >/dev/null 2>&1 && fail "--force did not replace the creative"
"$JANUS_PYTHON3" -c "
import json; m=json.load(open('$OUT/manifest.json'))
c={c['id']: c for c in m['creatives']}['lamp--en--sq']
assert c['status']=='done' and 'dark' in c['prompt'], c"
# ... and the creatives still made from the old settings stay protected without it
rc=0
studio "$CAMP" -o "$OUT" 2>"$T/run6.log" || rc=$?
[[ $rc == 2 ]] && grep -q "creatives/lamp--en--wide.png" "$T/run6.log" || { cat "$T/run6.log"; fail "old files protected"; }

# ---- a stray file that janus studio did not write is never replaced
OUT2="$T/out2"
mkdir -p "$OUT2/creatives"
echo "precious" >"$OUT2/creatives/lamp--en--sq.png"
rc=0
studio "$CAMP" -o "$OUT2" 2>"$T/run5.log" || rc=$?
[[ $rc == 2 ]] || { cat "$T/run5.log"; fail "stray file: expected exit 2, got $rc"; }
[[ $(cat "$OUT2/creatives/lamp--en--sq.png") == precious ]] || fail "stray file replaced"

# ---- bad input: clear errors, non-zero exit, no crash
printf 'brand: {name: x}\nitems:\n  - name: [oops\n' >"$T/bad.yaml"
rc=0
"$JANUS_BIN" studio "$T/bad.yaml" --dry-run 2>"$T/bad.log" || rc=$?
[[ $rc == 1 ]] && grep -q "bad.yaml:" "$T/bad.log" || { cat "$T/bad.log"; fail "malformed YAML"; }
sed 's/^seed: 5/seed: five/' "$T/c/campaign.yaml" >"$T/c/badseed.yaml"
rc=0
"$JANUS_BIN" studio "$T/c/badseed.yaml" --dry-run 2>"$T/bad2.log" || rc=$?
[[ $rc == 1 ]] && grep -q "badseed.yaml:4:7: seed: expected an integer" "$T/bad2.log" || { cat "$T/bad2.log"; fail "bad seed"; }
rc=0
"$JANUS_BIN" studio "$CAMP" -o "$T/out6" -m "$T/no-such-model" --offline 2>"$T/bad3.log" || rc=$?
[[ $rc == 1 ]] || { cat "$T/bad3.log"; fail "missing model: exit $rc"; }
echo "studio_e2e OK"
