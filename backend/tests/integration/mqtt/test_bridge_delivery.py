"""The bridge's delivery guarantees against a real Mosquitto, with a transport-level handler.

What is checked here is the transport's own contract (order per session, once per request,
never late, bounded, robust, status and will), so the handler is the echoing stub from the
harness: the assertions do not depend on game meaning.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from app.mqtt.bridge import Bridge
from app.mqtt.messages import Incoming, Job
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import (
    WAIT_S,
    GameClient,
    StubHandler,
    mqtt_settings,
    request,
    running_bridge,
    wait_until,
)

pytestmark = pytest.mark.integration

REPLIES = "maze/assistant_response"


def _rid() -> str:
    return uuid.uuid4().hex[:12]


class TestOrdering:
    async def test_one_sessions_requests_are_answered_in_the_order_sent(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url, workers=4)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings), GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", request("s1", "first [fault:delay:0.5]", "a"))
            await game.publish("maze/user_input", request("s1", "second", "b"))
            await game.publish("maze/user_input", request("s1", "third", "c"))
            await game.publish("maze/user_input", request("s2", "other player", "d"))
            replies = await game.wait_for(REPLIES, 4)
        s1 = [r.json()["requestId"] for r in replies if r.topic == f"{REPLIES}/s1"]
        assert s1 == ["a", "b", "c"]
        order = [r.json()["requestId"] for r in replies]
        assert order.index("d") < order.index("a"), "another session waited for s1's slow job"


class TestOnce:
    async def test_a_redelivered_request_is_answered_once(self, mosquitto: Broker) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings) as bridge, GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", request("s1", "hello", "r1"))
            await game.publish("maze/user_input", request("s1", "hello", "r1"))
            await game.publish("maze/user_input", request("s1", "next", "r2"))
            await game.wait_for(REPLIES, 2)
            await wait_until(lambda: bridge.stats()["duplicates"] == 1, "the duplicate count")
            await asyncio.sleep(0.5)  # room for a wrong second answer to show up
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["r1", "r2"]


class TestExpiry:
    async def test_a_request_past_its_expires_at_is_not_answered(self, mosquitto: Broker) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings) as bridge, GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            stale = request("s1", "too late", "old", expiresAt=time.time() - 5)
            await game.publish("maze/user_input", stale)
            await game.publish("maze/user_input", request("s1", "fresh", "new"))
            await game.wait_for(REPLIES, 1)
            await wait_until(lambda: bridge.stats()["expired"] == 1, "the expired count")
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["new"]

    async def test_requests_sent_while_the_bridge_was_away_are_answered_unless_expired(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            async with running_bridge(handler, settings):
                pass  # the broker now keeps the bridge's session and subscriptions
            await game.publish("maze/user_input", request("s1", "short-lived", "x"), expiry=1)
            await game.publish("maze/user_input", request("s1", "kept", "k"))
            await asyncio.sleep(2.5)  # the first one's expiry passes while nobody serves
            async with running_bridge(handler, settings):
                await game.wait_for(REPLIES, 1)
                await asyncio.sleep(0.5)
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["k"]


class TestRobustness:
    async def test_a_handler_that_raises_does_not_stop_the_bridge(self, mosquitto: Broker) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings) as bridge, GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", request("s1", "[raise]", "bug"))
            await game.publish("maze/user_input", request("s1", "after", "ok"))
            await game.wait_for(REPLIES, 1)
            assert bridge.stats()["errors"] == 1
        assert [r.json()["requestId"] for r in game.on(REPLIES)] == ["ok"]

    async def test_an_unreadable_request_gets_the_handlers_error_reply(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings), GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", b"{not json")
            await game.publish("maze/user_input", request("s1", "after", "ok"))
            await game.wait_for(f"{REPLIES}/unknown", 1)
            await game.wait_for(f"{REPLIES}/s1", 1)
        assert game.on(f"{REPLIES}/unknown")[0].json()["code"] == "bad_request"

    async def test_a_full_queue_refuses_more_work_with_a_busy_reply_and_keeps_serving(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url, workers=1, queue_size=2)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings) as bridge, GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", request("s0", "[fault:delay:1.5]", "slow"))
            await wait_until(lambda: bridge.stats()["running"] == 1, "the first job to start")
            for n in range(4):
                await game.publish("maze/user_input", request(f"s{n + 1}", "queued", f"q{n}"))
            await wait_until(lambda: bridge.stats()["dropped"] == 2, "two refusals")
            await game.wait_for(REPLIES, 5)
            await game.publish("maze/user_input", request("s9", "later", "later"))
            await game.wait_for(f"{REPLIES}/s9", 1)
        bodies = [r.json() for r in game.on(REPLIES)]
        answered = sorted(body["requestId"] for body in bodies if "response" in body)
        assert answered == ["later", "q0", "q1", "slow"]
        refused = {body["requestId"]: body for body in bodies if "error" in body}
        assert sorted(refused) == ["q2", "q3"]
        assert {body["code"] for body in refused.values()} == {"busy"}
        assert "again" in refused["q2"]["error"]
        assert [r.topic for r in game.on(REPLIES) if r.json().get("requestId") == "q3"] == [
            f"{REPLIES}/s4"
        ]


class TestInject:
    async def test_an_injected_job_runs_as_the_given_owner_in_the_sessions_order(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        async with running_bridge(handler, settings) as bridge, GameClient(mosquitto.port) as game:
            await game.subscribe(f"{REPLIES}/#")
            await game.publish("maze/user_input", request("s1", "[fault:delay:0.5]", "first"))
            await wait_until(lambda: bridge.stats()["running"] == 1, "the first job to start")
            body = json.dumps(request("s1", "test", "inj")).encode()
            job = handler.accept(Incoming("maze/user_input", body))
            assert isinstance(job, Job)
            await bridge.inject(job, "42")
            replies = await game.wait_for(REPLIES, 2)
        assert [(r.json()["requestId"], r.json()["owner"]) for r in replies] == [
            ("first", "mqtt:maze"),
            ("inj", "42"),
        ]


class TestStop:
    async def test_stopping_does_not_wait_for_running_jobs_and_says_offline(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        handler = StubHandler(settings.projects)
        bridge = Bridge(handler, settings)
        task = asyncio.create_task(bridge.run())
        async with GameClient(mosquitto.port) as game:
            await wait_until(lambda: bridge.connected, "the bridge to connect")
            await game.publish("maze/user_input", request("s1", "[fault:delay:60]", "long"))
            await wait_until(lambda: bridge.stats()["running"] == 1, "the job to start")
            task.cancel()
            # Far below the job's 60 s: a stop (Ctrl-C) must not wait for the model.
            done, _ = await asyncio.wait([task], timeout=WAIT_S)
            assert task in done
            await game.subscribe("maze/status")
            await game.wait_for("maze/status")
        assert game.on("maze/status")[-1].json()["status"] == "offline"
        assert game.on(REPLIES) == []
