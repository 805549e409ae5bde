#!/usr/bin/env bash
# Everything CI runs, in the order a failure is cheapest to find.
source "$(dirname "$0")/lib.sh"
bash scripts/setup.sh
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Chromium (Debian package) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1
  fi
fi
say "lint";        bash scripts/lint.sh
say "types";       bash scripts/typecheck.sh
say "backend tests"; bash scripts/test-python.sh
say "front-end tests"; (cd frontend && npm run --silent test)
say "browser tests"; bash scripts/test-e2e.sh
say "all checks passed"
