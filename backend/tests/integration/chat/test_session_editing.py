"""Renaming, searching, deleting with undo: what the session list shows and what is kept.

Against the fake upstream, on SQLite and PostgreSQL.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select

from app.chat.models import ChatMessage, ChatSession
from app.db import session_scope
from app.main import create_app
from tests.fixtures.app import SettingsFactory
from tests.fixtures.database import clear_tables
from tests.fixtures.factories import Account, register
from tests.integration.chat.chat_api import (
    listed,
    messages_of,
    say,
    session_url,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await register(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await register(client)


async def new_session(http: httpx.AsyncClient, account: Account, message: str) -> str:
    response = await say(http, account, message)
    assert response.status_code == 200, response.text
    return str(response.json()["session_id"])


async def rename(
    http: httpx.AsyncClient, account: Account, session_id: str, title: object
) -> httpx.Response:
    return await http.patch(session_url(session_id), json={"title": title}, headers=account.headers)


class TestRename:
    async def test_the_title_is_trimmed_listed_and_keeps_the_order(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        older = await new_session(client, alice, "first chat")
        newer = await new_session(client, alice, "second chat")
        before = await listed(client, alice)
        response = await rename(client, alice, older, "  Trip plans  ")
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Trip plans"
        assert response.json()["session_id"] == older
        after = await listed(client, alice)
        assert [(s["session_id"], s["title"]) for s in after] == [
            (newer, "second chat"),
            (older, "Trip plans"),
        ]
        assert [s["updated_at"] for s in after] == [s["updated_at"] for s in before]

    async def test_a_new_turn_keeps_the_given_title(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        session_id = await new_session(client, alice, "first chat")
        assert (await rename(client, alice, session_id, "Named")).status_code == 200
        await say(client, alice, "more", session_id=session_id)
        assert [s["title"] for s in await listed(client, alice)] == ["Named"]

    @pytest.mark.parametrize("title", ["", "   ", "x" * 201, None, "nul\x00"])
    async def test_invalid_titles_are_400_and_change_nothing(
        self, client: httpx.AsyncClient, alice: Account, title: object
    ) -> None:
        session_id = await new_session(client, alice, "first chat")
        response = await rename(client, alice, session_id, title)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "validation_error"
        assert [s["title"] for s in await listed(client, alice)] == ["first chat"]

    async def test_two_hundred_characters_fit(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        session_id = await new_session(client, alice, "first chat")
        response = await rename(client, alice, session_id, "y" * 200)
        assert response.status_code == 200
        assert response.json()["title"] == "y" * 200


class TestSearch:
    async def test_matches_title_or_any_message_ignoring_case(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        apples = await new_session(client, alice, "Tell me about apples")
        pears = await new_session(client, alice, "And pears?")
        await say(client, alice, "Which one is sweeter, Quince?", session_id=pears)
        other = await new_session(client, alice, "unrelated")
        await rename(client, alice, other, "Garden PLANS")

        async def found(q: str) -> list[str]:
            return [s["session_id"] for s in await listed(client, alice, q)]

        assert await found("APPLES") == [apples]
        assert await found("quince") == [pears]  # a later message, not the title
        assert await found("echo: and pears") == [pears]  # an answer
        assert await found("garden plans") == [other]  # the given title
        assert await found("question nobody asked") == []
        assert sorted(await found("")) == sorted([apples, pears, other])

    async def test_wildcards_are_taken_literally(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        percent = await new_session(client, alice, "a 100% sure thing")
        await new_session(client, alice, "a plain thing")
        assert [s["session_id"] for s in await listed(client, alice, "%")] == [percent]
        assert await listed(client, alice, "a_plain") == []

    async def test_another_users_sessions_are_not_found(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        await new_session(client, bob, "bob's secret recipe")
        assert await listed(client, alice, "secret recipe") == []
        assert len(await listed(client, bob, "secret recipe")) == 1

    async def test_a_query_over_two_hundred_characters_is_400(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        ok = await client.get(
            "/api/llm/chat/sessions", params={"q": "q" * 200}, headers=alice.headers
        )
        assert ok.status_code == 200
        too_long = await client.get(
            "/api/llm/chat/sessions", params={"q": "q" * 201}, headers=alice.headers
        )
        assert too_long.status_code == 400
        assert too_long.json()["code"] == "validation_error"


class TestHistoryIds:
    async def test_each_message_has_a_stable_id_and_a_status(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        session_id = await new_session(client, alice, "one")
        first = await messages_of(client, alice, session_id)
        await say(client, alice, "two", session_id=session_id)
        second = await messages_of(client, alice, session_id)
        assert second[:2] == first
        ids = [m["id"] for m in second]
        assert all(isinstance(i, int) for i in ids)
        assert ids == sorted(set(ids))
        assert [m["status"] for m in second] == ["complete"] * 4


AppStarter = Callable[..., Awaitable[tuple[FastAPI, httpx.AsyncClient]]]


@pytest.fixture
async def app_with(make_settings: SettingsFactory, database_url: str) -> AsyncIterator[AppStarter]:
    """Starts the app with settings of the test's own: (app, client)."""
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(clear_tables, database_url)

        async def start(**overrides: object) -> tuple[FastAPI, httpx.AsyncClient]:
            application = create_app(make_settings(**overrides))
            await stack.enter_async_context(LifespanManager(application))
            transport = httpx.ASGITransport(app=application)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://portal.test")
            )
            return application, http

        yield start


