#!/usr/bin/env bash
# Build and start Prompt Portal: embedded llama.cpp (unless LLM_SERVER_URL is set), a private
# MQTT broker for game clients (unless MQTT_BROKER_URL is set) + the web app.
# Ctrl-C stops everything.
source "$(dirname "$0")/lib.sh"
source "$ROOT/scripts/broker.sh"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PIDS=()
BROKER_BANNER=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/setup.sh
bash scripts/build-frontend.sh

if [ -z "${LLM_SERVER_URL:-}" ] && ! grep -qE '^LLM_SERVER_URL=.+' backend/.env 2>/dev/null; then
  say "starting the embedded LLM (SmolLM2-135M on llama.cpp, CPU)"
  url_file="$(mktemp)"
  (cd backend && exec "$PY" -m app.llm.runtime serve --model smollm2 --port 0 --exit-with-parent) \
    > "$url_file" 2> "$ROOT/backend/llm.log" &
  PIDS+=("$!")
  for _ in $(seq 1 600); do
    grep -q '^LLM_SERVER_URL=' "$url_file" && break
    kill -0 "${PIDS[0]}" 2>/dev/null || { echo "the embedded LLM failed to start; see backend/llm.log" >&2; exit 1; }
    sleep 0.5
  done
  export LLM_SERVER_URL="$(grep '^LLM_SERVER_URL=' "$url_file" | head -n1 | cut -d= -f2-)"
  rm -f "$url_file"
  say "LLM ready at $LLM_SERVER_URL"
fi

if broker_configured; then
  say "MQTT: the portal connects to the broker that MQTT_BROKER_URL names (not managed here)"
else
  start_private_broker
fi

cat <<MSG

  Prompt Portal is starting at  http://$HOST:$PORT
  Log in: open the page and choose "Create account" — the first account becomes the admin
          (or set ADMIN_EMAIL / ADMIN_PASSWORD in backend/.env to create one at start-up).
  API docs: http://$HOST:$PORT/api/docs        Stop: Ctrl-C
${BROKER_BANNER:+
$BROKER_BANNER
}
MSG
cd backend
"$PY" -m app.server --host "$HOST" --port "$PORT" &
PIDS+=("$!")
wait "${PIDS[-1]}"
