#!/usr/bin/env bash
# Benchmarks: prints tables and writes bench/results/latest.md.
source "$(dirname "$0")/lib.sh"
bash scripts/setup.sh
exec "$PY" bench/run.py "$@"
