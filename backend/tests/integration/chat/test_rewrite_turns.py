"""Regenerate and edit-and-resend: the end of a session is replaced only by an admitted turn.

Against the fault-injecting upstream, on SQLite and PostgreSQL (and once with the Redis
history cache in front). Hang-ups over real sockets are in `test_stream_cancel.py`.
"""

import asyncio
import contextlib
import itertools
import uuid
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.chat.models import ChatSession
from app.db import session_scope
from app.main import create_app
from tests.fixtures.app import SettingsFactory
from tests.fixtures.database import clear_tables
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.sse import Event, deltas, read_events
from tests.integration.chat.chat_api import contents, messages_of, say, session_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


async def conversation(http: httpx.AsyncClient, account: Account, *questions: str) -> str:
    """A session with one complete turn per question (answers "Echo: <question>")."""
    session_id = str(uuid.uuid4())
    for question in questions:
        response = await say(http, account, question, session_id=session_id)
        assert response.status_code == 200, response.text
    return session_id


async def regenerate(
    http: httpx.AsyncClient, account: Account, session_id: str, **body: object
) -> httpx.Response:
    return await http.post(
        session_url(session_id, "regenerate"), json=body, headers=account.headers
    )


async def edit(
    http: httpx.AsyncClient, account: Account, session_id: str, message_id: int, text: str
) -> httpx.Response:
    body = {"message_id": message_id, "message": text}
    return await http.post(session_url(session_id, "edit"), json=body, headers=account.headers)


async def stream(
    http: httpx.AsyncClient, account: Account, url: str, body: dict[str, Any]
) -> tuple[int, list[Event]]:
    async with http.stream(
        "POST", url, json={**body, "stream": True}, headers=account.headers
    ) as response:
        if response.status_code != 200:
            await response.aread()
            return response.status_code, []
        return 200, await read_events(response)


def sent_to_model(fake_upstream: FakeUpstream) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in fake_upstream.requests[-1].body["messages"]]


async def asked_about(fake_upstream: FakeUpstream, question: str, *, seen: int = 0) -> None:
    """Wait until the model has been sent a request ending with ``question``, beyond the
    first ``seen`` requests (a turn sends it while it holds its session's lock)."""
    deadline = asyncio.get_running_loop().time() + 30
    while not any(
        request.body.get("messages", [{}])[-1].get("content") == question
        for request in fake_upstream.requests[seen:]
    ):
        assert asyncio.get_running_loop().time() < deadline, "the model was never asked"
        await asyncio.sleep(0.01)


