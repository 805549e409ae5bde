@echo off
REM Prepare Prompt Portal on Windows (Python 3.11+ on PATH): .venv, backend\.env, the model.
REM Starts nothing and builds no web UI; it prints the commands that start the LLM and the API.
REM To use a GPU llama-server instead, set LLM_SERVER_URL in backend\.env, e.g.
REM   llama-server -m your-model.gguf --port 8080 -np 4 -c 32768
REM   LLM_SERVER_URL=http://localhost:8080
setlocal
cd /d "%~dp0"
if not exist .venv\Scripts\python.exe (
  python -m venv .venv || goto :error
)
.venv\Scripts\python -m pip install -q --upgrade pip || goto :error
.venv\Scripts\python -m pip install -q -r backend\requirements.lock || goto :error
.venv\Scripts\python -m pip install -q --no-deps -e backend || goto :error
if not exist backend\.env copy backend\.env.example backend\.env >nul
pushd backend
..\.venv\Scripts\python -m app.llm.runtime fetch || (popd & goto :error)
popd
echo Model ready. Start the LLM with:  cd backend ^&^& ..\.venv\Scripts\python -m app.llm.runtime serve --port 8080
echo Then the portal:                  cd backend ^&^& ..\.venv\Scripts\python -m uvicorn app.main:create_app --factory --port 8000
exit /b 0
:error
echo Setup failed.
exit /b 1
