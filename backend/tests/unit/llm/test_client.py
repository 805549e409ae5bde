"""LLMClient against a scripted mock transport: resending on a stale pooled connection, and
what it reads from llama.cpp's ``/props``."""

import json
from typing import Any

import httpx2
import pytest

from app.llm import LLMClient, LLMSettings, LLMUnavailable

HELLO = [{"role": "user", "content": "hello"}]
ANSWER = {
    "id": "c1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class ScriptedUpstream:
    """Answers /v1/models and /v1/chat/completions; chat fails with the queued errors first.

    ``props`` is the body of ``/props``; without it the server is not llama.cpp (404).
    """

    def __init__(self, failures: list[Exception], props: dict[str, Any] | None = None) -> None:
        self.failures = failures
        self.props = props
        self.chat_calls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path == "/props" and self.props is not None:
            return httpx2.Response(200, json=self.props)
        if request.url.path == "/v1/models":
            return httpx2.Response(200, json={"object": "list", "data": [{"id": "m"}]})
        if request.url.path == "/v1/chat/completions":
            self.chat_calls += 1
            if self.failures:
                raise self.failures.pop(0)
            return httpx2.Response(200, content=json.dumps(ANSWER).encode())
        return httpx2.Response(404)


def stale_write_error() -> httpx2.ConnectTimeout:
    # What the aiohttp transport raises when it writes to a keep-alive socket the server closed.
    error = httpx2.ConnectTimeout("Can not write request body")
    error.__cause__ = ConnectionResetError("Cannot write to closing transport")
    return error


def client_for(upstream: ScriptedUpstream) -> LLMClient:
    http = httpx2.AsyncClient(transport=httpx2.MockTransport(upstream))
    settings = LLMSettings.model_validate({"timeout": 5, "max_retries": 0})
    return LLMClient(settings, base_url="http://upstream.test", http_client=http)


async def test_a_closed_pooled_connection_is_resent_once_and_the_answer_arrives() -> None:
    upstream = ScriptedUpstream([stale_write_error()])
    async with client_for(upstream) as llm:
        result = await llm.chat(HELLO)
    assert result.text == "hi"
    assert upstream.chat_calls == 2


async def test_a_second_closed_connection_is_reported_not_retried_forever() -> None:
    upstream = ScriptedUpstream([stale_write_error(), stale_write_error()])
    async with client_for(upstream) as llm:
        with pytest.raises(LLMUnavailable, match="offline"):
            await llm.chat(HELLO)
    assert upstream.chat_calls == 2


async def test_a_refused_connection_is_not_resent() -> None:
    upstream = ScriptedUpstream([httpx2.ConnectError("connection refused")])
    async with client_for(upstream) as llm:
        with pytest.raises(LLMUnavailable, match="offline"):
            await llm.chat(HELLO)
    assert upstream.chat_calls == 1


class TestTotalSlots:
    @pytest.mark.parametrize(
        ("props", "expected"),
        [
            ({"total_slots": 3, "default_generation_settings": {"n_ctx": 4096}}, 3),
            ({"default_generation_settings": {"n_ctx": 4096}}, None),
            ({"total_slots": 0}, None),
            ({"total_slots": True}, None),
            ({"total_slots": "4"}, None),
            (None, None),
        ],
    )
    async def test_reads_props(self, props: dict[str, Any] | None, expected: int | None) -> None:
        async with client_for(ScriptedUpstream([], props)) as llm:
            assert await llm.total_slots() == expected
