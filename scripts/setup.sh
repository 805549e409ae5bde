#!/usr/bin/env bash
# Create .venv and node_modules from the lock files; re-runs only what changed.
source "$(dirname "$0")/lib.sh"

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "Python 3.11 or newer is required (apt-get install python3 python3-venv)" >&2; exit 1
}

# uv installs the same pinned lock in seconds where pip takes minutes; pip stays the fallback
# for machines where uv cannot read the lock's package indexes.
UV_VERSION=0.13.9
install_python_lock() {
  if "$PY" -m pip install -q "uv==$UV_VERSION" &&
    "$VENV/bin/uv" pip install -q --python "$PY" --index-strategy unsafe-best-match \
      -r backend/requirements.lock &&
    "$VENV/bin/uv" pip install -q --python "$PY" --no-deps -e backend; then
    return
  fi
  say "uv could not install the lock; installing it with pip"
  "$PY" -m pip install -q -r backend/requirements.lock
  "$PY" -m pip install -q --no-deps -e backend
}

if [ ! -x "$PY" ]; then
  say "creating .venv"
  "$(pick_python)" -m venv "$VENV"
fi
lock_hash="$(sha256sum backend/requirements.lock backend/pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$lock_hash" ]; then
  say "installing Python dependencies (backend/requirements.lock)"
  install_python_lock
  echo "$lock_hash" > "$VENV/.installed"
fi

if ! command -v npm >/dev/null; then
  echo "Node.js 20+ and npm are required (apt-get install nodejs npm)" >&2; exit 1
fi
npm_hash="$(sha256sum frontend/package-lock.json | cut -c1-16)"
if [ "$(cat frontend/node_modules/.installed 2>/dev/null)" != "$npm_hash" ]; then
  say "installing front-end dependencies (frontend/package-lock.json)"
  npm_install_locked
  echo "$npm_hash" > frontend/node_modules/.installed
fi
