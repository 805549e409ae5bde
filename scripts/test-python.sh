#!/usr/bin/env bash
# Backend tests: `unit`, `integration`, or both when no argument is given. Paths or pytest
# options after the suite name narrow the run (`test-python.sh integration tests/integration/chat`).
source "$(dirname "$0")/lib.sh"
cd backend
case "${1:-all}" in
  unit) paths=(tests/unit) ;;
  integration) paths=(tests/integration) ;;
  *) paths=(tests) ;;
esac
shift || true
if [ $# -gt 0 ]; then paths=("$@"); fi
# Exit code 5 ("no tests collected") must fail the run, which pytest already does.
exec "$VENV/bin/python" -m pytest "${paths[@]}" -p no:cacheprovider