async def rows(app: FastAPI, account: Account) -> tuple[int, int]:
    """How many sessions and messages the database holds for ``account``, hidden included."""
    owned = ChatSession.owner == str(account.user["id"])
    async with session_scope(app.state.sessionmaker) as session:
        sessions = await session.execute(select(func.count()).where(owned))
        messages = await session.execute(
            select(func.count()).select_from(ChatMessage).join(ChatSession).where(owned)
        )
        return int(sessions.scalar_one()), int(messages.scalar_one())


class TestDeleteAndRestore:
    async def test_deleted_is_hidden_everywhere_until_restored(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        session_id = await new_session(client, alice, "keep me")
        await say(client, alice, "second", session_id=session_id)
        before = await messages_of(client, alice, session_id)
        summary = (await listed(client, alice))[0]
        deleted = await client.delete(session_url(session_id), headers=alice.headers)
        assert deleted.status_code == 204
        assert await listed(client, alice) == []
        assert await listed(client, alice, "keep") == []
        hidden = await client.get(session_url(session_id, "history"), headers=alice.headers)
        assert hidden.status_code == 404
        assert (await rename(client, alice, session_id, "x")).status_code == 404
        again = await client.delete(session_url(session_id), headers=alice.headers)
        assert again.status_code == 404
        restored = await client.post(session_url(session_id, "restore"), headers=alice.headers)
        assert restored.status_code == 200, restored.text
        assert restored.json() == summary
        assert await listed(client, alice) == [summary]
        assert await messages_of(client, alice, session_id) == before
        twice = await client.post(session_url(session_id, "restore"), headers=alice.headers)
        assert twice.status_code == 404

    async def test_after_the_window_restore_is_404_and_the_rows_are_gone(
        self, app_with: AppStarter
    ) -> None:
        app, http = await app_with(chat_undo_seconds=1.5)
        alice = await register(http)
        kept = await new_session(http, alice, "kept")
        gone = await new_session(http, alice, "gone")
        assert await rows(app, alice) == (2, 4)
        assert (await http.delete(session_url(gone), headers=alice.headers)).status_code == 204
        await asyncio.sleep(1.7)
        late = await http.post(session_url(gone, "restore"), headers=alice.headers)
        assert late.status_code == 404
        assert late.json()["code"] == "not_found"
        assert await rows(app, alice) == (1, 2)
        assert [s["session_id"] for s in await listed(http, alice)] == [kept]

    async def test_listing_sweeps_sessions_past_their_window(self, app_with: AppStarter) -> None:
        app, http = await app_with(chat_undo_seconds=0.5)
        alice = await register(http)
        session_id = await new_session(http, alice, "short-lived")
        await http.delete(session_url(session_id), headers=alice.headers)
        assert await rows(app, alice) == (1, 2)  # hidden, still restorable
        await asyncio.sleep(0.7)
        assert await listed(http, alice) == []
        assert await rows(app, alice) == (0, 0)

    async def test_a_turn_sent_to_a_deleted_session_starts_a_new_one(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        session_id = await new_session(client, alice, "old conversation")
        await client.delete(session_url(session_id), headers=alice.headers)
        response = await say(client, alice, "fresh start", session_id=session_id)
        assert response.status_code == 200
        messages = await messages_of(client, alice, session_id)
        assert [m["content"] for m in messages] == ["fresh start", "Echo: fresh start"]
        restore = await client.post(session_url(session_id, "restore"), headers=alice.headers)
        assert restore.status_code == 404
        assert [s["title"] for s in await listed(client, alice)] == ["fresh start"]


class TestOtherUsersSessions:
    async def test_every_session_route_answers_404(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        session_id = await new_session(client, alice, "private")
        message_id = (await messages_of(client, alice, session_id))[0]["id"]
        attempts = {
            "rename": await rename(client, bob, session_id, "mine now"),
            "history": await client.get(session_url(session_id, "history"), headers=bob.headers),
            "regenerate": await client.post(
                session_url(session_id, "regenerate"), json={}, headers=bob.headers
            ),
            "edit": await client.post(
                session_url(session_id, "edit"),
                json={"message_id": message_id, "message": "hijack"},
                headers=bob.headers,
            ),
            "delete": await client.delete(session_url(session_id), headers=bob.headers),
        }
        assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 404)
        await client.delete(session_url(session_id), headers=alice.headers)
        restore = await client.post(session_url(session_id, "restore"), headers=bob.headers)
        assert restore.status_code == 404
        mine = await client.post(session_url(session_id, "restore"), headers=alice.headers)
        assert mine.status_code == 200
        assert [m["content"] for m in await messages_of(client, alice, session_id)] == [
            "private",
            "Echo: private",
        ]
        assert [s["title"] for s in await listed(client, alice)] == ["private"]
