"""A client that hangs up cancels the upstream generation, and no partial turn is stored.

Runs the app under a real uvicorn so the disconnect travels over a real socket, and asserts
from the upstream's side (the fake server records when its client went away).
"""

import asyncio
import time

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = pytest.mark.integration

# Promised to users: a hang-up stops the upstream generation within 250 ms (seen: 1-2 ms).
CANCEL_DEADLINE_S = 0.25


@pytest.fixture
def llm_server_url(fake_upstream: FakeUpstream) -> str:
    return fake_upstream.url


@pytest.fixture
async def http(live_server: str) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


async def sessions_of(http: httpx.AsyncClient, account: Account) -> list[dict[str, object]]:
    return (await http.get("/api/llm/chat/sessions", headers=account.headers)).json()


class TestStreamCancel:
    async def test_disconnect_mid_stream_closes_upstream_and_stores_nothing(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(http)
        fake_upstream.reply = " ".join(["word"] * 400)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        body = {"message": "long answer please", "stream": True, "session_id": "cancel-me"}
        async with http.stream(
            "POST", "/api/llm/chat/session", json=body, headers=account.headers
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    break
            hung_up = time.monotonic()
        disconnect = await fake_upstream.wait_for_disconnect(within=1.0)
        assert disconnect is not None, "upstream never saw the client go away"
        assert disconnect.at - hung_up < CANCEL_DEADLINE_S
        await asyncio.sleep(0.2)
        assert [s["message_count"] for s in await sessions_of(http, account)] == [0]

    async def test_disconnect_while_waiting_for_a_json_answer_cancels_upstream(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream, live_server: str
    ) -> None:
        account = await register(http)
        fake_upstream.fault = Fault(mode="delay", delay=10)
        async with httpx.AsyncClient(base_url=live_server, timeout=0.5) as impatient:
            with pytest.raises(httpx.ReadTimeout):
                await impatient.post(
                    "/api/llm/chat/session", json={"message": "slow"}, headers=account.headers
                )
        hung_up = time.monotonic()
        disconnect = await fake_upstream.wait_for_disconnect(within=1.0)
        assert disconnect is not None
        assert disconnect.at - hung_up < CANCEL_DEADLINE_S
