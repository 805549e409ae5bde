#!/usr/bin/env bash
# Lint and format checks, the same as the pre-commit hooks.
source "$(dirname "$0")/lib.sh"
# The deploy script and the examples live outside backend/ but follow its rules.
EXTRA=(../llamacpp_mqtt_deploy.py ../examples)
(cd backend && "$VENV/bin/ruff" check . "${EXTRA[@]}" && "$VENV/bin/ruff" format --check . "${EXTRA[@]}" \
  && "$VENV/bin/lint-imports")
(cd frontend && npm run --silent lint)
