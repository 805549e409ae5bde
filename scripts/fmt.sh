#!/usr/bin/env bash
# Apply formatting and safe lint fixes.
source "$(dirname "$0")/lib.sh"
EXTRA=(../llamacpp_mqtt_deploy.py ../examples)
(cd backend && "$VENV/bin/ruff" check --fix . "${EXTRA[@]}" && "$VENV/bin/ruff" format . "${EXTRA[@]}")
(cd frontend && npx biome check --write .)
