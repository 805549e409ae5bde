"""A client that hangs up while its request waits for a slot frees its queue place.

Under a real uvicorn (a hang-up must travel over a socket), with one slot and one queue place:
a request queued behind a long one and then abandoned must not keep the place, or the next
caller would be answered 503 although nobody is waiting any more.
"""

import asyncio
import contextlib

import openai
import pytest

from app.config import Settings
from tests.fixtures.fake_upstream import FakeUpstream
from tests.integration.gateway.gateway_api import MODEL

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]


@pytest.fixture
def settings(make_settings) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(llm={"max_concurrency": 1, "max_queue": 1, "queue_timeout": 20})


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_hanging_up_while_queued_frees_the_queue_place(
    live_sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream, stream: bool
) -> None:
    long = [{"role": "user", "content": "[fault:delay:2] long"}]
    holder = asyncio.create_task(live_sdk.chat.completions.create(model=MODEL, messages=long))
    await fake_upstream.wait_for_request()
    queued = asyncio.create_task(
        live_sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "queued"}], stream=stream
        )
    )
    await asyncio.sleep(0.5)
    queued.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await queued
    await asyncio.sleep(0.3)
    answer = await live_sdk.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "next"}]
    )
    assert answer.choices[0].message.content == "Echo: next"
    await holder
    assert [r.body["messages"][-1]["content"] for r in fake_upstream.requests][-1] == "next"
    assert len(fake_upstream.requests) == 2
