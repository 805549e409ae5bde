#!/usr/bin/env bash
# Everything CI runs, in two lanes side by side (see "Two lanes" below).
source "$(dirname "$0")/lib.sh"
SECONDS=0
bash scripts/setup.sh
say "setup: $SECONDS s"
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium (Debian package) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1
  fi
fi
# Each step reports its time: `make test` must stay under 15 minutes on a 2-core machine, and
# the backend's slowest tests are listed so that a slow newcomer is seen where it lands.
step() { local name="$1" started=$SECONDS; shift; say "$name"; "$@"; say "$name: $((SECONDS - started)) s"; }

# Two lanes. The browser tests keep about one core busy (most of their time goes to waiting on
# the model and the browser) and the backend's two pytest workers about one and a half, so the
# browser lane runs beside the rest instead of after it: on 2 cores, a fresh clone took 16–18
# minutes with the steps one after another and about 11.5 in two lanes. The schemathesis contract follows the browser tests
# in their lane, in a pytest process of its own (under pytest's workers its per-operation cases
# are not run one by one) with its own temporary folder.
# The browser lane runs in a process group of its own, so that a failure elsewhere (or Ctrl-C)
# stops all of it — model server, backend, browser — and its output is printed when it ends.
CONTRACT=tests/integration/test_openapi_contract.py
LANE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/prompt-portal-test.XXXXXX")"
browser_lane() {
  step "browser tests" bash scripts/test-e2e.sh
  # A CONTRACT_EXAMPLES left over from `make fuzz` would turn this into the long random run.
  step "API contract" env -u CONTRACT_EXAMPLES bash scripts/test-python.sh all "$CONTRACT" \
    --basetemp="$LANE_DIR/contract"
}
# Runs on every exit. After a failure elsewhere the lane is stopped — all of its process group,
# waited for, killed if it lingers — and what it printed so far is shown, so a failure of its
# own that came first is not lost.
stop_browser_lane() {
  if [ -n "${BROWSER_PID:-}" ]; then
    kill -TERM -- "-$BROWSER_PID" 2>/dev/null || true
    wait "$BROWSER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 -- "-$BROWSER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$BROWSER_PID" 2>/dev/null || true
    echo "----- the browser lane was stopped; its output so far: -----" >&2
    tail -n 150 "$LANE_DIR/browser.log" >&2 || true
  fi
  rm -rf "$LANE_DIR"
}
trap stop_browser_lane EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

set -m  # the background lane gets its own process group
browser_lane </dev/null >"$LANE_DIR/browser.log" 2>&1 &
BROWSER_PID=$!
set +m
say "browser lane started (browser tests, then the API contract); its output follows at the end"

step "lint" bash scripts/lint.sh
step "types" bash scripts/typecheck.sh
# Two pytest workers (PYTEST_WORKERS), an idle one taking tests from the busy one's share:
# every fixture picks free ports and its own database, so the workers never meet.
step "backend tests" bash scripts/test-python.sh all tests -n "${PYTEST_WORKERS:-2}" \
  --dist worksteal --durations=15 --ignore="$CONTRACT"
step "front-end tests" bash -c 'cd frontend && npm run --silent test'

say "waiting for the browser lane"
lane_status=0
wait "$BROWSER_PID" || lane_status=$?
BROWSER_PID=""
cat "$LANE_DIR/browser.log"
if [ "$lane_status" -ne 0 ]; then
  echo "error: the browser lane failed (exit $lane_status): its output is above" >&2
  exit "$lane_status"
fi
say "all checks passed in $SECONDS s"
