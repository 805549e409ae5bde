# Shared by the scripts in this folder: strict mode, repository root, venv paths.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PYTHONDONTWRITEBYTECODE=1
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Install frontend/node_modules exactly as package-lock.json pins it.
# `npm ci` is not used: npm 11 writes locks without the other platforms' optional
# binaries (biome, rollup) and then rejects its own lock in `npm ci`. `npm install`
# honours the lock; the check after it fails the run if the lock had to change.
npm_install_locked() {
  (
    cd "$ROOT/frontend"
    local before
    before="$(sha256sum package-lock.json)"
    npm install --no-audit --no-fund --loglevel=error
    if [ "$(sha256sum package-lock.json)" != "$before" ]; then
      echo "frontend/package-lock.json is out of date with package.json; commit the updated lock" >&2
      return 1
    fi
  )
}
