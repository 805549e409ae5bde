"""`/api/mqtt/*` without a broker: status, results, the live monitor, and publish refused.

The monitor stream never ends on its own, so those tests run the app under a real uvicorn
and read the stream line by line, as a browser would.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from app.games.runtime import GamesRuntime
from app.games.service import ResultStore
from app.main import create_app
from app.mqtt.messages import GameEvent
from app.mqtt.settings import GAME_PROJECTS
from tests.fixtures.app import free_port
from tests.fixtures.database import clear_tables
from tests.fixtures.factories import Account, register

pytestmark = pytest.mark.integration
WAIT_S = 30


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> Account:
    return await register(client)  # the first account is the admin


@pytest.fixture
async def user(client: httpx.AsyncClient, admin: Account) -> Account:
    return await register(client)


class TestStatus:
    async def test_without_a_broker_the_bridge_is_off(
        self, client: httpx.AsyncClient, user: Account
    ) -> None:
        response = await client.get("/api/mqtt/status", headers=user.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["enabled"] is False
        assert body["connected"] is False
        assert body["broker"] is None
        assert body["projects"] == list(GAME_PROJECTS)
        assert body["keyless_projects"] == []
        assert body["reply_format"] == "text"
        assert all(isinstance(value, int) for value in body["stats"].values())


class TestPublish:
    async def test_without_a_broker_it_answers_503(
        self, client: httpx.AsyncClient, user: Account
    ) -> None:
        body = {"project": "maze", "session_id": "s1", "kind": "user_input", "payload": {}}
        response = await client.post("/api/mqtt/publish", json=body, headers=user.headers)
        assert response.status_code == 503
        assert response.json()["code"] == "mqtt_unavailable"
        assert "Retry-After" in response.headers

    @pytest.mark.parametrize(
        "change",
        [
            {"kind": "template"},
            {"session_id": "a/b"},
            {"session_id": "#"},
            {"session_id": "x" * 129},
            {"project": "maze/user_input"},
            {"payload": "hello"},
            {"extra": 1},
        ],
    )
    async def test_a_malformed_body_is_a_400_naming_the_field(
        self, client: httpx.AsyncClient, user: Account, change: dict[str, Any]
    ) -> None:
        body = {"project": "maze", "session_id": "s1", "kind": "state", "payload": {}, **change}
        response = await client.post("/api/mqtt/publish", json=body, headers=user.headers)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "validation_error"


async def store_result(
    app: FastAPI, *, owner: str, project: str = "maze", session_id: str = "s1", score: int = 0
) -> None:
    await ResultStore(app.state.sessionmaker).store(
        project=project,
        owner=owner,
        session_id=session_id,
        template="Find the exit.",
        payload={"score": score, "won": True, "note": "nul \u0000 inside"},
    )


async def results(
    client: httpx.AsyncClient, account: Account, **query: str | int
) -> list[dict[str, Any]]:
    response = await client.get("/api/mqtt/results", params=query, headers=account.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


class TestResults:
    async def test_a_result_comes_back_as_it_was_sent(
        self, app: FastAPI, client: httpx.AsyncClient, user: Account
    ) -> None:
        await store_result(app, owner=str(user.user["id"]), score=42)
        [result] = await results(client, user)
        assert result["payload"] == {"score": 42, "won": True, "note": "nul \u0000 inside"}
        assert result["template"] == "Find the exit."
        assert (result["project"], result["session_id"]) == ("maze", "s1")
        assert result["owner"] == str(user.user["id"])
        assert result["received_at"].endswith("Z")

    async def test_a_user_sees_their_own_and_keyless_results_an_admin_all(
        self, app: FastAPI, client: httpx.AsyncClient, admin: Account, user: Account
    ) -> None:
        other = await register(client)
        for owner in (str(user.user["id"]), str(other.user["id"]), "mqtt:maze"):
            await store_result(app, owner=owner)
        seen = {result["owner"] for result in await results(client, user)}
        assert seen == {str(user.user["id"]), "mqtt:maze"}
        everyone = {result["owner"] for result in await results(client, admin)}
        assert everyone == {str(user.user["id"]), str(other.user["id"]), "mqtt:maze"}

    async def test_filters_and_limit_newest_first(
        self, app: FastAPI, client: httpx.AsyncClient, user: Account
    ) -> None:
        owner = str(user.user["id"])
        for score in range(5):
            await store_result(app, owner=owner, score=score)
        await store_result(app, owner=owner, session_id="s2", score=10)
        await store_result(app, owner=owner, project="racing", score=20)
        newest = await results(client, user, project="maze", session_id="s1", limit=3)
        assert [result["payload"]["score"] for result in newest] == [4, 3, 2]
        assert [r["payload"]["score"] for r in await results(client, user, project="racing")] == [
            20
        ]

    @pytest.mark.parametrize("query", [{"limit": 201}, {"limit": 0}, {"session_id": "a/b"}])
    async def test_out_of_range_queries_are_refused(
        self, client: httpx.AsyncClient, user: Account, query: dict[str, str | int]
    ) -> None:
        response = await client.get("/api/mqtt/results", params=query, headers=user.headers)
        assert response.status_code == 400


@dataclass
class Served:
    url: str
    app: FastAPI

    @property
    def games(self) -> GamesRuntime:
        runtime: GamesRuntime = self.app.state.games
        return runtime


@pytest.fixture
async def served(settings: Settings, database_url: str) -> AsyncIterator[Served]:
    """The app under a real uvicorn, with the app object at hand to emit events into."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", app)
    server.should_exit = True
    await asyncio.wait_for(task, timeout=WAIT_S)
    await clear_tables(database_url)


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=WAIT_S) as client:
        yield client


