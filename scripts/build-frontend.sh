#!/usr/bin/env bash
# Build frontend/dist when its sources changed since the last build.
source "$(dirname "$0")/lib.sh"
src_hash="$(find frontend/src frontend/index.html frontend/package-lock.json frontend/vite.config.ts -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
if [ "$(cat frontend/dist/.built 2>/dev/null)" != "$src_hash" ]; then
  say "building the front end"
  (cd frontend && npm run --silent build)
  echo "$src_hash" > frontend/dist/.built
fi
