#!/usr/bin/env bash
# Static types: mypy strict on the backend, tsc on the front end.
source "$(dirname "$0")/lib.sh"
(cd backend && "$VENV/bin/mypy")
(cd frontend && npx tsc -b --noEmit 2>/dev/null || npx tsc --noEmit -p tsconfig.json)
