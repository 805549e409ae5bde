"""Game requests end to end: a game's own MQTT client, the broker, the bridge, the real game
handler and LLM stack, and the fake upstream as the model (it answers ``Echo: <message>``)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.mqtt.bridge import Bridge
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import (
    GameClient,
    game_handler,
    mqtt_settings,
    request,
    running_bridge,
    wait_until,
)

pytestmark = pytest.mark.integration

REPLIES = "maze/assistant_response"


@pytest.fixture
async def bridge(mosquitto: Broker, fake_upstream: FakeUpstream) -> AsyncIterator[Bridge]:
    settings = mqtt_settings(mosquitto.url)
    async with (
        game_handler(settings, fake_upstream.url) as handler,
        running_bridge(handler, settings) as running,
    ):
        yield running


@pytest.fixture
async def game(mosquitto: Broker, bridge: Bridge) -> AsyncIterator[GameClient]:
    async with GameClient(mosquitto.port) as client:
        await client.subscribe("+/assistant_response/#", "+/replies/#")
        yield client


def _user_messages(upstream: FakeUpstream) -> list[str]:
    return [
        str(m["content"])
        for r in upstream.requests
        if r.path == "/v1/chat/completions"
        for m in r.body["messages"][-1:]
    ]


def _system_prompt_for(upstream: FakeUpstream, message: str) -> str:
    for recorded in upstream.requests:
        messages: list[dict[str, Any]] = recorded.body.get("messages", [])
        if messages and messages[-1]["content"] == message:
            assert messages[0]["role"] == "system"
            return str(messages[0]["content"])
    raise AssertionError(f"the upstream never received {message!r}")


class TestRoundTrip:
    async def test_a_request_without_a_format_is_answered_with_the_text_alone(
        self, game: GameClient
    ) -> None:
        await game.publish("maze/user_input", {"sessionId": "s1", "message": "hello"})
        (reply,) = await game.wait_for(f"{REPLIES}/s1")
        assert reply.payload == b"Echo: hello"

    @pytest.mark.parametrize("project", ["maze", "driving"])
    async def test_a_json_request_gets_the_envelope_with_its_ids(
        self, game: GameClient, project: str
    ) -> None:
        await game.publish(f"{project}/user_input", request("s1", "hello", "r-1"))
        (reply,) = await game.wait_for(f"{project}/assistant_response/s1")
        body = reply.json()
        assert (body["sessionId"], body["requestId"]) == ("s1", "r-1")
        assert (body["response"], body["done"]) == ("Echo: hello", True)
        assert body["usage"]["total_tokens"] > 0

    async def test_an_mqtt5_response_topic_gets_the_reply_with_the_correlation_data(
        self, game: GameClient
    ) -> None:
        await game.publish(
            "maze/user_input",
            {"sessionId": "s1", "message": "hello"},
            response_topic="maze/replies/player-7",
            correlation_data=b"\x00corr-42",
        )
        (reply,) = await game.wait_for("maze/replies/player-7")
        assert reply.correlation_data == b"\x00corr-42"
        assert reply.json()["response"] == "Echo: hello"
        assert game.on(REPLIES) == []

    async def test_a_streamed_answer_comes_in_order_then_done(
        self, game: GameClient, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(fake_upstream, "chunk_size", 3)  # several chunks, whatever the text
        message = "tell me a rather long story"
        await game.publish("maze/user_input", request("s1", message, "r-1", stream=True))
        await wait_until(
            lambda: any(r.json().get("done") for r in game.on(f"{REPLIES}/s1")), "the final reply"
        )
        *chunks, final = [r.json() for r in game.on(f"{REPLIES}/s1")]
        assert len(chunks) > 1
        assert [c["seq"] for c in chunks] == list(range(len(chunks)))
        assert "".join(c["delta"] for c in chunks) == final["response"] == f"Echo: {message}"
        assert (final["done"], final["requestId"]) == (True, "r-1")


class TestOnce:
    async def test_a_redelivered_request_is_answered_once(
        self, game: GameClient, bridge: Bridge, fake_upstream: FakeUpstream
    ) -> None:
        await game.publish("maze/user_input", request("s1", "once", "r-1"))
        await game.publish("maze/user_input", request("s1", "once", "r-1"))
        await game.publish("maze/user_input", request("s1", "twice", "r-2"))
        await game.wait_for(REPLIES, 2)
        await wait_until(lambda: bridge.stats()["duplicates"] == 1, "the duplicate count")
        await asyncio.sleep(0.5)  # room for a wrong second answer
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["r-1", "r-2"]
        assert _user_messages(fake_upstream) == ["once", "twice"]


class TestExpiry:
    async def test_an_expired_request_is_dropped_unanswered(
        self, game: GameClient, bridge: Bridge, fake_upstream: FakeUpstream
    ) -> None:
        late = request("s1", "stale", "r-old", expiresAt=time.time() - 5)
        await game.publish("maze/user_input", late)
        await game.publish("maze/user_input", request("s1", "fresh", "r-new"))
        await game.wait_for(REPLIES)
        await wait_until(lambda: bridge.stats()["expired"] == 1, "the expired count")
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["r-new"]
        assert _user_messages(fake_upstream) == ["fresh"]

    async def test_a_message_expiring_while_the_bridge_is_away_is_never_answered(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        async with game_handler(settings, fake_upstream.url) as handler:
            async with running_bridge(handler, settings):
                pass  # leaves its session (and subscriptions) with the broker
            async with GameClient(mosquitto.port) as game:
                await game.subscribe(f"{REPLIES}/#")
                await game.publish("maze/user_input", request("s1", "gone", "r-1"), expiry=1)
                await game.publish("maze/user_input", request("s1", "kept", "r-2"), expiry=120)
                await asyncio.sleep(2.5)
                async with running_bridge(handler, settings):
                    await game.wait_for(REPLIES)
                    await asyncio.sleep(0.5)
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["r-2"]


ONE_MB = 1024 * 1024
REFUSED = [
    pytest.param(b'{"sessionId": "s1", "message": "unfinished', "malformed_json", id="malformed"),
    pytest.param(
        json.dumps({"sessionId": "s1", "message": "x" * ONE_MB}).encode(),
        "payload_too_large",
        id="one-megabyte",
    ),
    pytest.param(
        json.dumps(
            {"sessionId": "s1", "message": "hi", "replyTopic": "driving/assistant_response/s1"}
        ).encode(),
        "invalid_reply_topic",
        id="foreign-reply-topic",
    ),
]


class TestRefusals:
    @pytest.mark.parametrize(("payload", "code"), REFUSED)
    async def test_a_bad_request_gets_an_error_reply_and_the_next_one_is_answered(
        self, game: GameClient, fake_upstream: FakeUpstream, payload: bytes, code: str
    ) -> None:
        await game.publish("maze/user_input", payload)
        await game.publish("maze/user_input", request("s1", "next", "r-next"))
        first, second = await game.wait_for(f"{REPLIES}/s1", 2)
        assert (first.json()["code"], first.json()["sessionId"]) == (code, "s1")
        assert second.json()["response"] == "Echo: next"
        assert game.on("driving") == []
        assert _user_messages(fake_upstream) == ["next"]

    async def test_a_request_without_a_session_id_is_refused_on_its_response_topic(
        self, game: GameClient, fake_upstream: FakeUpstream
    ) -> None:
        await game.publish(
            "maze/user_input", {"message": "who am I"}, response_topic="maze/replies/x"
        )
        await game.publish("maze/user_input", request("s1", "next", "r-next"))
        (refusal,) = await game.wait_for("maze/replies/x")
        assert refusal.json()["code"] == "missing_session_id"
        (answer,) = await game.wait_for(f"{REPLIES}/s1")
        assert answer.json()["response"] == "Echo: next"
        assert _user_messages(fake_upstream) == ["next"]


class TestTemplates:
    async def test_two_players_templates_never_cross(
        self, game: GameClient, fake_upstream: FakeUpstream
    ) -> None:
        await game.publish("maze/template/p1", {"template": "You are guide A."})
        await game.publish("maze/template/p2", {"template": "You are guide B."})
        # Each session's own order: its template is set before its request runs.
        await game.publish("maze/user_input", request("p1", "from one", "r-1"))
        await game.publish("maze/user_input", request("p2", "from two", "r-2"))
        await game.wait_for(f"{REPLIES}/p1")
        await game.wait_for(f"{REPLIES}/p2")
        assert _system_prompt_for(fake_upstream, "from one") == "You are guide A."
        assert _system_prompt_for(fake_upstream, "from two") == "You are guide B."
