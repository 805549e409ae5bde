#!/usr/bin/env bash
# Everything CI runs, in the order a failure is cheapest to find.
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
step "lint" bash scripts/lint.sh
step "types" bash scripts/typecheck.sh
# Two pytest workers (PYTEST_WORKERS), an idle one taking tests from the busy one's share:
# every fixture picks free ports and its own database, so the workers never meet.
# The schemathesis contract runs on its own: under workers its per-operation results are not
# reported one by one.
CONTRACT=tests/integration/test_openapi_contract.py
step "backend tests" bash scripts/test-python.sh all tests -n "${PYTEST_WORKERS:-2}" \
  --dist worksteal --durations=15 --ignore="$CONTRACT"
step "API contract" bash scripts/test-python.sh all "$CONTRACT"
step "front-end tests" bash -c 'cd frontend && npm run --silent test'
step "browser tests" bash scripts/test-e2e.sh
say "all checks passed in $SECONDS s"
