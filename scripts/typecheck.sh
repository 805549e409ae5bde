#!/usr/bin/env bash
# Static types: mypy strict on the backend, tsc on the front end.
source "$(dirname "$0")/lib.sh"
# Two runs: `packages = ["app"]` applies only when no files are named.
(cd backend && "$VENV/bin/mypy" && "$VENV/bin/mypy" ../llamacpp_mqtt_deploy.py ../examples/maze_client.py)
(cd frontend && npx tsc -b --noEmit 2>/dev/null || npx tsc --noEmit -p tsconfig.json)