class TestRegenerate:
    async def test_replaces_the_last_answer_and_keeps_the_question(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one", "two")
        before = await messages_of(client, account, session_id)
        fake_upstream.reply = "A better answer."
        response = await regenerate(client, account, session_id, temperature=0.5)
        assert response.status_code == 200, response.text
        assert response.json()["response"] == "A better answer."
        assert response.json()["session_id"] == session_id
        assert sent_to_model(fake_upstream) == [
            ("user", "one"),
            ("assistant", "Echo: one"),
            ("user", "two"),
        ]
        assert fake_upstream.requests[-1].body["temperature"] == 0.5
        after = await messages_of(client, account, session_id)
        assert after[:3] == before[:3]  # the question keeps its id
        assert contents(after[3:]) == [("assistant", "A better answer.", "complete")]
        assert after[3]["id"] != before[3]["id"]

    async def test_streams_session_first_then_deltas_then_done(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one")
        fake_upstream.reply = "Streamed again."
        status, events = await stream(client, account, session_url(session_id, "regenerate"), {})
        assert status == 200
        first, *_, done = events
        assert (first.name, first.data) == ("session", {"session_id": session_id, "created": False})
        assert deltas(events) == "Streamed again."
        assert done.name == "done"
        assert done.data["response"] == "Streamed again."
        assert contents(await messages_of(client, account, session_id)) == [
            ("user", "one", "complete"),
            ("assistant", "Streamed again.", "complete"),
        ]

    async def test_replaces_a_failed_partial_answer(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "one two three four five six"
        fake_upstream.fault = Fault(mode="cut", after_chunks=2, chunk_delay=0.05)
        session_id = str(uuid.uuid4())
        assert (await say(client, account, "cut", session_id=session_id)).status_code == 503
        assert [m["status"] for m in await messages_of(client, account, session_id)] == [
            "complete",
            "failed",
        ]
        fake_upstream.fault = Fault()
        fake_upstream.reply = "Whole this time."
        assert (await regenerate(client, account, session_id)).status_code == 200
        assert contents(await messages_of(client, account, session_id)) == [
            ("user", "cut", "complete"),
            ("assistant", "Whole this time.", "complete"),
        ]

    @pytest.mark.parametrize("stream_it", [False, True])
    async def test_a_refused_regenerate_changes_nothing(
        self,
        client: httpx.AsyncClient,
        account: Account,
        fake_upstream: FakeUpstream,
        stream_it: bool,
    ) -> None:
        session_id = await conversation(client, account, "one", "two")
        before = await messages_of(client, account, session_id)
        fake_upstream.fault = Fault(mode="http_500")
        url = session_url(session_id, "regenerate")
        if stream_it:
            assert (await stream(client, account, url, {}))[0] == 503
        else:
            response = await regenerate(client, account, session_id)
            assert response.status_code == 503
            assert "details" not in response.json()
        assert await messages_of(client, account, session_id) == before

    async def test_unknown_session_is_404(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        response = await regenerate(client, account, "no-such-session")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

    async def test_a_session_without_a_question_is_409(
        self, app: FastAPI, client: httpx.AsyncClient, account: Account
    ) -> None:
        async with session_scope(app.state.sessionmaker) as session:
            session.add(
                ChatSession(owner=str(account.user["id"]), project="chat", session_key="empty")
            )
        response = await regenerate(client, account, "empty")
        assert response.status_code == 409
        assert response.json()["code"] == "nothing_to_regenerate"

    async def test_waits_for_a_turn_in_progress_then_replaces_its_answer(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one")
        numbers = itertools.count(1)
        fake_upstream.reply = lambda text: f"Answer {next(numbers)} to {text}"
        fake_upstream.fault = Fault(mode="delay", delay=0.5)
        turn = asyncio.create_task(say(client, account, "two", session_id=session_id))
        await asked_about(fake_upstream, "two")  # the turn holds the session's lock now
        again = await regenerate(client, account, session_id)
        assert (await turn).status_code == 200
        assert again.status_code == 200
        assert contents(await messages_of(client, account, session_id)) == [
            ("user", "one", "complete"),
            ("assistant", "Echo: one", "complete"),
            ("user", "two", "complete"),
            ("assistant", "Answer 2 to two", "complete"),
        ]
        assert sent_to_model(fake_upstream) == [
            ("user", "one"),
            ("assistant", "Echo: one"),
            ("user", "two"),
        ]

    async def test_a_session_deleted_before_admission_is_404_and_keeps_its_history(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one", "two")
        before = await messages_of(client, account, session_id)
        seen = len(fake_upstream.requests)
        fake_upstream.reply = "Never stored"
        fake_upstream.fault = Fault(mode="delay", delay=0.5)
        again = asyncio.create_task(regenerate(client, account, session_id))
        # The regenerate has read the history and waits for the model to accept the turn.
        await asked_about(fake_upstream, "two", seen=seen)
        deleted = await client.delete(session_url(session_id), headers=account.headers)
        assert deleted.status_code == 204
        refused = await again
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found"
        restored = await client.post(session_url(session_id, "restore"), headers=account.headers)
        assert restored.status_code == 200, restored.text
        assert await messages_of(client, account, session_id) == before


class TestEdit:
    async def test_drops_the_question_and_what_followed_then_sends_the_new_one(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one", "two", "three")
        before = await messages_of(client, account, session_id)
        response = await edit(client, account, session_id, before[2]["id"], "TWO, edited")
        assert response.status_code == 200, response.text
        assert response.json()["response"] == "Echo: TWO, edited"
        assert sent_to_model(fake_upstream) == [
            ("user", "one"),
            ("assistant", "Echo: one"),
            ("user", "TWO, edited"),
        ]
        after = await messages_of(client, account, session_id)
        assert after[:2] == before[:2]
        assert contents(after[2:]) == [
            ("user", "TWO, edited", "complete"),
            ("assistant", "Echo: TWO, edited", "complete"),
        ]
        assert {m["id"] for m in after[2:]}.isdisjoint(m["id"] for m in before)

    async def test_editing_the_first_question_streams_a_fresh_start(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one", "two")
        first = (await messages_of(client, account, session_id))[0]["id"]
        body = {"message_id": first, "message": "uno"}
        status, events = await stream(client, account, session_url(session_id, "edit"), body)
        assert status == 200
        assert events[0].data == {"session_id": session_id, "created": False}
        assert events[-1].name == "done"
        assert sent_to_model(fake_upstream) == [("user", "uno")]
        assert contents(await messages_of(client, account, session_id)) == [
            ("user", "uno", "complete"),
            ("assistant", "Echo: uno", "complete"),
        ]

    async def test_a_refused_edit_changes_nothing(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one", "two")
        before = await messages_of(client, account, session_id)
        fake_upstream.fault = Fault(mode="http_500")
        response = await edit(client, account, session_id, before[0]["id"], "changed")
        assert response.status_code == 503
        assert await messages_of(client, account, session_id) == before

    async def test_an_answer_is_not_editable(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        session_id = await conversation(client, account, "one")
        before = await messages_of(client, account, session_id)
        sent = len(fake_upstream.requests)
        response = await edit(client, account, session_id, before[1]["id"], "put words")
        assert response.status_code == 400
        assert response.json()["details"][0]["field"] == "message_id"
        assert await messages_of(client, account, session_id) == before
        assert len(fake_upstream.requests) == sent

    async def test_a_message_of_another_session_is_404(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        session_id = await conversation(client, account, "one")
        other = await conversation(client, account, "elsewhere")
        foreign = (await messages_of(client, account, other))[0]["id"]
        response = await edit(client, account, session_id, foreign, "x")
        assert response.status_code == 404
        assert (await edit(client, account, session_id, 2**31 - 1, "x")).status_code == 404
        assert (await edit(client, account, "nope", foreign, "x")).status_code == 404
        assert contents(await messages_of(client, account, other)) == [
            ("user", "elsewhere", "complete"),
            ("assistant", "Echo: elsewhere", "complete"),
        ]

    @pytest.mark.parametrize(
        "body",
        [
            {"message": "no id"},
            {"message_id": 0, "message": "x"},
            {"message_id": 2**31, "message": "x"},
            {"message_id": 1, "message": ""},
            {"message_id": 1, "message": "x" * 32_001},
        ],
    )
    async def test_invalid_bodies_are_400(
        self, client: httpx.AsyncClient, account: Account, body: dict[str, object]
    ) -> None:
        session_id = await conversation(client, account, "one")
        url = session_url(session_id, "edit")
        response = await client.post(url, json=body, headers=account.headers)
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"


async def test_the_redis_cache_follows_a_rewritten_history(
    make_settings: SettingsFactory, database_url: str, fake_upstream: FakeUpstream
) -> None:
    """With Redis in front, the next turn's context is the rewritten history, not the cached."""
    application = create_app(make_settings(redis_url="redis://127.0.0.1:6379/0"))
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(clear_tables, database_url)
        await stack.enter_async_context(LifespanManager(application))
        transport = httpx.ASGITransport(app=application)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://portal.test")
        )
        account = await register(http)
        session_id = await conversation(http, account, "one", "two")
        messages = await messages_of(http, account, session_id)
        assert (await edit(http, account, session_id, messages[2]["id"], "deux")).status_code == 200
        fake_upstream.reply = "Regenerated."
        assert (await regenerate(http, account, session_id)).status_code == 200
        fake_upstream.reply = None
        assert (await say(http, account, "three", session_id=session_id)).status_code == 200
        assert sent_to_model(fake_upstream) == [
            ("user", "one"),
            ("assistant", "Echo: one"),
            ("user", "deux"),
            ("assistant", "Regenerated."),
            ("user", "three"),
        ]
