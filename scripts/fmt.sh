#!/usr/bin/env bash
# Apply formatting and safe lint fixes.
source "$(dirname "$0")/lib.sh"
(cd backend && "$VENV/bin/ruff" check --fix . && "$VENV/bin/ruff" format .)
(cd frontend && npx biome check --write .)
