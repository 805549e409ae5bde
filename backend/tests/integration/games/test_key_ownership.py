"""Who a game request belongs to, end to end: real API keys, the portal's bridge, a real broker.

A request carrying a key is that user's: its session is stored under the user, and a request
with another key (or none) reaches a different session, so it can neither read nor clear it.
"""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.games.runtime import GamesRuntime
from app.llm.stack import LLMStack
from app.llm.store import SessionKey
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.games.bridged_app import games, settings
from tests.integration.mqtt.bridge_harness import GameClient, request

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
__all__ = ["games", "settings"]  # fixtures shared with the other bridge tests


async def new_key(client: httpx.AsyncClient, account: Account) -> str:
    created = await client.post("/api/keys", json={"name": "game"}, headers=account.headers)
    assert created.status_code == 201, created.text
    key: str = created.json()["key"]
    return key


def asked(message: str, key: str | None, request_id: str, **extra: Any) -> dict[str, Any]:
    body = request("s1", message, request_id, **extra)
    return body if key is None else {**body, "apiKey": key}


async def test_a_key_owns_its_session_and_another_key_cannot_clear_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    games: GamesRuntime,
    mosquitto: Broker,
    fake_upstream: FakeUpstream,
) -> None:
    await register(client)  # the admin
    alice, bob = await register(client), await register(client)
    alice_key, bob_key = await new_key(client, alice), await new_key(client, bob)
    llm: LLMStack = app.state.llm_stack
    alice_session = SessionKey(owner=str(alice.user["id"]), project="maze", session_id="s1")
    async with GameClient(mosquitto.port) as game:
        await game.subscribe("maze/assistant_response/#")
        await game.publish("maze/user_input", asked("remember 42", alice_key, "a1"))
        await game.wait_for("maze/assistant_response/s1", 1)
        record = await llm.sessions.history(alice_session)
        assert record is not None
        assert len(record.messages) == 2

        # Bob's key, and no key at all, name the same session id: neither touches Alice's.
        await game.publish("maze/clear_history/s1", {"apiKey": bob_key})
        await game.publish("maze/delete_session/s1", {})
        await game.publish("maze/user_input", asked("what did I say?", bob_key, "b1"))
        await game.wait_for("maze/assistant_response/s1", 2)
        bob_turn = fake_upstream.requests[-1].body["messages"]
        assert all("remember 42" not in m["content"] for m in bob_turn)
        record = await llm.sessions.history(alice_session)
        assert record is not None
        assert len(record.messages) == 2

        # Alice's own key clears it.
        await game.publish("maze/clear_history/s1", {"apiKey": alice_key})
        await wait_until_gone(llm, alice_session)


async def wait_until_gone(llm: LLMStack, key: SessionKey) -> None:
    for _ in range(200):
        if await llm.sessions.history(key) is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the owner's clear_history did not clear the session")


async def test_a_project_that_needs_keys_refuses_a_keyless_request(
    client: httpx.AsyncClient, games: GamesRuntime, mosquitto: Broker
) -> None:
    async with GameClient(mosquitto.port) as game:
        await game.subscribe("general/assistant_response/#")
        await game.publish("general/user_input", asked("go", None, "r1"))
        (reply,) = await game.wait_for("general/assistant_response/s1")
    assert reply.json()["code"] == "api_key_required"


async def test_a_revoked_key_is_refused(
    client: httpx.AsyncClient, games: GamesRuntime, mosquitto: Broker
) -> None:
    await register(client)
    user = await register(client)
    created = await client.post("/api/keys", json={"name": "g"}, headers=user.headers)
    key, key_id = created.json()["key"], created.json()["id"]
    deleted = await client.delete(f"/api/keys/{key_id}", headers=user.headers)
    assert deleted.status_code == 204
    async with GameClient(mosquitto.port) as game:
        await game.subscribe("maze/assistant_response/#")
        await game.publish("maze/user_input", asked("go", key, "k1"))
        (reply,) = await game.wait_for("maze/assistant_response/s1")
    assert reply.json()["code"] == "invalid_api_key"
