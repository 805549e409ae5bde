"""A client that hangs up on `/v1` cancels the model server's work.

Runs the app under a real uvicorn so the hang-up travels over a real socket, and measures from
the model server's side (the fake records when its client went away).
"""

import asyncio
import contextlib
import time

import openai
import pytest

from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.gateway.gateway_api import MODEL

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]

CANCEL_DEADLINE_S = 0.25  # as for the portal's own routes
LONG = [{"role": "user", "content": "a long answer please"}]


@pytest.mark.parametrize("session", [False, True], ids=["one-shot", "session"])
async def test_hanging_up_mid_stream_cancels_the_upstream(
    live_sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream, session: bool
) -> None:
    fake_upstream.reply = " ".join(["word"] * 400)
    fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
    extra = {"session_id": "hang-up"} if session else {}
    stream = await live_sdk.chat.completions.create(
        model=MODEL, messages=LONG, stream=True, extra_body=extra
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            break
    await stream.close()
    hung_up = time.monotonic()
    disconnect = await fake_upstream.wait_for_disconnect(within=2.0)
    assert disconnect is not None, "the model server never saw the client go away"
    took = disconnect.at - hung_up
    print(f"disconnect -> upstream cancel: {took * 1000:.1f} ms")  # noqa: T201
    assert took < CANCEL_DEADLINE_S


async def test_hanging_up_on_a_json_answer_cancels_the_upstream(
    live_sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.fault = Fault(mode="delay", delay=10)
    call = asyncio.create_task(live_sdk.chat.completions.create(model=MODEL, messages=LONG))
    await fake_upstream.wait_for_request()
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await call
    hung_up = time.monotonic()
    disconnect = await fake_upstream.wait_for_disconnect(within=2.0)
    assert disconnect is not None
    took = disconnect.at - hung_up
    print(f"disconnect -> upstream cancel (JSON): {took * 1000:.1f} ms")  # noqa: T201
    assert took < CANCEL_DEADLINE_S
