"""Client side of the OpenAI-compatible API, for the `gateway` bench: a portal API key, the
model `/v1/models` lists, and a streamed chat completion read to `[DONE]` with its timings."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from portal_client import bearer, bench_token, sse_events

DONE = "[DONE]"


async def portal_credentials(session: aiohttp.ClientSession, portal_url: str) -> tuple[str, str]:
    """A fresh user's access token and a new API key of theirs (`pp_…`, as SDK clients use)."""
    token = await bench_token(session, portal_url)
    async with session.post(
        f"{portal_url}/api/keys", json={"name": "bench"}, headers=bearer(token)
    ) as response:
        if response.status != 201:
            raise RuntimeError(f"create API key: HTTP {response.status}: {await response.text()}")
        key: str = (await response.json())["key"]
    return token, key


async def first_model(
    session: aiohttp.ClientSession, base_url: str, headers: dict[str, str]
) -> str:
    """The first model `GET /v1/models` lists."""
    async with session.get(f"{base_url}/v1/models", headers=headers) as response:
        if response.status != 200:
            raise RuntimeError(f"GET /v1/models: HTTP {response.status}: {await response.text()}")
        model: str = (await response.json())["data"][0]["id"]
    return model


def chat_body(model: str, messages: list[dict[str, str]], **fields: Any) -> dict[str, Any]:
    return {"model": model, "messages": messages, **fields}


def streamed(body: dict[str, Any]) -> dict[str, Any]:
    """The same request as a stream whose last chunk carries the usage."""
    return {**body, "stream": True, "stream_options": {"include_usage": True}}


def _content(chunk: dict[str, Any]) -> str:
    choices = chunk.get("choices") or []
    return "".join((choice.get("delta") or {}).get("content") or "" for choice in choices)


@dataclass(frozen=True)
class StreamRead:
    """One streamed completion as the client saw it (seconds after the request was sent)."""

    status: int
    first_content_s: float | None = None
    done_s: float | None = None
    content: str = ""
    usage: dict[str, Any] | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.done_s is not None and not self.error


async def read_stream(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any], headers: dict[str, str]
) -> StreamRead:
    """Post `body` and read its chunks to `[DONE]`: when the first content arrived, the text,
    the usage, or what went wrong (a refusal's body, an error chunk, a stream cut short)."""
    started = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    usage: dict[str, Any] | None = None
    async with session.post(url, json=body, headers=headers) as response:
        if response.status != 200:
            return StreamRead(response.status, error=(await response.text())[:300])
        async for event in sse_events(response):
            if event.data == DONE:
                done = time.perf_counter() - started
                return StreamRead(200, first, done, "".join(parts), usage)
            chunk = json.loads(event.data)
            if "error" in chunk:
                return StreamRead(200, first, None, "".join(parts), usage, str(chunk)[:300])
            if text := _content(chunk):
                first = first if first is not None else time.perf_counter() - started
                parts.append(text)
            usage = chunk.get("usage") or usage
    return StreamRead(200, first, None, "".join(parts), usage, "ended without [DONE]")
