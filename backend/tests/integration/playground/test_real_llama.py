"""The playground against a real llama.cpp server (the tiny random-weight model)."""

import httpx
import pytest

from tests.fixtures.factories import register
from tests.integration.playground.playground_api import make_template, named, run, text_of

pytestmark = pytest.mark.integration
LONG_CONTENT = "You are a careful assistant. " * 60 + "Greet {{ name }} with {{ greeting }}."


@pytest.fixture
def llm_server_url(tiny_llama_url: str) -> str:
    return tiny_llama_url


async def test_a_matrix_runs_on_the_model_and_a_second_run_reuses_its_cache(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    tid = (await make_template(client, account, content=LONG_CONTENT))["id"]
    body = {
        "versions": [{"template_id": tid}, {"template_id": tid, "version": 1}],
        "inputs": [
            {"variables": {"greeting": "hello"}, "message": "Hi!"},
            {"variables": {"greeting": "hey", "name": "Ada"}, "message": "Hello?"},
        ],
        "max_tokens": 8,
        "temperature": 0,
    }
    response, first = await run(client, account, body)
    assert response.status_code == 200
    done = named(first, "cell_done")
    assert len(done) == 4, first[-3:]
    for cell in done:
        assert cell["text"] == text_of(first, cell["v"], cell["i"])
        assert cell["usage"]["prompt_tokens"] > 300
        assert cell["cache_n"] is not None
    # The second input's cells waited for their version's first (a long shared system
    # prompt): its prompt came from llama.cpp's cache.
    assert all(cell["cache_n"] > 300 for cell in done if cell["i"] == 1), done
    again = {**body, "versions": [{"template_id": tid}], "inputs": body["inputs"][:1]}
    _, second = await run(client, account, again)
    [cell] = named(second, "cell_done")
    # The same rendered prompt again: llama.cpp serves all but the last tokens from its cache.
    assert cell["cache_n"] > 300
