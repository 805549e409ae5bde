"""Helpers of the gateway tests: a llama.cpp-style fake server, keys, the SDK client."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import httpx2
import openai
from aiohttp import web
from fastapi import FastAPI

from tests.fixtures.factories import Account
from tests.fixtures.fake_upstream import FakeUpstream, Fault, RecordedRequest

MODEL = "fake-model"
BASE_URL = "http://portal.test/v1"


class LlamaCppUpstream(FakeUpstream):
    """Streams as llama.cpp's server does with `include_usage`: the finish chunk has no usage;
    usage and `timings` follow in a chunk of their own whose `choices` is empty."""

    async def _stream(self, request: web.Request, reply: Any, fault: Fault) -> web.StreamResponse:
        events = reply.events

        async def llama_cpp_events() -> AsyncIterator[dict[str, Any]]:
            async for chunk in events():
                usage = chunk.pop("usage", None)
                timings = chunk.pop("timings", None)
                yield chunk
                if usage is not None:
                    head = {key: chunk[key] for key in ("id", "object", "created", "model")}
                    yield {**head, "choices": [], "usage": usage, "timings": timings}

        reply.events = llama_cpp_events
        return await super()._stream(request, reply, fault)


async def create_key(
    http: httpx.AsyncClient, account: Account, name: str = "sdk"
) -> dict[str, Any]:
    """A new API key of ``account`` (`key` holds the secret, `id` and `prefix` name it)."""
    response = await http.post("/api/keys", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@contextlib.asynccontextmanager
async def sdk_client(
    app: FastAPI, api_key: str, base_url: str = BASE_URL
) -> AsyncIterator[openai.AsyncOpenAI]:
    """The official SDK, in process (ASGI transport), never retrying on its own."""
    transport = httpx2.ASGITransport(app=app)
    async with (
        httpx2.AsyncClient(transport=transport) as http,
        openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key, http_client=http, max_retries=0
        ) as client,
    ):
        yield client


def chat_requests(upstream: FakeUpstream) -> list[RecordedRequest]:
    return [r for r in upstream.requests if r.path == "/v1/chat/completions"]


def last_chat_body(upstream: FakeUpstream) -> dict[str, Any]:
    """The body of the last chat request the model server got."""
    requests = chat_requests(upstream)
    assert requests, "the model server was never asked"
    return requests[-1].body


def messages_sent(upstream: FakeUpstream) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in last_chat_body(upstream)["messages"]]
