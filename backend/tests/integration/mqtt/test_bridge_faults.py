"""The bridge when things break: broker crash and restart, two bridges, status and last will.

The crash and shared-group tests run the real game handler (the fake upstream is the model:
``[fault:delay:x]`` in a message makes it answer x seconds late); the status tests are about
the connection alone and use the harness's stub handler.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.mqtt.bridge import Bridge, ReplyUndeliverable
from app.mqtt.handler import GameHandler
from app.mqtt.messages import Outgoing
from app.mqtt.settings import MqttSettings
from tests.fixtures.fake_upstream import FakeUpstream, Fault
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

    async def test_the_broker_publishes_offline_on_every_project_when_the_bridge_process_dies(
        self, mosquitto: Broker
    ) -> None:
        projects = ["maze", "driving", "racing"]
        harness = ("-m", "tests.integration.mqtt.bridge_harness", mosquitto.url, "b1", *projects)
        async with GameClient(mosquitto.port) as watcher:
            await watcher.subscribe("+/status")
            bridge = await asyncio.create_subprocess_exec(
                sys.executable, *harness, cwd=BACKEND_DIR, stdout=asyncio.subprocess.PIPE
            )
            try:
                assert bridge.stdout is not None
                line = await asyncio.wait_for(bridge.stdout.readline(), WAIT_S)
                assert line.strip() == b"connected"
                await wait_until(lambda: _last_status(watcher, projects) == {"online"}, "online")
            finally:
                if bridge.returncode is None:
                    bridge.kill()  # no clean DISCONNECT: the broker sends the wills
                await bridge.wait()
            await wait_until(
                lambda: _last_status(watcher, projects) == {"offline"},
                "the last will on every project's status",
            )
        async with GameClient(mosquitto.port) as late:  # what a game joining now sees
            await late.subscribe("+/status")
            await wait_until(lambda: _last_status(late, projects) == {"offline"}, "retained")
        assert all(m.retain for m in late.received)

    async def test_a_lost_status_connection_reconnects_the_bridge_and_comes_back_online(
        self, mosquitto: Broker
    ) -> None:
        settings = mqtt_settings(mosquitto.url)
        async with (
            running_bridge(StubHandler(settings.projects), settings, client_id="b2") as bridge,
            GameClient(mosquitto.port) as watcher,
        ):
            await watcher.subscribe("driving/status")
            await watcher.wait_for("driving/status")
            # Another client taking the line's client id throws the line off the broker.
            async with GameClient(mosquitto.port, client_id="b2-status-driving"):
                await wait_until(lambda: bridge.stats()["connects"] >= 2, "a reconnect")
            await wait_until(lambda: bridge.connected, "the bridge to be back")
            await wait_until(
                lambda: watcher.on("driving/status")[-1].json()["status"] == "online",
                "driving's status back online",
            )
        statuses = [m.json()["status"] for m in watcher.on("driving/status")]
        assert "offline" in statuses, "the lost line's will was not published"


def _last_status(watcher: GameClient, projects: list[str]) -> set[str]:
    """The latest status seen on each project (``missing`` until one came)."""
    latest = dict.fromkeys(projects, "missing")
    for message in watcher.received:
        project = message.topic.removesuffix("/status")
        if project in latest:
            latest[project] = message.json()["status"]
    return set(latest.values())


class TestBrokerAway:
    async def test_a_reply_fails_after_the_wait_and_later_ones_of_the_outage_at_once(
        self, mosquitto: Broker
    ) -> None:
        wait_s = 4.0
        settings = mqtt_settings(mosquitto.url)  # never run: a bridge that is not connected
        bridge = Bridge(StubHandler(settings.projects), settings, publish_wait_seconds=wait_s)
        reply = Outgoing("maze/assistant_response/s1", b"hello")
        with pytest.raises(ReplyUndeliverable):
            await bridge.publish(reply)
        started = time.monotonic()
        with pytest.raises(ReplyUndeliverable):
            await bridge.publish(reply)
        assert time.monotonic() - started < wait_s, "the second reply waited out another wait"
        assert bridge.stats()["dropped"] == 2

    async def test_a_streamed_answer_stops_when_the_broker_stays_away(
        self, mosquitto: Broker, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # One character per chunk, 0.2 s apart: the whole answer would take over a minute.
        monkeypatch.setattr(fake_upstream, "chunk_size", 1)
        fake_upstream.fault = Fault(chunk_delay=0.2)
        settings = mqtt_settings(mosquitto.url)
        async with (
            game_handler(settings, fake_upstream.url, llm_timeout=300) as handler,
            running_bridge(handler, settings, publish_wait_seconds=3) as bridge,
            GameClient(mosquitto.port) as game,
        ):
            await game.subscribe(f"{REPLIES}/#")
            story = request("s1", "a long story " * 30, "r-1", stream=True)
            await game.publish("maze/user_input", story)
            await game.wait_for(f"{REPLIES}/s1", 3)  # the answer is streaming
            await asyncio.to_thread(mosquitto.stop)
            # Well within the model's own deadline (300 s) and the stream's length.
            gone = await fake_upstream.wait_for_disconnect(WAIT_S)
            assert gone is not None, "the model kept generating for a reply nobody gets"
            await wait_until(lambda: bridge.stats()["running"] == 0, "the job to end")
            assert not any(r.json().get("done") for r in game.on(REPLIES))
