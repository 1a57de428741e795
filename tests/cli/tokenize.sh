#!/usr/bin/env bash
# `janus tokenize`: ids equal Hugging Face tokenizers' (committed expected ids), with and without BOS,
# --json and --jsonl forms, and clear errors for bad requests.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}"
PY="${JANUS_PYTHON3:-python3}"
M="$JANUS_TINY/janus-pro-1b"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Spec §4.2 unit test (Pro-1B tokenizer).
[[ $("$JANUS_BIN" tokenize "$M" "Hello, how are you?" --json) == '{"ids":[100000,17464,11,946,418,340,30],"pieces":["<｜begin▁of▁sentence｜>","Hello",",","Ġhow","Ġare","Ġyou","?"]}' ]]
[[ $("$JANUS_BIN" tokenize "$M" "Hello" --no-bos --json) == '{"ids":[17464],"pieces":["Hello"]}' ]]
[[ $("$JANUS_BIN" tokenize "$M" "" --json) == '{"ids":[100000],"pieces":["<｜begin▁of▁sentence｜>"]}' ]]
# Plain listing shows the piece bytes.
"$JANUS_BIN" tokenize "$M" $'a\nb' | grep -qF "185	'\\n'"

# --jsonl over the first 300 corpus strings equals HF's ids (expected_<model>.jsonl holds ids without BOS).
# Janus-1.3B and JanusFlow folders gain processor tags (<image_placeholder>, <image_beg>, ...) at load,
# as the official processor adds them; HF's raw tokenizer.json does not know them, so strings with
# such tags are compared only for Pro-1B (whose tokenizer.json has them all).
for model in janus-pro-1b:Janus-Pro-1B janus-1.3b:Janus-1.3B janusflow-1.3b:JanusFlow-1.3B; do
  dir="$JANUS_TINY/${model%%:*}"
  exp="$JANUS_SOURCE_DIR/tests/data/tokenizer/expected_${model##*:}.jsonl"
  "$PY" - "$JANUS_SOURCE_DIR/tests/data/tokenizer/corpus.jsonl" "$exp" "${model%%:*}" "$out" <<'PYEOF'
import json, sys
corpus, expected, model, out = sys.argv[1:]
texts = [json.loads(l) for l in open(corpus, encoding="utf-8")][:300]
lines = open(expected, encoding="utf-8").read().split("\n")  # not splitlines: U+2028 is data
assert "template_prefix" in json.loads(lines[0])  # header line
exp = [json.loads(l)["ids"] for l in lines[1:301]]
tags = ("<image_", "<begin_of_image>", "<end_of_image>")
keep = [i for i, t in enumerate(texts) if model == "janus-pro-1b" or not any(g in t for g in tags)]
with open(f"{out}/in.jsonl", "w") as f:
    for i in keep: f.write(json.dumps(texts[i]) + "\n")
with open(f"{out}/exp.json", "w") as f: json.dump([exp[i] for i in keep], f)
PYEOF
  "$JANUS_BIN" tokenize "$dir" --jsonl --no-bos < "$out/in.jsonl" > "$out/got.jsonl"
  "$PY" - "$out/got.jsonl" "$out/exp.json" <<'PYEOF'
import json, sys
got = [json.loads(l)["ids"] for l in open(sys.argv[1], encoding="utf-8")]
exp = json.load(open(sys.argv[2]))
assert len(got) == len(exp) > 200 and got == exp, (len(got), len(exp), [i for i, (a, b) in enumerate(zip(got, exp)) if a != b][:5])
PYEOF
done

# Bad requests: non-zero exit and a message, never a crash.
expect_fail() {
  local rc=0
  "$@" > "$out/stdout" 2> "$out/stderr" || rc=$?
  [[ $rc -ne 0 && $rc -lt 128 ]] || { echo "expected a clean failure (rc=$rc): $*"; cat "$out/stderr"; exit 1; }
  grep -q "error" "$out/stderr" || { echo "no error message: $*"; exit 1; }
}
expect_fail "$JANUS_BIN" tokenize "$M"                          # neither TEXT nor --jsonl
expect_fail "$JANUS_BIN" tokenize "$M" "x" --jsonl              # both
echo '{"not": "a string"}' > "$out/bad.jsonl"
expect_fail "$JANUS_BIN" tokenize "$M" --jsonl < "$out/bad.jsonl"
echo 'not json' > "$out/bad.jsonl"
expect_fail "$JANUS_BIN" tokenize "$M" --jsonl < "$out/bad.jsonl"
expect_fail "$JANUS_BIN" tokenize "$M" $'\xff\xfe bad utf-8'
grep -q "byte offset" "$out/stderr"
echo "tokenize: all checks passed"
