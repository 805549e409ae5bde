"""`/api/mqtt/*` with the portal's bridge on a real Mosquitto, the LLM a fake upstream.

What a game sees is read by an independent MQTT client (the bridge tests' `GameClient`).
"""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.games.runtime import GamesRuntime
from app.llm.store import SessionKey
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.games.bridged_app import games, settings
from tests.integration.mqtt.bridge_harness import GameClient, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
__all__ = ["games", "settings"]  # fixtures shared with the other bridge tests


@pytest.fixture
async def user(client: httpx.AsyncClient) -> Account:
    await register(client)  # the admin
    return await register(client)


@pytest.fixture
async def game(mosquitto: Broker) -> AsyncIterator[GameClient]:
    async with GameClient(mosquitto.port) as client:
        yield client


async def publish(client: httpx.AsyncClient, account: Account, **body: Any) -> httpx.Response:
    sent = {"project": "general", "session_id": "s1", "kind": "user_input", **body}
    return await client.post("/api/mqtt/publish", json=sent, headers=account.headers)


class TestStatus:
    async def test_a_connected_bridge_says_where_games_connect(
        self, client: httpx.AsyncClient, user: Account, games: GamesRuntime, mosquitto: Broker
    ) -> None:
        body = (await client.get("/api/mqtt/status", headers=user.headers)).json()
        assert (body["enabled"], body["connected"]) == (True, True)
        assert body["broker"] == f"mqtt://127.0.0.1:{mosquitto.port}"
        assert body["projects"] == ["maze", "general"]
        assert body["keyless_projects"] == ["maze"]
        assert body["stats"]["connects"] >= 1


class TestPublish:
    async def test_a_test_message_is_answered_over_the_broker_as_the_user(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        user: Account,
        games: GamesRuntime,
        game: GameClient,
        fake_upstream: FakeUpstream,
    ) -> None:
        fake_upstream.reply = "Turn left."
        await game.subscribe("general/assistant_response/#")
        payload = {"message": "where now?", "sessionId": "ignored", "apiKey": "pp_not_mine"}
        response = await publish(client, user, payload=payload)
        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": True}
        [reply] = await game.wait_for("general/assistant_response/s1")
        assert reply.payload == b"Turn left."
        owner = str(user.user["id"])
        key = SessionKey(owner=owner, project="general", session_id="s1")
        history = await app.state.llm_stack.sessions.history(key)
        assert history is not None
        assert [message.content for message in history.messages][-2:] == [
            "where now?",
            "Turn left.",
        ]
        await wait_until(
            lambda: any(e.kind == "reply" for e in games.hub.recent("general", "s1")),
            "the reply on the monitor",
        )
        assert {event.owner for event in games.hub.recent("general", "s1")} == {owner}

    async def test_a_message_the_handler_refuses_is_a_400_with_its_reason(
        self, client: httpx.AsyncClient, user: Account, games: GamesRuntime
    ) -> None:
        response = await publish(client, user, payload={"no_message": True})
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_request"
        assert "message" in response.json()["error"]

    async def test_a_project_not_served_is_a_400(
        self, client: httpx.AsyncClient, user: Account, games: GamesRuntime
    ) -> None:
        response = await publish(client, user, project="racing", payload={"message": "hi"})
        assert response.status_code == 400
        assert response.json()["code"] == "unknown_project"
        assert response.json()["details"] == ["maze", "general"]


async def new_key(client: httpx.AsyncClient, account: Account) -> str:
    created = await client.post("/api/keys", json={"name": "game"}, headers=account.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


async def listed(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    response = await client.get("/api/mqtt/results", headers=account.headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def results_arrive(client: httpx.AsyncClient, account: Account, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(await listed(client, account)) < count:
        assert time.monotonic() < deadline, "the results were not stored"
        await asyncio.sleep(0.1)


class TestResultsOverMqtt:
    async def test_a_result_sent_with_a_key_is_its_users_alone(
        self, client: httpx.AsyncClient, user: Account, games: GamesRuntime, game: GameClient
    ) -> None:
        other = await register(client)
        key = await new_key(client, user)
        await game.publish(
            "general/result/g1", {"apiKey": key, "score": 7, "won": True, "steps": 31}
        )
        await results_arrive(client, user, 1)
        [result] = await listed(client, user)
        assert result["owner"] == str(user.user["id"])
        assert (result["project"], result["session_id"]) == ("general", "g1")
        assert result["payload"]["score"] == 7
        assert "apiKey" not in result["payload"]
        assert await listed(client, other) == []

    async def test_a_keyless_result_is_seen_by_everyone(
        self, client: httpx.AsyncClient, user: Account, games: GamesRuntime, game: GameClient
    ) -> None:
        await game.publish("maze/result/g2", {"score": 3})
        await results_arrive(client, user, 1)
        [result] = await listed(client, user)
        assert result["owner"] == "mqtt:maze"
