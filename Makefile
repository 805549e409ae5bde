# One command per habit; each target calls a short strict-mode script in scripts/.
.PHONY: setup run dev llm test test-unit test-integration test-e2e fuzz lint fmt typecheck generate-client bench

setup:            ## create .venv, install the pinned Python and npm dependencies
	@bash scripts/setup.sh
run:              ## build and start everything (embedded LLM unless LLM_SERVER_URL is set)
	@bash scripts/run.sh
dev:              ## backend with reload + Vite dev server
	@bash scripts/dev.sh
llm:              ## only the embedded llama.cpp server, in the foreground
	@bash scripts/llm.sh
test:             ## everything CI runs: lint, types, unit + integration, front end, browser
	@bash scripts/test.sh
test-unit:
	@bash scripts/test-python.sh unit
test-integration:
	@bash scripts/test-python.sh integration
test-e2e:
	@bash scripts/test-e2e.sh
fuzz:             ## the API contract with many random examples (CONTRACT_EXAMPLES, default 100)
	@bash scripts/fuzz.sh
lint:
	@bash scripts/lint.sh
fmt:
	@bash scripts/fmt.sh
typecheck:
	@bash scripts/typecheck.sh
generate-client:
	@bash scripts/generate-client.sh
bench:
	@bash scripts/bench.sh
