"""A slow model cannot drain the database pool: no request holds a connection while it waits.

Two pooled connections, no overflow, 50 concurrent streamed chats against an upstream that
sends a token every 20 ms: every stream completes, and routes that need the database keep
answering meanwhile.
"""

import asyncio

import httpx
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.sse import read_events

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]
STREAMS = 50
USERS = 5


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(
        database_pool_size=2,
        database_max_overflow=0,
        llm={"max_concurrency": 64, "max_queue": 64, "per_user_concurrency": 64},
    )


@pytest.fixture
async def http(live_server: str) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=live_server, timeout=60, limits=limits) as client:
        yield client


async def stream_turn(http: httpx.AsyncClient, account: Account, index: int) -> tuple[int, str]:
    body = {"message": f"question {index}", "stream": True}
    async with http.stream(
        "POST", "/api/llm/chat/session", json=body, headers=account.headers
    ) as response:
        if response.status_code != 200:
            await response.aread()
            return response.status_code, response.text
        events = await read_events(response)
    return 200, events[-1].name if events else "no events"


async def test_fifty_streams_on_a_two_connection_pool_all_complete(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    accounts = [await register(http) for _ in range(USERS)]
    fake_upstream.reply = " ".join(["token"] * 25)
    fake_upstream.fault = Fault(chunk_delay=0.02)
    turns = asyncio.gather(*(stream_turn(http, accounts[i % USERS], i) for i in range(STREAMS)))
    await asyncio.sleep(0.3)  # the streams are now waiting on the model
    me = await http.get("/api/auth/me", headers=accounts[0].headers)
    keys = await http.get("/api/keys", headers=accounts[0].headers)
    results = await turns
    assert (me.status_code, keys.status_code) == (200, 200)
    assert results == [(200, "done")] * STREAMS
    sessions = await http.get("/api/llm/chat/sessions", headers=accounts[0].headers)
    assert len(sessions.json()) == STREAMS // USERS
