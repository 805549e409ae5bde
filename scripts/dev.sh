#!/usr/bin/env bash
# Backend with auto-reload on :8000 and the Vite dev server on :5173 (proxying /api).
source "$(dirname "$0")/lib.sh"
bash scripts/setup.sh
trap 'kill 0' EXIT
(cd backend && "$PY" -m app.server --reload --access-log --port 8000) &
(cd frontend && npm run dev) &
wait
