"""The gate's caps answer through the SDK's classes, and each request writes one log line."""

import asyncio
import logging

import httpx
import openai
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.main import create_app
from tests.fixtures.factories import Account
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.gateway.gateway_api import MODEL, create_key, sdk_client

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
HELLO = [{"role": "user", "content": "hello"}]


async def test_a_second_request_over_the_per_user_cap_is_a_rate_limit_error(
    make_settings, api_key: str, fake_upstream: FakeUpstream
) -> None:
    fake_upstream.fault = Fault(mode="delay", delay=1.0)
    capped = create_app(make_settings(llm={"per_user_concurrency": 1, "max_concurrency": 4}))
    async with LifespanManager(capped), sdk_client(capped, api_key) as sdk:
        first = asyncio.create_task(sdk.chat.completions.create(model=MODEL, messages=HELLO))
        await fake_upstream.wait_for_request()  # the first holds its slot
        with pytest.raises(openai.RateLimitError) as raised:
            await sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        assert (await first).choices[0].message.content == "Echo: hello"
    assert int(raised.value.response.headers["retry-after"]) >= 1
    assert raised.value.code == "rate_limit_exceeded"
    assert len(fake_upstream.requests) == 1


async def test_each_request_logs_who_what_and_what_it_cost(
    app: FastAPI,
    sdk: openai.AsyncOpenAI,
    client: httpx.AsyncClient,
    account: Account,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = await create_key(client, account, name="logged")
    with caplog.at_level(logging.INFO, logger="app.gateway"):
        async with sdk_client(app, key["key"]) as keyed:
            await keyed.chat.completions.create(model=MODEL, messages=HELLO)
            stream = await keyed.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
            [chunk async for chunk in stream]
        with pytest.raises(openai.NotFoundError):
            await sdk.chat.completions.create(model="nope", messages=HELLO)
    lines = [r.getMessage() for r in caplog.records if r.name == "app.gateway"]
    assert len(lines) == 3, lines
    json_line, stream_line, refused = lines
    user_id = account.user["id"]
    assert f"user={user_id} key={key['prefix']} endpoint=/v1/chat/completions" in json_line
    assert "model=fake-model stream=false status=200 outcome=complete" in json_line
    assert "prompt_tokens=2 completion_tokens=" in json_line
    assert "completion_tokens=-" not in json_line
    assert "stream=true status=200 outcome=complete" in stream_line
    assert "completion_tokens=-" not in stream_line
    assert "model=nope" in refused
    assert "status=404 outcome=failed" in refused
