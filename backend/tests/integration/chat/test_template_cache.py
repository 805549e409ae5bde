"""A session that runs a template reuses llama.cpp's KV cache: the done event says how much.

Against a real llama.cpp server (the tiny model): the rendered template is the session's fixed
system prompt, so the second turn's prompt starts with the first turn's, and `cache_n` (prompt
tokens served from the cache) covers at least the system prompt.
"""

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.sse import Event, read_events

pytestmark = pytest.mark.integration

CONTENT = "You are a patient guide for {{ name }}. " * 8 + "Answer in one short sentence."


@pytest.fixture
def llm_server_url(tiny_llama_url: str) -> str:
    return tiny_llama_url


async def turn(http: httpx.AsyncClient, account: Account, body: dict[str, object]) -> Event:
    async with http.stream(
        "POST",
        "/api/llm/chat/session",
        json={**body, "stream": True, "max_tokens": 8},
        headers=account.headers,
    ) as response:
        assert response.status_code == 200, await response.aread()
        events = await read_events(response)
    assert events[-1].name == "done", events[-1]
    return events[-1]


async def test_the_second_turn_of_a_templated_session_reads_the_prompt_from_the_cache(
    client: httpx.AsyncClient,
) -> None:
    account = await register(client)
    variables = [{"name": "name", "type": "text"}]
    created = await client.post(
        "/api/templates",
        json={"title": "Guide", "content": CONTENT, "variables": variables},
        headers=account.headers,
    )
    assert created.status_code == 201, created.text
    ref = {"template": {"id": created.json()["id"]}, "variables": {"name": "Ann"}}
    first = await turn(client, account, {"message": "hello", **ref})
    assert isinstance(first.data["cache_n"], int)
    second = await turn(
        client, account, {"message": "and now?", "session_id": first.data["session_id"], **ref}
    )
    rendered = CONTENT.replace("{{ name }}", "Ann")
    system_tokens = len(rendered.split())  # a lower bound: each word is at least one token
    assert second.data["cache_n"] >= system_tokens, second.data["timings"]
