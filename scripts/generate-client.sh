#!/usr/bin/env bash
# Regenerate the front end's typed API client from the backend's OpenAPI schema.
# Writes frontend/openapi.json and frontend/src/api/client/ (both committed; never edit them).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-../.venv/bin/python}"

(
  cd backend
  "$PYTHON" -c "import json; from app.main import create_app; print(json.dumps(create_app().openapi(), indent=2))" \
    > ../frontend/openapi.json
)

cd frontend
if [ ! -d node_modules ]; then
  bash ../scripts/setup.sh
fi
npx --no-install openapi-ts
echo "Generated frontend/src/api/client from frontend/openapi.json"
