#!/usr/bin/env bash
# The API contract (schemathesis) at length: CONTRACT_EXAMPLES random examples per operation,
# with and without a token (`make test` runs 12 repeatable ones). Extra arguments go to pytest.
source "$(dirname "$0")/lib.sh"
bash scripts/setup.sh
export CONTRACT_EXAMPLES="${CONTRACT_EXAMPLES:-100}"
say "API contract with $CONTRACT_EXAMPLES random examples per operation"
exec bash scripts/test-python.sh all tests/integration/test_openapi_contract.py "$@"
