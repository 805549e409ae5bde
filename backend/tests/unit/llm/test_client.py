"""LLMClient's resend on a pooled connection the server had closed, driven by a mock transport."""

import json

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
    """Answers /v1/models and /v1/chat/completions; chat fails with the queued errors first."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.chat_calls = 0

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
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
        with pytest.raises(LLMUnavailable, match="not answering"):
            await llm.chat(HELLO)
    assert upstream.chat_calls == 2


async def test_a_refused_connection_is_not_resent() -> None:
    upstream = ScriptedUpstream([httpx2.ConnectError("connection refused")])
    async with client_for(upstream) as llm:
        with pytest.raises(LLMUnavailable, match="not answering"):
            await llm.chat(HELLO)
    assert upstream.chat_calls == 1
