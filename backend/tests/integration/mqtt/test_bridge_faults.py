"""The bridge when things break: broker crash and restart, two bridges, status and last will.

The crash and shared-group tests run the real game handler (the fake upstream is the model:
``[fault:delay:x]`` in a message makes it answer x seconds late); the status tests are about
the connection alone and use the harness's stub handler.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import pytest

from app.mqtt.handler import GameHandler
from app.mqtt.settings import MqttSettings
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import (
    WAIT_S,
    GameClient,
    StubHandler,
    game_handler,
    mqtt_settings,
    request,
    running_bridge,
    wait_until,
)

pytestmark = pytest.mark.integration

REPLIES = "maze/assistant_response"
BACKEND_DIR = Path(__file__).resolve().parents[3]
SAVE_PAUSE_S = 0.5  # the broker saves after each change; a moment lets it finish before a kill


async def _crash_and_restart(broker: Broker, down_s: float = 0.0) -> None:
    """SIGKILL the broker and start it again on its port and data folder."""
    await asyncio.sleep(SAVE_PAUSE_S)
    await asyncio.to_thread(broker.stop)
    await asyncio.sleep(down_s)
    await asyncio.to_thread(broker.start)


def _ids(game: GameClient) -> Counter[str]:
    return Counter(str(r.json()["requestId"]) for r in game.on(REPLIES))


class TestBrokerCrash:
    async def test_requests_sent_while_the_bridge_reconnects_are_answered_exactly_once(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        # Plain subscriptions: Mosquitto 2.0 keeps them across its restart (not shared ones).
        # A slow first reconnect, so the requests really arrive while the bridge is away.
        settings = mqtt_settings(
            mosquitto.url, reconnect_min_seconds=4.0, reconnect_max_seconds=8.0
        ).model_copy(update={"share_group": ""})
        game = GameClient(mosquitto.port, client_id="player", session_expiry=600)
        async with (
            game_handler(settings, fake_upstream.url) as handler,
            running_bridge(handler, settings) as bridge,
        ):
            async with game:
                await game.subscribe(f"{REPLIES}/#")
                await game.publish("maze/user_input", request("s1", "before", "before"))
                await game.wait_for(REPLIES, 1)
            await _crash_and_restart(mosquitto)
            await wait_until(lambda: not bridge.connected, "the bridge to notice")
            async with game:  # the same persistent session: its subscription survived
                for n in range(5):
                    await game.publish("maze/user_input", request(f"s{n}", "gap", f"gap{n}"))
                assert not bridge.connected, "the bridge came back too soon to test the gap"
                await game.wait_for(REPLIES, 6)
                await wait_until(lambda: bridge.connected, "the bridge to reconnect")
                await asyncio.sleep(1.0)  # room for a wrong second answer
        assert _ids(game) == Counter(["before", *(f"gap{n}" for n in range(5))])

    async def test_requests_queued_for_the_shared_group_survive_a_broker_crash(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        async with game_handler(settings, fake_upstream.url) as handler:
            await self._queued_requests_survive(mosquitto, handler, settings)

    async def _queued_requests_survive(
        self, mosquitto: Broker, handler: GameHandler, settings: MqttSettings
    ) -> None:
        async with GameClient(mosquitto.port, client_id="player", session_expiry=600) as game:
            await game.subscribe(f"{REPLIES}/#")
            async with running_bridge(handler, settings):
                pass  # the bridge's session and shared subscriptions now exist
            for n in range(3):
                await game.publish("maze/user_input", request(f"s{n}", "queued", f"q{n}"))
        await _crash_and_restart(mosquitto)
        async with running_bridge(handler, settings) as bridge:
            async with game:
                await game.wait_for(REPLIES, 3)
            await _crash_and_restart(mosquitto)  # and once more while it is connected
            await wait_until(lambda: bridge.stats()["connects"] == 2, "the bridge to reconnect")
            async with game:
                await game.publish("maze/user_input", request("s9", "after", "after"))
                await game.wait_for(REPLIES, 4)
                await asyncio.sleep(1.0)  # room for a wrong second answer
        assert _ids(game) == Counter(["q0", "q1", "q2", "after"])

    async def test_a_reply_to_a_request_taken_before_the_crash_is_sent_after_reconnecting(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        game = GameClient(mosquitto.port, client_id="player", session_expiry=600)
        async with (
            game_handler(settings, fake_upstream.url) as handler,
            running_bridge(handler, settings) as bridge,
        ):
            async with game:
                await game.subscribe(f"{REPLIES}/#")
                await game.publish("maze/user_input", request("s1", "[fault:delay:2]", "slow"))
                await wait_until(lambda: bridge.stats()["running"] == 1, "the job to start")
            await _crash_and_restart(mosquitto, down_s=0.5)
            async with game:
                await game.wait_for(REPLIES, 1)
        assert _ids(game) == Counter(["slow"])


class TestSharedGroup:
    async def test_two_bridges_answer_each_request_exactly_once(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        total = 20
        async with (
            game_handler(settings, fake_upstream.url) as first_handler,
            game_handler(settings, fake_upstream.url) as second_handler,
            running_bridge(first_handler, settings, client_id="bridge-1") as first,
            running_bridge(second_handler, settings, client_id="bridge-2") as second,
            GameClient(mosquitto.port) as game,
        ):
            await game.subscribe(f"{REPLIES}/#")
            for n in range(total):
                await game.publish("maze/user_input", request(f"s{n}", "hi", f"r{n}"))
            await game.wait_for(REPLIES, total)
            await asyncio.sleep(1.0)  # room for a wrong second answer
            shares = [int(b.stats()["answered"]) for b in (first, second)]
        assert _ids(game) == Counter(f"r{n}" for n in range(total))
        assert sum(shares) == total
        assert min(shares) > 0, f"one bridge did all the work: {shares}"


class TestStatus:
    async def test_status_is_online_on_every_project_then_offline_after_a_clean_stop(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        async with (
            running_bridge(StubHandler(settings.projects), settings),
            GameClient(mosquitto.port) as watcher,
        ):
            await watcher.subscribe("+/status")
            await watcher.wait_for("maze/status")
            await watcher.wait_for("driving/status")
            online = watcher.received[:]
        assert all(m.retain for m in online)
        assert {m.json()["status"] for m in online} == {"online"}
        assert online[0].json()["service"] == settings.status_service
        async with GameClient(mosquitto.port) as late:
            await late.subscribe("+/status")  # retained: what a game joining now sees
            await late.wait_for("maze/status")
            await late.wait_for("driving/status")
        assert {m.topic: m.json()["status"] for m in late.received} == {
            "maze/status": "offline",
            "driving/status": "offline",
        }

    async def test_the_broker_publishes_offline_when_the_bridge_process_dies(
        self, mosquitto: Broker
    ) -> None:
        bridge = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tests.integration.mqtt.bridge_harness", mosquitto.url, "b1"),
            cwd=BACKEND_DIR,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            assert bridge.stdout is not None
            line = await asyncio.wait_for(bridge.stdout.readline(), WAIT_S)
            assert line.strip() == b"connected"
        finally:
            if bridge.returncode is None:
                bridge.kill()  # no clean DISCONNECT: the broker sends the will
            await bridge.wait()
        async with GameClient(mosquitto.port) as watcher:
            await watcher.subscribe("maze/status")
            await wait_until(
                lambda: any(m.json()["status"] == "offline" for m in watcher.received),
                "the last will on maze/status",
            )
        assert watcher.received[-1].retain
