#!/usr/bin/env bash
# End-to-end tests in a real browser against the real stack:
#   build the front end → start the embedded LLM (unless LLM_SERVER_URL is set) → start a
#   private Mosquitto on a free loopback port (anonymous, for the game bridge and the monitor
#   page) → start the backend on a free port with a throwaway SQLite database → wait for
#   /api/health → run Playwright (frontend/e2e) → stop everything, whatever happened.
# Extra arguments go to `playwright test` (e.g. `scripts/test-e2e.sh e2e/auth.spec.ts`).
# The backend starts with an admin account (E2E_ADMIN_EMAIL / E2E_ADMIN_PASSWORD) and login
# limits loose enough for many sign-ins from one address; screenshots go to frontend/screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
export E2E_ADMIN_EMAIL="${E2E_ADMIN_EMAIL:-e2e-admin@example.com}"
export E2E_ADMIN_PASSWORD="${E2E_ADMIN_PASSWORD:-e2e-Admin-pass-1}"
LLM_START_TIMEOUT="${LLM_START_TIMEOUT:-300}"
BACKEND_START_TIMEOUT="${BACKEND_START_TIMEOUT:-60}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/prompt-portal-e2e.XXXXXX")"
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] || continue
      echo "----- last lines of $(basename "$log") -----" >&2
      tail -n 40 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_for DESCRIPTION TIMEOUT PID COMMAND...: poll COMMAND until it succeeds, the process dies
# or the time is up.
wait_for() {
  local what="$1" timeout="$2" pid="$3"
  shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "error: $what exited before it was ready" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "error: $what was not ready after ${timeout}s" >&2
      return 1
    fi
    sleep 0.5
  done
}

echo "==> Building the front end"
(
  cd frontend
  [ -d node_modules ] || bash "$ROOT/scripts/setup.sh"
  # Only the bundle: the type check is `make typecheck`'s (and may run at the same time).
  npx --no-install vite build
)

if [ -z "${LLM_SERVER_URL:-}" ]; then
  echo "==> Starting the embedded LLM server (SmolLM2)"
  (cd backend && exec "$PYTHON" -m app.llm.runtime serve --model smollm2 --port 0 --exit-with-parent) \
    >"$WORK/llm.out" 2>"$WORK/llm.log" &
  PIDS+=("$!")
  wait_for "the LLM server" "$LLM_START_TIMEOUT" "${PIDS[-1]}" grep -q '^LLM_SERVER_URL=' "$WORK/llm.out"
  LLM_SERVER_URL="$(sed -n 's/^LLM_SERVER_URL=//p' "$WORK/llm.out" | head -n 1)"
fi
echo "    LLM at $LLM_SERVER_URL"

# The game bridge needs a broker: a private one, anonymous (every project keyless), so the
# monitor page's spec can publish and watch without keys. Without Mosquitto the bridge stays
# off and that spec says why.
MOSQUITTO="${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}"
MQTT_ENV=()
if [ -x "$MOSQUITTO" ]; then
  MQTT_PORT="$(free_port)"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$MQTT_PORT" \
    >"$WORK/mosquitto.conf"
  echo "==> Starting Mosquitto at mqtt://127.0.0.1:$MQTT_PORT"
  "$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
  PIDS+=("$!")
  wait_for "Mosquitto" 15 "${PIDS[-1]}" \
    "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1', $MQTT_PORT), 1).close()"
  # The monitor spec also plays a game client on it (a result posted with mosquitto_pub).
  export E2E_MQTT_PORT="$MQTT_PORT"
  MQTT_ENV=(
    MQTT_BROKER_URL="mqtt://127.0.0.1:$MQTT_PORT"
    MQTT_KEYLESS_PROJECTS="*"
    MQTT_CLIENT_ID="prompt-portal-e2e-$$"
  )
else
  echo "warning: mosquitto not found (apt-get install mosquitto): the game bridge stays off" >&2
fi

PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
echo "==> Starting the backend at $BASE_URL"
(
  cd backend
  # Temperature 0 makes the model's answers repeatable, so the specs can check real text.
  DATABASE_URL="sqlite+aiosqlite:///$WORK/e2e.db" \
    LLM_SERVER_URL="$LLM_SERVER_URL" \
    LLM_TEMPERATURE=0 \
    ENVIRONMENT=development \
    ADMIN_EMAIL="$E2E_ADMIN_EMAIL" \
    ADMIN_PASSWORD="$E2E_ADMIN_PASSWORD" \
    LOGIN_RATE_LIMIT_ACCOUNT="200/minute" \
    LOGIN_RATE_LIMIT_ADDRESS="2000/minute" \
    exec env "${MQTT_ENV[@]}" "$PYTHON" -m app.server --host 127.0.0.1 --port "$PORT"
) >"$WORK/backend.log" 2>&1 &
PIDS+=("$!")
wait_for "the backend" "$BACKEND_START_TIMEOUT" "${PIDS[-1]}" curl -fsS "$BASE_URL/api/health"

echo "==> Running Playwright"
cd frontend
mkdir -p screenshots
E2E_BASE_URL="$BASE_URL" npx --no-install playwright test "$@"
