"""Portal templates over MQTT, end to end: the portal's bridge on a real Mosquitto renders a
game's template reference through the templates code, as the request's owner may see it.

`maze` is served without keys (anonymous: shared templates only), `general` only with one
(the key's user: their own templates and shared ones). The model is the recording fake
upstream, so each test reads the system prompt the model was sent.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.games.runtime import GamesRuntime
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.games.bridged_app import games, settings
from tests.integration.mqtt.bridge_harness import WAIT_S, GameClient, request

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
__all__ = ["games", "settings"]  # fixtures shared with the other bridge tests

CONTENT = "Guide {{ name }} through the maze."
VARIABLES = [{"name": "name", "type": "text"}]


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    await register(client)  # the admin
    return await register(client)


@pytest.fixture
async def game(mosquitto: Broker, games: GamesRuntime) -> AsyncIterator[GameClient]:
    async with GameClient(mosquitto.port) as client:
        await client.subscribe("maze/assistant_response/#", "general/assistant_response/#")
        yield client


async def new_key(client: httpx.AsyncClient, account: Account) -> str:
    created = await client.post("/api/keys", json={"name": "game"}, headers=account.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["key"])


async def new_template(
    client: httpx.AsyncClient, owner: Account, visibility: str, content: str = CONTENT
) -> int:
    body = {"title": "Maze guide", "content": content, "variables": VARIABLES}
    created = await client.post(
        "/api/templates", json={**body, "visibility": visibility}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def system_sent(upstream: FakeUpstream) -> str | None:
    messages = upstream.requests[-1].body["messages"]
    return next((m["content"] for m in messages if m["role"] == "system"), None)


async def answer(game: GameClient, topic: str, count: int) -> dict[str, Any]:
    """The ``count``-th reply on ``topic``, as JSON."""
    replies = await game.wait_for(topic, count)
    return dict(replies[count - 1].json())


class TestKeyUser:
    async def test_a_template_message_sets_the_rendered_prompt_and_results_name_it(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        game: GameClient,
        fake_upstream: FakeUpstream,
    ) -> None:
        key = await new_key(client, alice)
        template_id = await new_template(client, alice, "private")
        ref = {"apiKey": key, "template": {"id": template_id, "version": 1}}
        await game.publish("general/template/s1", {**ref, "variables": {"name": "Ann"}})
        await game.publish("general/user_input", {**request("s1", "go", "r1"), "apiKey": key})
        reply = await answer(game, "general/assistant_response/s1", 1)
        assert reply["done"] is True, reply
        assert system_sent(fake_upstream) == "Guide Ann through the maze."

        await game.publish("general/result/s1", {"apiKey": key, "score": 7, "won": True})
        results = await wait_for_results(client, alice)
        assert (results[0]["template_id"], results[0]["template_version"]) == (template_id, 1)
        assert results[0]["template"] == "Guide Ann through the maze."

    async def test_a_request_naming_a_template_uses_it(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        game: GameClient,
        fake_upstream: FakeUpstream,
    ) -> None:
        key = await new_key(client, alice)
        template_id = await new_template(client, alice, "private")
        body = request("s2", "go", "r1", template={"id": template_id}, variables={"name": "Bo"})
        await game.publish("general/user_input", {**body, "apiKey": key})
        reply = await answer(game, "general/assistant_response/s2", 1)
        assert reply["done"] is True, reply
        assert system_sent(fake_upstream) == "Guide Bo through the maze."

    @pytest.mark.parametrize(
        ("variables", "archive", "code"),
        [({}, False, "invalid_variables"), ({"name": "Ann"}, True, "template_archived")],
    )
    async def test_an_unusable_template_is_an_error_reply(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        game: GameClient,
        fake_upstream: FakeUpstream,
        variables: dict[str, Any],
        archive: bool,
        code: str,
    ) -> None:
        key = await new_key(client, alice)
        template_id = await new_template(client, alice, "private")
        if archive:
            deleted = await client.delete(f"/api/templates/{template_id}", headers=alice.headers)
            assert deleted.status_code == 204
        body = request("s3", "go", "r1", template={"id": template_id}, variables=variables)
        await game.publish("general/user_input", {**body, "apiKey": key})
        reply = await answer(game, "general/assistant_response/s3", 1)
        assert reply["code"] == code, reply
        assert fake_upstream.requests == []


class TestKeyless:
    async def test_a_shared_template_is_usable_without_a_key(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        game: GameClient,
        fake_upstream: FakeUpstream,
    ) -> None:
        template_id = await new_template(client, alice, "shared")
        ref = {"template": {"id": template_id}, "variables": {"name": "Cy"}}
        await game.publish("maze/template/k1", ref)
        await game.publish("maze/user_input", request("k1", "go", "r1"))
        reply = await answer(game, "maze/assistant_response/k1", 1)
        assert reply["done"] is True, reply
        assert system_sent(fake_upstream) == "Guide Cy through the maze."

    async def test_a_private_template_is_unknown_without_a_key(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        game: GameClient,
        fake_upstream: FakeUpstream,
    ) -> None:
        template_id = await new_template(client, alice, "private")
        body = request("k2", "go", "r1", template={"id": template_id}, variables={"name": "Cy"})
        await game.publish("maze/user_input", body)
        reply = await answer(game, "maze/assistant_response/k2", 1)
        assert reply["code"] == "unknown_template", reply
        assert fake_upstream.requests == []


async def wait_for_results(client: httpx.AsyncClient, account: Account) -> list[dict[str, Any]]:
    """The results ``account`` sees, once there is one (results are stored asynchronously)."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        response = await client.get(
            "/api/mqtt/results",
            params={"project": "general", "session_id": "s1"},
            headers=account.headers,
        )
        assert response.status_code == 200, response.text
        if response.json() or asyncio.get_running_loop().time() > deadline:
            return list(response.json())
        await asyncio.sleep(0.05)
