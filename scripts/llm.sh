#!/usr/bin/env bash
# Serve the embedded model (SmolLM2 on llama.cpp) in the foreground.
source "$(dirname "$0")/lib.sh"
bash scripts/setup.sh
cd backend && exec "$PY" -m app.llm.runtime serve --model "${LLM_EMBEDDED_MODEL:-smollm2}" --port "${LLM_PORT:-8080}"
