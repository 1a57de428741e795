#!/usr/bin/env bash
# janus-bench end to end on the tiny checkpoints (small settings): every expected row in the JSON,
# values positive and finite, ratio = roofline ÷ value (time) or value ÷ roofline (rate), the machine
# limits (janus_measure_machine) plausible, CSV and table outputs with the same rows; bad requests
# fail with a clear message.
set -euo pipefail
: "${JANUS_BENCH_BIN:?}" "${JANUS_TINY:?}"
PY="${JANUS_PYTHON3:-python3}"
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export HF_HUB_OFFLINE=1 HF_HUB_CACHE="$w/empty-cache"
A="$JANUS_TINY/janus-pro-1b" F="$JANUS_TINY/janusflow-1.3b" V="$JANUS_TINY/sdxl-vae"
small=(--machine-seconds 0.2 --decode-tokens 3 --image-tokens 3 --flow-steps 2 -t 2)

"$JANUS_BENCH_BIN" -m "$A" -m "$F" --vae "$V" "${small[@]}" -o json > "$w/out.json"
"$PY" - "$w/out.json" <<'PYEOF'
import json, math, sys
j = json.load(open(sys.argv[1]))
m = j["machine"]
assert 0.1 < m["mem_read_gbs"] < 10000, m            # no machine reads 10 TB/s
assert 0.1 < m["gemm_f32_gflops"] < 1e6, m
assert 0 <= m["gemm_bf16_gflops"] < 1e6, m
assert m["threads"] == 2, m
rows = {(r["model"], r["metric"]): r for r in j["rows"]}
expect = {
    "machine": ["mem_read", "gemm_f32", "gemm_bf16"],
    "janus-pro-1b": ["load", "image_encode", "prefill", "decode", "vq_decode", "ar_token_step_n1", "ar_image_n1",
                     "ar_token_step_n4", "ar_image_n4", "peak_rss"],
    "janusflow-1.3b": ["load", "image_encode", "prefill", "decode", "flow_step", "vae_decode", "peak_rss"],
}
for model, metrics in expect.items():
    for k in metrics:
        assert (model, k) in rows, ("missing row", model, k)
assert len(rows) == sum(len(v) for v in expect.values()), sorted(rows)
for (model, k), r in rows.items():
    v = r["value"]
    assert math.isfinite(v) and (v > 0 or k == "gemm_bf16"), (model, k, v)
    if model == "machine":
        continue
    assert r["bound"] in ("memory", "compute"), r
    roof = r["roofline"]
    assert math.isfinite(roof) and roof > 0, (model, k, roof)
    want = roof / v if r["kind"] == "time" else v / roof
    assert abs(r["ratio"] - want) <= 1e-9 * max(1, want), (model, k, r["ratio"], want)
    if r["bound"] == "compute":
        want32 = r["roofline_f32"] / v if r["kind"] == "time" else v / r["roofline_f32"]
        assert r["roofline_f32"] > 0 and abs(r["ratio_f32"] - want32) <= 1e-9 * max(1, want32), r
# Units and kinds that readers rely on.
assert rows[("janus-pro-1b", "prefill")]["kind"] == "rate" and rows[("janus-pro-1b", "prefill")]["unit"] == "tok/s"
assert rows[("janus-pro-1b", "decode")]["bound"] == "memory"
assert rows[("janusflow-1.3b", "flow_step")]["bound"] == "compute"
# n = 4 shares each weight stream between 8 CFG rows: its floor per step equals n = 1's.
assert rows[("janus-pro-1b", "ar_token_step_n4")]["roofline"] == rows[("janus-pro-1b", "ar_token_step_n1")]["roofline"]
# The same prompt's n = 4 image floor is a quarter of the token part of n = 1's.
assert rows[("janus-pro-1b", "ar_image_n4")]["roofline"] < rows[("janus-pro-1b", "ar_image_n1")]["roofline"]
PYEOF

# CSV: a header and the same rows; table: every metric named.
"$JANUS_BENCH_BIN" -m "$A" "${small[@]}" --tests load,vq -o csv > "$w/out.csv"
"$PY" - "$w/out.csv" <<'PYEOF'
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
got = [(r["model"], r["metric"]) for r in rows]
assert got == [("machine", "mem_read"), ("machine", "gemm_f32"), ("machine", "gemm_bf16"),
               ("janus-pro-1b", "load"), ("janus-pro-1b", "vq_decode"), ("janus-pro-1b", "peak_rss")], got
for r in rows:
    assert math.isfinite(float(r["value"])) and float(r["ratio"]) >= 0, r
PYEOF
"$JANUS_BENCH_BIN" -m "$A" "${small[@]}" --tests load -o table > "$w/out.txt"
for k in mem_read gemm_f32 gemm_bf16 load peak_rss; do grep -q " $k " "$w/out.txt" || { cat "$w/out.txt"; exit 1; }; done

# --quant: one set of rows per weight type, labelled; the decode roofline follows the smaller
# weights (Q4_0 streams 18 bytes per 32 weights instead of 64).
"$JANUS_BENCH_BIN" -m "$A" "${small[@]}" --tests understand --quant none,q4_0 -o json > "$w/q.json"
"$PY" - "$w/q.json" <<'PYEOF'
import json, sys
rows = {(r["model"], r["metric"]): r for r in json.load(open(sys.argv[1]))["rows"]}
a, q = rows[("janus-pro-1b", "decode")], rows[("janus-pro-1b q4_0", "decode")]
assert q["roofline"] > 1.5 * a["roofline"], (a, q)  # tok/s roofline: fewer bytes per token
PYEOF

# Bad requests: a clear message and a non-zero exit.
if "$JANUS_BENCH_BIN" -m "$w/nope" --machine-seconds 0.05 2> "$w/err"; then exit 1; fi
grep -q "model not found: $w/nope" "$w/err" || { cat "$w/err"; exit 1; }
if "$JANUS_BENCH_BIN" -m "$A" --quant q3 --machine-seconds 0.05 2> "$w/err"; then exit 1; fi
grep -q 'unknown weight type "q3"' "$w/err" || { cat "$w/err"; exit 1; }
if "$JANUS_BENCH_BIN" -m "$A" --tests load,warp 2> "$w/err"; then exit 1; fi
grep -q 'unknown test "warp"' "$w/err" || { cat "$w/err"; exit 1; }
if "$JANUS_BENCH_BIN" -m "$F" --vae "$A" --machine-seconds 0.05 2> "$w/err"; then exit 1; fi
grep -qi "vae" "$w/err" || { cat "$w/err"; exit 1; }
if "$JANUS_BENCH_BIN" -m "$V" --machine-seconds 0.05 --tests load 2> "$w/err"; then exit 1; fi
grep -q "not a Janus or JanusFlow model" "$w/err" || { cat "$w/err"; exit 1; }
echo "bench.sh: ok"
