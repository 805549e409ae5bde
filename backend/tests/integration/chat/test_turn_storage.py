"""What a session turn stores: nothing when refused, the question once admitted, then the answer.

Against the fault-injecting upstream, on SQLite and PostgreSQL. Hang-ups over real sockets
are in `test_stream_cancel.py`.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.app import SettingsFactory, free_port
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.sse import Event, deltas, read_events

CUT_REPLY = "one two three four five six seven eight nine ten"
CUT = Fault(mode="cut", after_chunks=2, chunk_delay=0.05)
"""Two chunks ("one two "), spaced so both arrive, then the connection drops."""

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


async def send(
    http: httpx.AsyncClient, account: Account, message: str, **extra: object
) -> httpx.Response:
    body = {"message": message, "stream": False, **extra}
    return await http.post("/api/llm/chat/session", json=body, headers=account.headers)


async def stream(
    http: httpx.AsyncClient, account: Account, message: str, **extra: object
) -> tuple[int, list[Event], dict[str, Any] | None]:
    """Status, events (when it streamed) and error body (when it did not)."""
    body = {"message": message, "stream": True, **extra}
    async with http.stream(
        "POST", "/api/llm/chat/session", json=body, headers=account.headers
    ) as response:
        if response.status_code != 200:
            await response.aread()
            return response.status_code, [], response.json()
        return 200, await read_events(response), None


async def sessions(http: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await http.get("/api/llm/chat/sessions", headers=account.headers)
    assert response.status_code == 200
    return list(response.json())


async def stored(
    http: httpx.AsyncClient, account: Account, session_id: str
) -> list[tuple[str, str, str]]:
    response = await http.get(
        f"/api/llm/chat/session/{session_id}/history", headers=account.headers
    )
    assert response.status_code == 200, response.text
    return [(m["role"], m["content"], m["status"]) for m in response.json()["messages"]]


AppStarter = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def app_with(make_settings: SettingsFactory) -> AsyncIterator[AppStarter]:
    """Starts the app with LLM settings of the test's own and returns its client."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**llm: object) -> httpx.AsyncClient:
            application = create_app(make_settings(llm=llm))
            await stack.enter_async_context(LifespanManager(application))
            transport = httpx.ASGITransport(app=application)
            return await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://portal.test")
            )

        yield start


class TestRefusedTurn:
    async def test_llm_down_is_503_and_leaves_no_session(self, app_with: AppStarter) -> None:
        http = await app_with(server_url=f"http://127.0.0.1:{free_port()}")
        account = await register(http)
        for attempt in range(5):
            status, events, error = await stream(http, account, f"anyone? {attempt}")
            assert (status, events) == (503, [])
            assert error is not None
            assert "details" not in error
        assert (await send(http, account, "and JSON?")).status_code == 503
        assert await sessions(http, account) == []

    async def test_upstream_refusal_before_the_answer_leaves_no_session(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        status, _, _ = await stream(client, account, "boom")
        assert status == 503
        assert (await send(client, account, "boom")).status_code == 503
        assert await sessions(client, account) == []

    async def test_refusal_in_an_existing_session_adds_nothing(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = (await send(client, account, "one")).json()["session_id"]
        fake_upstream.fault = Fault(mode="http_500")
        assert (await send(client, account, "two", session_id=session_id)).status_code == 503
        assert [m[1] for m in await stored(client, account, session_id)] == ["one", "Echo: one"]

    async def test_per_user_cap_and_busy_gate_store_nothing(
        self, app_with: AppStarter, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=1.0)
        # Four slots split chat=2, completion=1, game=1: chat borrows up to three, leaving
        # the last slot for the idle lanes.
        http = await app_with(
            server_url=fake_upstream.url,
            max_concurrency=4,
            max_queue=0,
            per_user_concurrency=1,
            queue_timeout=0.2,
        )
        alice, bob, carol, dave = [await register(http) for _ in range(4)]
        capped = await asyncio.gather(
            send(http, alice, "a1", session_id="a1"), send(http, alice, "a2", session_id="a2")
        )
        assert sorted(r.status_code for r in capped) == [200, 429]
        busy = await asyncio.gather(
            send(http, alice, "x", session_id="x"),
            send(http, bob, "y", session_id="y"),
            send(http, carol, "z", session_id="z"),
            send(http, dave, "w", session_id="w"),
        )
        assert sorted(r.status_code for r in busy) == [200, 200, 200, 503]
        listed = {a.email: await sessions(http, a) for a in (alice, bob, carol, dave)}
        assert sorted(s["session_id"] for s in listed[alice.email]) == sorted(
            r.json()["session_id"] for r in [*capped, busy[0]] if r.status_code == 200
        )
        assert sum(len(found) for found in listed.values()) == 4
        assert all(s["message_count"] == 2 for found in listed.values() for s in found)


class TestAdmittedTurn:
    async def test_first_event_is_session_then_deltas_then_done(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "A streamed answer."
        status, events, _ = await stream(client, account, "go")
        assert status == 200
        first, *_, done = events
        assert first.name == "session"
        assert first.data == {"session_id": done.data["session_id"], "created": True}
        assert deltas(events) == "A streamed answer."
        _, again, _ = await stream(client, account, "more", session_id=first.data["session_id"])
        assert again[0].data == {"session_id": first.data["session_id"], "created": False}

    async def test_stream_cut_midway_sends_an_error_and_stores_a_failed_partial(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = CUT_REPLY
        fake_upstream.fault = CUT
        status, events, _ = await stream(client, account, "cut")
        assert status == 200
        assert [e.name for e in events] == ["session", "message", "message", "error"]
        session_id = events[0].data["session_id"]
        assert events[-1].data["code"] == "llm_unavailable"
        assert events[-1].data["details"] == {"session_id": session_id}
        assert await stored(client, account, session_id) == [
            ("user", "cut", "complete"),
            ("assistant", "one two ", "failed"),
        ]
        assert [s["message_count"] for s in await sessions(client, account)] == [2]

    async def test_json_turn_failing_after_admission_names_its_session(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = CUT_REPLY
        fake_upstream.fault = CUT
        response = await send(client, account, "cut", system_prompt="Be brief.")
        assert response.status_code == 503
        assert "retry-after" in response.headers
        session_id = response.json()["details"]["session_id"]
        assert await stored(client, account, session_id) == [
            ("user", "cut", "complete"),
            ("assistant", "one two ", "failed"),
        ]
        fake_upstream.fault = Fault()
        fake_upstream.reply = None
        retry = await send(client, account, "again", session_id=session_id)
        assert retry.status_code == 200
        sent = fake_upstream.requests[-1].body["messages"]
        assert [(m["role"], m["content"]) for m in sent] == [
            ("system", "Be brief."),
            ("user", "cut"),
            ("assistant", "one two "),
            ("user", "again"),
        ]
