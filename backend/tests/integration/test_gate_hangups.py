"""Clients that hang up while the model is frozen give every gate slot back.

Reproduces what wore the portal down: with the upstream stuck, 16 chats and 16 TAB
completions from four users hang up mid-wait (some holding a slot, most still queued); once
the upstream recovers, the gate reports nothing in use or waiting and new requests run
at full capacity, round after round.
"""

import asyncio
import time

import httpx
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.gate import gate_state

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
HANG_UP_AFTER_S = 0.5
ROUNDS = 2
FROZEN_S = 120  # far longer than SETTLE_S: a request nobody cancelled keeps its slot
SETTLE_S = 20  # time for a loaded machine to notice 32 hang-ups


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(llm={"max_queue": 32, "queue_timeout": 30, "per_user_concurrency": 16})


@pytest.fixture
async def http(live_server: str) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


async def hang_up(http: httpx.AsyncClient, path: str, body: dict[str, object], account: Account):
    """Give up waiting and close the connection, as a browser tab or script that quits does.

    A client of its own per request: its sockets are closed when it exits, whereas a request
    cancelled inside a shared pool may leave its connection open for the server to wait on.
    """
    async with httpx.AsyncClient(base_url=http.base_url, timeout=30) as own:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(
                own.post(path, json=body, headers=account.headers), HANG_UP_AFTER_S
            )


async def test_hung_up_waiters_leave_the_gate_empty(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    accounts = [await register(http) for _ in range(4)]
    for _ in range(ROUNDS):
        fake_upstream.fault = Fault(mode="delay", delay=FROZEN_S)  # frozen: nothing answers
        await asyncio.gather(
            *(
                hang_up(http, "/api/llm/chat", {"messages": [{"role": "user", "content": "hi"}]}, a)
                for a in accounts * 4
            ),
            *(
                hang_up(http, "/api/completion/generate", {"text": "Dear team, "}, a)
                for a in accounts * 4
            ),
        )
        fake_upstream.fault = Fault()
        # Each hang-up is noticed within milliseconds on an idle machine, seconds on a busy one.
        deadline = time.monotonic() + SETTLE_S
        for _ in range(SETTLE_S * 10):
            if await gate_state(http) == (0, 0) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert await gate_state(http) == (0, 0)
    fake_upstream.reset()
    assert fake_upstream.in_flight == 0, "every hung-up request was cancelled upstream too"
    fake_upstream.fault = Fault(mode="delay", delay=0.3)
    answers = await asyncio.gather(
        *(
            http.post(
                "/api/llm/chat",
                json={"messages": [{"role": "user", "content": "hi"}]},
                headers=account.headers,
            )
            for account in accounts
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 4
    assert fake_upstream.max_in_flight >= 3, "the recovered gate runs chats side by side"
