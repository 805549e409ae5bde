#!/usr/bin/env bash
# Lint and format checks, the same as the pre-commit hooks.
source "$(dirname "$0")/lib.sh"
(cd backend && "$VENV/bin/ruff" check . && "$VENV/bin/ruff" format --check . && "$VENV/bin/lint-imports")
(cd frontend && npm run --silent lint)
