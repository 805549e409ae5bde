"""Test-wide fixtures come from `tests/fixtures/` (databases, app, LLM servers, factories)."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.app",
    "tests.fixtures.fake_upstream",
    "tests.fixtures.llama_server",
    "tests.fixtures.mosquitto",
    "tests.fixtures.passwords",
]
