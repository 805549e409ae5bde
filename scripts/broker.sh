# Sourced by run.sh: the private Mosquitto that game clients log in to, unless MQTT_BROKER_URL
# names a broker already (then the portal only connects to it and manages nothing there).
#
# The broker listens on loopback on free ports (MQTT + WebSockets for browser games), refuses
# anonymous clients, and takes its logins from the dynamic-security plugin: the portal's own
# (generated, kept in backend/data/mosquitto/) and one per API key, written from the portal's
# database before every start. Needs lib.sh (ROOT, PY, say) and run.sh's PIDS array.

BROKER_DIR="${MQTT_BROKER_DATA_DIR:-$ROOT/backend/data/mosquitto}"
BROKER_HOST="${MQTT_HOST:-127.0.0.1}"

broker_configured() {
  [ -n "${MQTT_BROKER_URL:-}" ] || grep -qE '^MQTT_BROKER_URL=.+' backend/.env 2>/dev/null
}

# The mosquitto binary (it lives in /usr/sbin, which a normal user's PATH may lack); installs
# Debian's package when it is missing and we are root. Prints nothing when there is none.
find_mosquitto() {
  local found
  found="$(PATH="$PATH:/usr/sbin:/usr/local/sbin" command -v mosquitto || true)"
  if [ -z "$found" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Mosquitto (Debian package) for game clients" >&2
    apt-get install -y -q mosquitto >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q mosquitto >/dev/null 2>&1; } \
      || true
    found="$(PATH="$PATH:/usr/sbin" command -v mosquitto || true)"
  fi
  echo "$found"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A broker left running by an earlier run that was killed outright would rewrite the files
# this run writes: stop it first.
stop_leftover_broker() {
  local pid
  pid="$(cat "$BROKER_DIR/mosquitto.pid" 2>/dev/null || true)"
  if [ -n "$pid" ] && [ "$(ps -p "$pid" -o comm= 2>/dev/null)" = mosquitto ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$BROKER_DIR/mosquitto.pid"
}

# Writes the broker's files and exports the MQTT_* settings it prints; extra args go to
# `app.cli broker-config`.
configure_broker() {
  local env_file line
  # Its state holds queued requests, which may carry API keys: owner only.
  mkdir -p "$BROKER_DIR" && chmod 700 "$BROKER_DIR"
  env_file="$(mktemp)"
  if ! (cd backend && "$PY" -m app.cli broker-config --data-dir "$BROKER_DIR" \
        --host "$BROKER_HOST" "$@") > "$env_file"; then
    rm -f "$env_file"
    return 1
  fi
  while IFS= read -r line; do
    case "$line" in MQTT_*=*) export "${line?}" ;; esac
  done < "$env_file"
  rm -f "$env_file"
}

# Starts mosquitto with the written configuration; succeeds once its MQTT port accepts.
launch_broker() {
  local mosquitto="$1" port="${MQTT_BROKER_URL##*:}" pid
  "$mosquitto" -c "$BROKER_DIR/mosquitto.conf" 2>> "$BROKER_DIR/mosquitto.log" &
  pid="$!"
  PIDS+=("$pid")  # at once: a Ctrl-C while it starts stops it too
  echo "$pid" > "$BROKER_DIR/mosquitto.pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    # The port must be open *and* ours: another program may have taken the free port first,
    # and the portal would then hand its logins to that program.
    if port_open "$BROKER_HOST" "$port"; then
      sleep 0.2
      kill -0 "$pid" 2>/dev/null && return 0
      return 1
    fi
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  return 1
}

start_private_broker() {
  local mosquitto
  mosquitto="$(find_mosquitto)"
  if [ -z "$mosquitto" ]; then
    say "no MQTT broker: game clients are off. To have them: sudo apt-get install -y mosquitto"
    return 0
  fi
  say "starting the private MQTT broker (Mosquitto, logins = API keys)"
  stop_leftover_broker
  configure_broker || { say "could not configure the broker; game clients are off"; return 0; }
  if ! launch_broker "$mosquitto" && ! launch_without_websockets "$mosquitto"; then
    say "the broker did not start; see $BROKER_DIR/mosquitto.log. Game clients are off"
    unset MQTT_BROKER_URL MQTT_MANAGE_BROKER MQTT_WEBSOCKETS_URL
    return 0
  fi
  BROKER_BANNER="$(broker_banner)"
}

# A Mosquitto built without WebSockets refuses that listener: go on with MQTT alone.
launch_without_websockets() {
  tail -n 5 "$BROKER_DIR/mosquitto.log" 2>/dev/null | grep -qi "websockets support" || return 1
  say "this Mosquitto has no WebSockets: browser games cannot connect, other clients can"
  unset MQTT_WEBSOCKETS_URL
  configure_broker --websockets-port -1 && launch_broker "$1"
}

broker_banner() {
  local host="$BROKER_HOST" port="${MQTT_BROKER_URL##*:}"
  cat <<MSG
  MQTT broker (game clients):   $MQTT_BROKER_URL${MQTT_WEBSOCKETS_URL:+    WebSockets: $MQTT_WEBSOCKETS_URL}
    A game client logs in with an API key (Settings → API keys):
    username = the key id (the part between "pp_" and the next "_"), password = the whole key.
    Try:  mosquitto_sub -h $host -p $port -u KEYID -P 'pp_KEYID_SECRET' -t 'maze/hint/#' -v
MSG
}
