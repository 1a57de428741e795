# Sourced by the janus serve script tests: installs the npm clients (openai, playwright-core) from
# tests/server/package-lock.json into $JANUS_BINARY_DIR/serve-node once per lock file, and copies
# the test scripts there so their imports resolve. Exits 77 (CTest: skipped) only when npm cannot
# install them (offline, no cache).
: "${JANUS_SOURCE_DIR:?}" "${JANUS_BINARY_DIR:?}"
NODE_DIR="$JANUS_BINARY_DIR/serve-node"
mkdir -p "$NODE_DIR"
command -v node >/dev/null || { echo "node is missing: run scripts/setup.sh" >&2; exit 1; }
(
  # Two server tests may start together: one installs, the other waits.
  flock 9
  src="$JANUS_SOURCE_DIR/tests/server"
  if ! cmp -s "$src/package-lock.json" "$NODE_DIR/package-lock.json" || [[ ! -d "$NODE_DIR/node_modules" ]]; then
    cp "$src/package.json" "$src/package-lock.json" "$NODE_DIR/"
    if ! (cd "$NODE_DIR" && timeout 300 npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2); then
      rm -f "$NODE_DIR/package-lock.json"
      echo "SKIP: npm could not install openai/playwright-core (offline?)" >&2
      exit 77
    fi
  fi
  cp "$src"/*.mjs "$NODE_DIR/"
) 9>"$JANUS_BINARY_DIR/serve-node.lock" || exit $?

# start_server LOG ARGS...: starts `janus serve --port 0 ARGS`, sets SERVER_PID and SERVER_URL, and
# waits for /health to answer 200 (the model loads in the background).
start_server() {
  local log=$1
  shift
  "$JANUS_BIN" serve --port 0 "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL=""
  for _ in $(seq 1 300); do
    SERVER_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    if [[ -n "$SERVER_URL" ]] && curl -fs "$SERVER_URL/health" >/dev/null 2>&1; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; echo "server exited" >&2; return 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "server not ready after 30 s" >&2
  return 1
}
