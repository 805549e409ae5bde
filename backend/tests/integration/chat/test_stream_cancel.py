"""A client that hangs up cancels the upstream generation, and its question is kept.

Runs the app under a real uvicorn so the disconnect travels over a real socket, and asserts
from the upstream's side (the fake server records when its client went away). A turn stopped
after it was admitted is stored with its partial answer marked `stopped` (the write survives
the cancellation of the task that makes it); one stopped before stores nothing. On SQLite and
PostgreSQL.
"""

import asyncio
import contextlib
import json
import time

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]

# Promised to users: a hang-up stops the upstream generation within 250 ms (seen: 1-2 ms).
CANCEL_DEADLINE_S = 0.25


@pytest.fixture
async def http(live_server: str) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


async def sessions_of(http: httpx.AsyncClient, account: Account) -> list[dict[str, object]]:
    return (await http.get("/api/llm/chat/sessions", headers=account.headers)).json()


async def history(http: httpx.AsyncClient, account: Account, session_id: str) -> list[tuple]:
    response = await http.get(
        f"/api/llm/chat/session/{session_id}/history", headers=account.headers
    )
    assert response.status_code == 200, response.text
    return [(m["role"], m["content"], m["status"]) for m in response.json()["messages"]]


async def stream_then_hang_up(
    http: httpx.AsyncClient,
    account: Account,
    body: dict[str, object],
    url: str = "/api/llm/chat/session",
) -> tuple[str, float]:
    """Read the `session` event and the first delta, then close: (session id, when)."""
    session_id = ""
    async with http.stream(
        "POST", url, json={**body, "stream": True}, headers=account.headers
    ) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data:") and "session_id" in line:
                session_id = json.loads(line.removeprefix("data:"))["session_id"]
            elif line.startswith("data:"):
                break
        hung_up = time.monotonic()
    return session_id, hung_up


async def settled(http: httpx.AsyncClient, account: Account, session_id: str) -> list[tuple]:
    """The history once the stopped turn's answer is written (it is, just after the hang-up)."""
    for _ in range(500):  # 10 s at most, for a loaded machine
        messages = await history(http, account, session_id)
        if messages[-1][0] == "assistant":
            return messages
        await asyncio.sleep(0.02)
    return messages


class TestStreamCancel:
    async def test_stopping_the_first_answer_keeps_the_question_and_the_partial_answer(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(http)
        fake_upstream.reply = " ".join(["word"] * 400)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        body = {"message": "long answer please"}
        session_id, hung_up = await stream_then_hang_up(http, account, body)
        disconnect = await fake_upstream.wait_for_disconnect(within=1.0)
        assert disconnect is not None, "upstream never saw the client go away"
        assert disconnect.at - hung_up < CANCEL_DEADLINE_S
        question, (role, partial, status) = await settled(http, account, session_id)
        assert question == ("user", "long answer please", "complete")
        assert (role, status) == ("assistant", "stopped")
        assert partial.startswith("word")
        assert len(partial) < len(fake_upstream.reply)
        listed = await sessions_of(http, account)
        assert [(s["session_id"], s["message_count"]) for s in listed] == [(session_id, 2)]
        assert listed[0]["title"] == "long answer please"

    async def test_stopping_inside_a_session_keeps_the_question(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(http)
        first = await http.post(
            "/api/llm/chat/session", json={"message": "hello"}, headers=account.headers
        )
        session_id = first.json()["session_id"]
        fake_upstream.reply = " ".join(["word"] * 400)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        body = {"message": "and now a long one", "session_id": session_id}
        assert (await stream_then_hang_up(http, account, body))[0] == session_id
        messages = await settled(http, account, session_id)
        assert messages[:3] == [
            ("user", "hello", "complete"),
            ("assistant", "Echo: hello", "complete"),
            ("user", "and now a long one", "complete"),
        ]
        assert messages[3][0::2] == ("assistant", "stopped")

    async def test_hang_up_on_a_json_turn_after_admission_keeps_the_question(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream, live_server: str
    ) -> None:
        account = await register(http)
        fake_upstream.reply = " ".join(["word"] * 400)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        body = {"message": "slow JSON", "session_id": "json-turn"}
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as impatient:
            call = asyncio.create_task(
                impatient.post("/api/llm/chat/session", json=body, headers=account.headers)
            )
            # Hang up once the turn is admitted (its question stored), however long a loaded
            # machine takes to get there.
            await until_listed(http, account, "json-turn")
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await call
        # The answer takes 20 s to stream: a disconnect within 5 s is the hang-up's cancel,
        # with room for a loaded machine.
        assert await fake_upstream.wait_for_disconnect(within=5.0) is not None
        question, (role, partial, status) = await settled(http, account, "json-turn")
        assert question == ("user", "slow JSON", "complete")
        assert (role, status) == ("assistant", "stopped")
        assert partial.startswith("word")

    async def test_disconnect_while_waiting_for_a_json_answer_cancels_upstream(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream, live_server: str
    ) -> None:
        account = await register(http)
        fake_upstream.fault = Fault(mode="delay", delay=10)
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as impatient:
            call = asyncio.create_task(
                impatient.post(
                    "/api/llm/chat/session", json={"message": "slow"}, headers=account.headers
                )
            )
            # Hang up once the model has the request (a loaded machine may take a while to
            # get there): then the only thing that can end the upstream call is the cancel.
            await fake_upstream.wait_for_request("/v1/chat/completions")
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await call
        hung_up = time.monotonic()
        disconnect = await fake_upstream.wait_for_disconnect(within=1.0)
        assert disconnect is not None
        assert disconnect.at - hung_up < CANCEL_DEADLINE_S
        # The model had not started answering: the turn was never admitted, nothing is kept.
        await asyncio.sleep(0.2)
        assert await sessions_of(http, account) == []

    async def test_hanging_up_on_a_regenerate_stores_its_partial_answer_as_stopped(
        self, http: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(http)
        first = await http.post(
            "/api/llm/chat/session", json={"message": "hello"}, headers=account.headers
        )
        session_id = first.json()["session_id"]
        question_id = (
            await http.get(f"/api/llm/chat/session/{session_id}/history", headers=account.headers)
        ).json()["messages"][0]["id"]
        fake_upstream.reply = " ".join(["again"] * 400)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        url = f"/api/llm/chat/session/{session_id}/regenerate"
        assert (await stream_then_hang_up(http, account, {}, url))[0] == session_id
        assert await fake_upstream.wait_for_disconnect(within=1.0) is not None
        question, (role, partial, status) = await settled(http, account, session_id)
        assert question == ("user", "hello", "complete")
        assert (role, status) == ("assistant", "stopped")
        assert partial
        assert fake_upstream.reply.startswith(partial)
        assert len(partial) < len(fake_upstream.reply)
        history = await http.get(
            f"/api/llm/chat/session/{session_id}/history", headers=account.headers
        )
        assert history.json()["messages"][0]["id"] == question_id


async def until_listed(
    http: httpx.AsyncClient, account: Account, session_id: str, within: float = 20.0
) -> None:
    for _ in range(int(within / 0.02)):
        if any(s["session_id"] == session_id for s in await sessions_of(http, account)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"session {session_id} was never stored")
