"""Helpers of the LLM client tests: a client on short timeouts and the question they ask."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any

import pytest

from app.llm import LLMClient, LLMSettings
from tests.fixtures.fake_upstream import FakeUpstream

HELLO = [{"role": "user", "content": "hello there"}]


@contextlib.asynccontextmanager
async def client_with(url: str, **overrides: object) -> AsyncIterator[LLMClient]:
    """A client of the server at ``url`` whose timeouts are short, so a failing test fails
    fast; ``overrides`` are further `LLM_` settings."""
    values: dict[str, object] = {"timeout": 5, "connect_timeout": 1, "health_timeout": 1}
    values.update(overrides)
    async with LLMClient(LLMSettings.model_validate(values), base_url=url) as llm:
        yield llm


async def cancel_midway(call: Coroutine[Any, Any, object], upstream: FakeUpstream) -> float:
    """Run ``call``, cancel it once the server is at work on it (a stalled or slow fake) and
    see it end cancelled; returns when it was cancelled, on the monotonic clock."""
    task = asyncio.create_task(call)
    await upstream.wait_for_request()
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return cancelled_at
