#!/usr/bin/env bash
# `janus serve` over real HTTP on 127.0.0.1 against tiny checkpoints: the official openai npm client
# (chat with images, streaming, image generation), hostile and malformed requests, queue-full 429,
# client disconnects cancelling jobs, slow clients, then a graceful SIGTERM.
set -euo pipefail
: "${JANUS_BIN:?}" "${JANUS_TINY:?}" "${JANUS_SOURCE_DIR:?}" "${JANUS_BINARY_DIR:?}"
source "$JANUS_SOURCE_DIR/tests/server/node_env.sh"
w=$(mktemp -d)
SERVER_PID=""
trap '[[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$w"' EXIT

# /health answers 503 "loading" before the model is ready: a model folder that loads slowly is not
# at hand, so check the first answer of a fresh server is either loading (503) or ok (200).
start_server "$w/server.log" -m "$JANUS_TINY/janus-pro-1b" -t 2 --api-key sk-test --max-queue 1 \
  --max-body-mb 4 --timeout 2 --shutdown-grace 1 --model-id janus-tiny
grep -q "loaded" "$w/server.log"

JANUS_URL="$SERVER_URL" JANUS_IMAGES="$JANUS_SOURCE_DIR/tests/data/images" \
  node --test --test-reporter=spec "$NODE_DIR/api.test.mjs"

# Graceful shutdown with a job running (16 upscaled images: far longer than the 1 s grace even on an
# idle machine): the job is cancelled after the grace period, its client
# gets an answer, the process exits 0.
curl -s -o "$w/inflight.json" -w '%{http_code}' -H 'Authorization: Bearer sk-test' -H 'Content-Type: application/json' \
  -d '{"prompt":"a slow picture","n":16,"size":"1024x1024"}' "$SERVER_URL/v1/images/generations" >"$w/inflight.code" &
curl_pid=$!
for _ in $(seq 1 100); do
  curl -s "$SERVER_URL/metrics" | grep -q '^janus_jobs_running 1' && break
  sleep 0.1
done
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
wait "$curl_pid" || true
[[ $rc -eq 0 ]] || { cat "$w/server.log"; echo "server exit status $rc after SIGTERM" >&2; exit 1; }
grep -q "SIGTERM: shutting down" "$w/server.log" && grep -q "stopped" "$w/server.log"
code=$(cat "$w/inflight.code")
[[ "$code" == 503 ]] || { echo "in-flight request got $code: $(cat "$w/inflight.json")" >&2; exit 1; }
grep -q shutting_down "$w/inflight.json"
echo "serve_api OK"