def game_event(owner: str, *, session_id: str = "s1", n: int = 0) -> GameEvent:
    return GameEvent(
        kind="hint", project="maze", session_id=session_id, owner=owner, payload={"n": n}
    )


class Watch:
    """An open monitor stream; `next_events` reads the next `event: game` items."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def started(self) -> None:
        """Wait for the first comment: from then on, every emitted event is delivered."""
        async with asyncio.timeout(WAIT_S):
            async for line in self._lines:
                if line.startswith(":"):
                    return

    async def next_events(self, count: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        name = ""
        async with asyncio.timeout(WAIT_S):
            async for line in self._lines:
                if line.startswith("event:"):
                    name = line.removeprefix("event:").strip()
                elif line.startswith("data:") and name == "game":
                    found.append(json.loads(line.removeprefix("data:")))
                    if len(found) == count:
                        return found
        raise AssertionError(f"the stream ended after {found}")


@asynccontextmanager
async def watch(http: httpx.AsyncClient, account: Account, **query: str) -> AsyncIterator[Watch]:
    async with http.stream(
        "GET", "/api/mqtt/events", params=query, headers=account.headers
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Watch(response.aiter_lines())
        await stream.started()
        yield stream


class TestEvents:
    async def test_a_user_sees_their_own_and_keyless_sessions_only(
        self, served: Served, http: httpx.AsyncClient
    ) -> None:
        await register(http)  # the admin
        user = await register(http)
        mine, theirs, keyless = str(user.user["id"]), "999999", "mqtt:maze"
        async with watch(http, user) as stream:
            for n, owner in enumerate((theirs, mine, theirs, keyless)):
                served.games.hub.emit(game_event(owner, n=n))
            events = await stream.next_events(2)
            assert [(event["owner"], event["payload"]["n"]) for event in events] == [
                (mine, 1),
                (keyless, 3),
            ]
            assert set(events[0]) == {"kind", "project", "session_id", "owner", "payload", "at"}

    async def test_an_admin_sees_every_session(
        self, served: Served, http: httpx.AsyncClient
    ) -> None:
        admin = await register(http)
        async with watch(http, admin) as stream:
            served.games.hub.emit(game_event("12345", n=1))
            [event] = await stream.next_events(1)
            assert event["owner"] == "12345"

    async def test_a_watched_session_starts_with_its_recent_events(
        self, served: Served, http: httpx.AsyncClient
    ) -> None:
        await register(http)
        user = await register(http)
        mine = str(user.user["id"])
        served.games.hub.emit(game_event(mine, n=1))
        served.games.hub.emit(game_event(mine, session_id="other", n=2))
        served.games.hub.emit(game_event("999999", n=3))
        async with watch(http, user, project="maze", session_id="s1") as stream:
            served.games.hub.emit(game_event(mine, session_id="other", n=4))
            served.games.hub.emit(game_event(mine, n=5))
            events = await stream.next_events(2)
            assert [event["payload"]["n"] for event in events] == [1, 5]

    async def test_a_hang_up_ends_the_watch(self, served: Served, http: httpx.AsyncClient) -> None:
        user = await register(http)
        async with watch(http, user):
            assert served.games.hub.stats()["watchers"] == 1
        for _ in range(WAIT_S * 20):
            if served.games.hub.stats()["watchers"] == 0:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the watch outlived its client")
