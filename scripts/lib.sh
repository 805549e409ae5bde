# Shared by the scripts in this folder: strict mode, repository root, venv paths.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PYTHONDONTWRITEBYTECODE=1
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Install frontend/node_modules exactly as package-lock.json pins it. `npm ci` never
# rewrites the lock and refuses one that is incomplete (for example one missing other
# platforms' optional binaries), so a lock that only works on one machine fails here.
npm_install_locked() {
  (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error)
}
