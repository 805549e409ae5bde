"""Chat over HTTP against a fault-injecting OpenAI-compatible upstream (a real HTTP server)."""

import asyncio

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.app import free_port
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.sse import deltas, read_events

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


async def say(
    client: httpx.AsyncClient, account: Account, message: str, **extra: object
) -> httpx.Response:
    body = {"message": message, **extra}
    return await client.post("/api/llm/chat/session", json=body, headers=account.headers)


class TestSessionChat:
    async def test_new_session_gets_an_id_and_keeps_history(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "Hello there."
        first = await say(client, account, "hi", system_prompt="Be brief.")
        assert first.status_code == 200, first.text
        session_id = first.json()["session_id"]
        assert first.json()["response"] == "Hello there."
        second = await say(client, account, "again", session_id=session_id)
        assert second.json()["session_id"] == session_id
        sent = fake_upstream.requests[-1].body["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
        assert sent[0]["content"] == "Be brief."
        history = await client.get(
            f"/api/llm/chat/session/{session_id}/history", headers=account.headers
        )
        assert history.status_code == 200
        assert history.json()["system_prompt"] == "Be brief."
        assert [m["content"] for m in history.json()["messages"]] == [
            "hi",
            "Hello there.",
            "again",
            "Hello there.",
        ]

    async def test_thinking_is_stripped_from_answer_and_history(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>secret plan</think>Visible answer."
        answer = await say(client, account, "think")
        assert answer.json()["response"] == "Visible answer."
        assert fake_upstream.requests[-1].body["chat_template_kwargs"] == {"enable_thinking": False}
        history = await client.get(
            f"/api/llm/chat/session/{answer.json()['session_id']}/history", headers=account.headers
        )
        assert "secret" not in str(history.json())

    async def test_stream_sends_deltas_then_done_and_stores_the_turn(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "A streamed answer in pieces."
        async with client.stream(
            "POST",
            "/api/llm/chat/session",
            json={"message": "go", "stream": True},
            headers=account.headers,
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["x-accel-buffering"] == "no"
            events = await read_events(response)
        assert deltas(events) == "A streamed answer in pieces."
        done = events[-1]
        assert done.name == "done"
        assert done.data["response"] == "A streamed answer in pieces."
        assert done.data["usage"]["completion_tokens"] > 0
        history = await client.get(
            f"/api/llm/chat/session/{done.data['session_id']}/history", headers=account.headers
        )
        assert len(history.json()["messages"]) == 2

    async def test_accept_header_alone_asks_for_a_stream(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        headers = {**account.headers, "Accept": "text/event-stream"}
        async with client.stream(
            "POST", "/api/llm/chat/session", json={"message": "x"}, headers=headers
        ) as response:
            events = await read_events(response)
        assert events[-1].name == "done"

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"message": ""}, "message"),
            ({"message": "x" * 32_001}, "message"),
            ({"message": "x", "session_id": "bad id!"}, "session_id"),
            ({"message": "x", "temperature": 3}, "temperature"),
        ],
    )
    async def test_bad_input_is_400(
        self, client: httpx.AsyncClient, account: Account, payload: dict[str, object], field: str
    ) -> None:
        response = await client.post("/api/llm/chat/session", json=payload, headers=account.headers)
        assert response.status_code == 400
        assert field in [d["field"] for d in response.json()["details"]]


class TestSessionOwnership:
    async def test_another_user_gets_404_everywhere(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        session_id = (await say(client, account, "mine")).json()["session_id"]
        other = await register(client)
        history = await client.get(
            f"/api/llm/chat/session/{session_id}/history", headers=other.headers
        )
        deleted = await client.delete(f"/api/llm/chat/session/{session_id}", headers=other.headers)
        assert history.status_code == deleted.status_code == 404
        assert history.json()["error"] == "Session not found"
        listed = await client.get("/api/llm/chat/sessions", headers=other.headers)
        assert listed.json() == []
        # Sending to the same id as another user starts the other user's own session.
        await say(client, other, "theirs", session_id=session_id)
        mine = await client.get(
            f"/api/llm/chat/session/{session_id}/history", headers=account.headers
        )
        assert mine.json()["messages"][0]["content"] == "mine"

    async def test_list_and_delete(self, client: httpx.AsyncClient, account: Account) -> None:
        first = (await say(client, account, "first question")).json()["session_id"]
        await say(client, account, "second question")
        listed = (await client.get("/api/llm/chat/sessions", headers=account.headers)).json()
        assert [s["title"] for s in listed] == ["second question", "first question"]
        assert (
            await client.delete(f"/api/llm/chat/session/{first}", headers=account.headers)
        ).status_code == 204
        assert (
            await client.get(f"/api/llm/chat/session/{first}/history", headers=account.headers)
        ).status_code == 404

    async def test_legacy_history_route_answers_the_same(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        session_id = (await say(client, account, "old client")).json()["session_id"]
        legacy = await client.post(
            "/api/llm/chat/session/history",
            json={"session_id": session_id},
            headers=account.headers,
        )
        assert legacy.json()["messages"][0]["content"] == "old client"


class TestOneShotChat:
    async def test_chat_answers_without_storing(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "Stateless."
        response = await client.post(
            "/api/llm/chat",
            json={"messages": [{"role": "user", "content": "q"}], "max_tokens": 5},
            headers=account.headers,
        )
        assert response.status_code == 200
        assert response.json()["response"] == "Stateless."
        assert response.json()["model"] == "fake-model"
        assert fake_upstream.requests[-1].body["max_tokens"] == 5
        assert (await client.get("/api/llm/chat/sessions", headers=account.headers)).json() == []

    async def test_legacy_stream_route_streams(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        async with client.stream(
            "POST",
            "/api/llm/chat/stream",
            json={"messages": [{"role": "user", "content": "q"}]},
            headers=account.headers,
        ) as response:
            events = await read_events(response)
        # The original clients' format (see test_legacy_streams.py): bare `data:` objects.
        assert {event.name for event in events} == {"message"}
        assert events[-1].data["done"] is True


class TestUpstreamFaults:
    async def test_http_500_is_503_with_retry_after(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        response = await say(client, account, "boom")
        assert response.status_code == 503
        assert response.json()["code"] == "llm_unavailable"
        assert "retry-after" in response.headers
        sessions = (await client.get("/api/llm/chat/sessions", headers=account.headers)).json()
        assert sessions == []  # refused before the answer began: no session is left behind

    async def test_request_the_server_refuses_is_502_without_retry_after(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_400")
        response = await say(client, account, "far too long")
        assert response.status_code == 502
        body = response.json()
        assert body["code"] == "llm_bad_response"
        assert "context size" in body["error"]
        assert "retry-after" not in response.headers

    async def test_stall_past_timeout_is_504(
        self, make_settings, database_url: str, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=5)
        application = create_app(make_settings(llm={"timeout": 0.5}))
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            account = await register(http)
            response = await say(http, account, "slow")
        assert response.status_code == 504
        assert response.json()["code"] == "llm_timeout"

    async def test_stream_cut_midway_ends_with_an_error_event(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "one two three four five six seven"
        fake_upstream.fault = Fault(mode="cut", after_chunks=2, chunk_delay=0.05)
        async with client.stream(
            "POST",
            "/api/llm/chat/session",
            json={"message": "cut", "stream": True},
            headers=account.headers,
        ) as response:
            events = await read_events(response)
        assert events[0].name == "session"
        assert events[-1].name == "error"
        assert events[-1].data["code"] == "llm_unavailable"
        assert set(events[-1].data) >= {"error", "timestamp"}
        # The question and the partial answer are kept (see test_turn_storage.py).
        assert (await client.get("/api/llm/chat/sessions", headers=account.headers)).json()[0][
            "message_count"
        ] == 2

    async def test_slow_first_byte_within_timeout_still_answers(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="slow_first_byte", delay=0.5)
        fake_upstream.reply = "late but fine"
        response = await say(client, account, "wait", stream=False)
        assert response.json()["response"] == "late but fine"


class TestLLMDown:
    async def test_health_is_200_unavailable_and_chat_is_503(self, make_settings) -> None:
        closed = f"http://127.0.0.1:{free_port()}"
        application = create_app(make_settings(llm={"server_url": closed}))
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            health = await http.get("/api/llm/health")
            assert health.status_code == 200
            assert health.json()["status"] == "unavailable"
            assert health.json()["gate"]["capacity"] == 4, "LLM_CONCURRENCY_FALLBACK"
            account = await register(http)
            response = await say(http, account, "anyone?")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        # The user is told what to do; the server's address stays in the operator's log.
        assert "offline" in response.json()["error"]
        assert closed not in response.json()["error"]


class TestCapacity:
    async def test_gate_follows_the_servers_slots_and_shows_in_health(
        self, make_settings, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.total_slots = 6
        application = create_app(make_settings())
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            health = await http.get("/api/llm/health")
        assert health.json()["gate"] == {
            "capacity": 6,
            "lanes": {
                lane: {"in_use": 0, "waiting": 0, "reserved": 2}
                for lane in ("chat", "completion", "game")
            },
        }

    async def test_per_user_cap_is_429_and_global_cap_is_503(
        self, make_settings, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=1.0)
        # Four slots split chat=2, completion=1, game=1: chat borrows up to three, leaving
        # the last slot for the idle lanes.
        settings = make_settings(
            llm={
                "max_concurrency": 4,
                "max_queue": 0,
                "per_user_concurrency": 1,
                "queue_timeout": 0.2,
            }
        )
        application = create_app(settings)
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            alice, bob, carol, dave = [await register(http) for _ in range(4)]
            results = await asyncio.gather(say(http, alice, "a1"), say(http, alice, "a2"))
            assert sorted(r.status_code for r in results) == [200, 429]
            assert "retry-after" in [
                k.lower() for k in next(r for r in results if r.status_code == 429).headers
            ]
            crowd = await asyncio.gather(
                say(http, alice, "x"),
                say(http, bob, "y"),
                say(http, carol, "z"),
                say(http, dave, "w"),
            )
            assert sorted(r.status_code for r in crowd) == [200, 200, 200, 503]
