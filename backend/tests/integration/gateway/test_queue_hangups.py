"""A client that hangs up while its request waits for a slot frees its queue place.

Under a real uvicorn (a hang-up must travel over a socket), with one slot and one queue place:
a request queued behind a long one and then abandoned must not keep the place, or the next
caller would be answered 503 although nobody is waiting any more.
"""

import asyncio
import contextlib

import httpx
import openai
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.gate import until_waiting
from tests.integration.gateway.gateway_api import MODEL

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(llm={"max_concurrency": 1, "max_queue": 1, "queue_timeout": 20})


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_hanging_up_while_queued_frees_the_queue_place(
    live_sdk: openai.AsyncOpenAI, live_server: str, fake_upstream: FakeUpstream, stream: bool
) -> None:
    long = [{"role": "user", "content": "[fault:delay:5] long"}]
    holder = asyncio.create_task(live_sdk.chat.completions.create(model=MODEL, messages=long))
    await fake_upstream.wait_for_request()
    queued = asyncio.create_task(
        live_sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "queued"}], stream=stream
        )
    )
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        await until_waiting(http, 1)  # queued behind the long one
        queued.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await queued
        await until_waiting(http, 0)  # the hang-up gave its place back
    answer = await live_sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "next"}]
    )
    assert answer.choices[0].message.content == "Echo: next"
    await holder
    assert [r.body["messages"][-1]["content"] for r in fake_upstream.requests][-1] == "next"
    assert len(fake_upstream.requests) == 2
