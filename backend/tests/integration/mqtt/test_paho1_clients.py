"""Drop-in compatibility: the bridge serves game clients written for the original worker.

Those clients use paho-mqtt 1.x over MQTT 3.1.1 with no properties, read the reply payload as
raw text, read the hint object at the top level, and name reply topics and session ids the
way shared/spec/mqtt.md § Compatibility lists. Each test here runs such a client for real:
a small script on paho-mqtt 1.6.1, installed in a venv of its own (the project itself runs
paho 2), against the real bridge, game handler and broker, with the fake upstream as the LLM.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.llm.settings import LLMSettings
from app.llm.stack import open_llm
from app.mqtt.handler import GameHandler, KeylessOwners
from app.mqtt.projects import ProjectPrompts
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import mqtt_settings, running_bridge

pytestmark = pytest.mark.integration

PAHO1 = "paho-mqtt==1.6.1"
INSTALL_TIMEOUT_S = 600
CLIENT_TIMEOUT_S = 30.0

# A game client as the ones in use are written: paho 1.x callbacks, MQTT 3.1.1, QoS 1, no
# properties. It runs the steps it is given (publish, wait for messages, pause) and prints
# what it received as one JSON line.
CLIENT_SCRIPT = r"""
import json, sys, threading, time
import paho.mqtt
import paho.mqtt.client as mqtt

spec = json.loads(sys.argv[1])
received, lock, acked = [], threading.Lock(), threading.Semaphore(0)

def on_connect(client, userdata, flags, rc):
    for topic in spec["subscribe"]:
        client.subscribe(topic, qos=1)

def on_subscribe(client, userdata, mid, granted_qos):
    acked.release()

def on_message(client, userdata, msg):
    with lock:
        received.append({"topic": msg.topic, "payload": msg.payload.decode("utf-8", "replace")})

def count(topic):
    with lock:
        return sum(1 for m in received if m["topic"] == topic)

client = mqtt.Client(client_id=spec["client_id"], clean_session=True, protocol=mqtt.MQTTv311)
client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
client.connect("127.0.0.1", spec["port"], keepalive=30)
client.loop_start()
for _ in spec["subscribe"]:
    if not acked.acquire(timeout=spec["timeout"]):
        sys.exit("the broker did not acknowledge a subscription")
for step in spec["steps"]:
    if "publish" in step:
        payload = step["payload"]
        payload = payload if isinstance(payload, str) else json.dumps(payload)
        client.publish(step["publish"], payload, qos=1).wait_for_publish()
    if "wait" in step:
        deadline = time.time() + spec["timeout"]
        while count(step["wait"]) < step.get("count", 1) and time.time() < deadline:
            time.sleep(0.02)
    if "sleep" in step:
        time.sleep(step["sleep"])
client.disconnect()
client.loop_stop()
print(json.dumps({"paho": paho.mqtt.__version__, "protocol": "3.1.1", "received": received}))
"""


@dataclass(frozen=True)
class Paho1Client:
    """Runs :data:`CLIENT_SCRIPT` with the paho 1.x venv's interpreter."""

    python: Path
    script: Path

    async def run(
        self, port: int, *, subscribe: list[str], steps: list[dict[str, Any]]
    ) -> list[dict[str, str]]:
        spec = {
            "port": port,
            "client_id": f"game-{uuid.uuid4().hex[:8]}",
            "subscribe": subscribe,
            "steps": steps,
            "timeout": CLIENT_TIMEOUT_S,
        }
        process = await asyncio.create_subprocess_exec(
            str(self.python),
            str(self.script),
            json.dumps(spec),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        budget = CLIENT_TIMEOUT_S * (1 + len(steps)) + 30
        out, err = await asyncio.wait_for(process.communicate(), budget)
        assert process.returncode == 0, f"the paho 1.x client failed: {err.decode()}"
        report = json.loads(out.decode().strip().splitlines()[-1])
        assert report["paho"].startswith("1."), report["paho"]
        return list(report["received"])


@pytest.fixture(scope="session")
def paho1(tmp_path_factory: pytest.TempPathFactory) -> Paho1Client:
    """paho-mqtt 1.6.1 in a venv of its own (from PyPI, or the configured index)."""
    root = tmp_path_factory.mktemp("paho1")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PAHO1],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_S,
    )
    if install.returncode != 0:
        pytest.fail(f"could not install {PAHO1} into {venv}:\n{install.stderr}", pytrace=False)
    script = root / "paho1_client.py"
    script.write_text(CLIENT_SCRIPT)
    return Paho1Client(python=python, script=script)


@contextlib.asynccontextmanager
async def serving(broker: Broker, upstream: FakeUpstream) -> AsyncIterator[None]:
    """The real bridge and game handler, as the deploy script wires them, on ``broker``."""
    settings = mqtt_settings(broker.url, projects=["maze"])
    async with open_llm(LLMSettings(server_url=upstream.url)) as llm:
        handler = GameHandler(
            sessions=llm.sessions,
            prompts=ProjectPrompts(),
            owners=KeylessOwners(settings.projects),
            settings=settings,
        )
        async with running_bridge(handler, settings):
            yield


def sid() -> str:
    return f"player-{uuid.uuid4().hex[:8]}"


def on(received: list[dict[str, str]], topic: str) -> list[str]:
    return [m["payload"] for m in received if m["topic"] == topic]


def chat_requests(upstream: FakeUpstream) -> list[list[dict[str, Any]]]:
    """The message lists the LLM was sent, in order."""
    return [r.body["messages"] for r in upstream.requests if r.path.endswith("/chat/completions")]


def request_with(upstream: FakeUpstream, user_text: str) -> list[dict[str, Any]]:
    """The message list of the (last) LLM call whose final user message was ``user_text``."""
    calls = [m for m in chat_requests(upstream) if m and m[-1]["content"] == user_text]
    assert calls, f"the LLM never got {user_text!r}"
    return calls[-1]


def system_of(messages: list[dict[str, Any]]) -> str:
    return next(str(m["content"]) for m in messages if m["role"] == "system")


class TestReplies:
    async def test_a_request_without_format_gets_the_raw_text(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        player = sid()
        reply_topic = f"maze/assistant_response/{player}"
        async with serving(mosquitto, fake_upstream):
            received = await paho1.run(
                mosquitto.port,
                subscribe=[reply_topic],
                steps=[
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "hi"},
                    },
                    {"wait": reply_topic},
                ],
            )
        assert on(received, reply_topic) == ["Echo: hi"]

    async def test_a_reply_topic_under_the_project_is_used_verbatim(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        player = sid()
        own_topic = f"maze/assistant_response/{player}/client-7/req-1"
        request = {
            "sessionId": player,
            "clientId": "client-7",
            "requestId": "req-1",
            "replyTopic": own_topic,
            "message": "where now?",
        }
        async with serving(mosquitto, fake_upstream):
            received = await paho1.run(
                mosquitto.port,
                subscribe=["maze/assistant_response/#"],
                steps=[{"publish": "maze/user_input", "payload": request}, {"wait": own_topic}],
            )
        assert on(received, own_topic) == ["Echo: where now?"]
        assert on(received, f"maze/assistant_response/{player}") == []


class TestHints:
    async def test_a_maze_state_gets_the_hint_object_at_the_top_level(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = json.dumps({"hint": "Go right", "path": [[2, 1], [3, 1]]})
        player = sid()
        hint_topic = f"maze/hint/{player}"
        state = {  # the pygame client's dialect: [x, y] positions, 1 = wall
            "sessionId": player,
            "requestId": "step-1",
            "player_pos": [1, 1],
            "exit_pos": [3, 3],
            "visible_map": [
                [1, 1, 1, 1, 1],
                [1, 0, 0, 0, 1],
                [1, 1, 1, 0, 1],
                [1, 0, 0, 0, 1],
                [1, 1, 1, 1, 1],
            ],
        }
        async with serving(mosquitto, fake_upstream):
            received = await paho1.run(
                mosquitto.port,
                subscribe=[hint_topic],
                steps=[{"publish": "maze/state", "payload": state}, {"wait": hint_topic}],
            )
        [payload] = on(received, hint_topic)
        hint = json.loads(payload)
        assert hint["hint"] == "Go right"
        assert hint["path"] == [[2, 1], [3, 1]]
        assert (hint["sessionId"], hint["requestId"]) == (player, "step-1")
        assert "error" not in hint


class TestSessionIds:
    async def test_clear_history_takes_the_id_from_the_topic_suffix(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        player = sid()
        replies = f"maze/assistant_response/{player}"
        async with serving(mosquitto, fake_upstream):
            await paho1.run(
                mosquitto.port,
                subscribe=[replies],
                steps=[
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "m-1"},
                    },
                    {"wait": replies},
                    {"publish": f"maze/clear_history/{player}", "payload": {}},
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "m-2"},
                    },
                    {"wait": replies, "count": 2},
                ],
            )
        contents = [m["content"] for m in request_with(fake_upstream, "m-2")]
        assert "m-1" not in contents, "the history survived clear_history/{sessionId}"

    async def test_clear_history_takes_the_id_from_the_payload(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        player, other = sid(), sid()
        replies = "maze/assistant_response/+"
        async with serving(mosquitto, fake_upstream):
            await paho1.run(
                mosquitto.port,
                subscribe=[replies],
                steps=[
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "p-1"},
                    },
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": other, "message": "o-1"},
                    },
                    {"wait": f"maze/assistant_response/{player}"},
                    {"wait": f"maze/assistant_response/{other}"},
                    {"publish": "maze/clear_history", "payload": {"session_id": player}},
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "p-2"},
                    },
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": other, "message": "o-2"},
                    },
                    {"wait": f"maze/assistant_response/{player}", "count": 2},
                    {"wait": f"maze/assistant_response/{other}", "count": 2},
                ],
            )
        assert "p-1" not in [m["content"] for m in request_with(fake_upstream, "p-2")]
        assert "o-1" in [m["content"] for m in request_with(fake_upstream, "o-2")], (
            "clearing one player's session cleared another's"
        )


class TestTemplates:
    async def test_each_sessions_template_is_used_for_its_own_requests(
        self, paho1: Paho1Client, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        one, two = sid(), sid()
        async with serving(mosquitto, fake_upstream):
            await paho1.run(
                mosquitto.port,
                subscribe=["maze/assistant_response/+"],
                steps=[
                    {"publish": f"maze/template/{one}", "payload": {"template": "You are ONE."}},
                    {
                        "publish": f"maze/template/{two}",
                        "payload": {"system_prompt": "You are TWO."},
                    },
                    {"publish": "maze/user_input", "payload": {"sessionId": one, "message": "q1"}},
                    {"publish": "maze/user_input", "payload": {"sessionId": two, "message": "q2"}},
                    {"wait": f"maze/assistant_response/{one}"},
                    {"wait": f"maze/assistant_response/{two}"},
                ],
            )
        assert system_of(request_with(fake_upstream, "q1")) == "You are ONE."
        assert system_of(request_with(fake_upstream, "q2")) == "You are TWO."

    async def test_a_template_without_a_session_id_is_refused_and_touches_no_session(
        self,
        paho1: Paho1Client,
        mosquitto: Broker,
        fake_upstream: FakeUpstream,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO, logger="app.mqtt")
        player, newcomer = sid(), sid()
        async with serving(mosquitto, fake_upstream):
            await paho1.run(
                mosquitto.port,
                subscribe=["maze/assistant_response/+"],
                steps=[
                    {"publish": f"maze/template/{player}", "payload": {"template": "Mine."}},
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "a-1"},
                    },
                    {"wait": f"maze/assistant_response/{player}"},
                    {"publish": "maze/template", "payload": {"template": "HIJACKED"}},
                    {"publish": "maze/clear_history", "payload": {}},
                    {"publish": "maze/delete_session", "payload": {}},
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": player, "message": "a-2"},
                    },
                    {
                        "publish": "maze/user_input",
                        "payload": {"sessionId": newcomer, "message": "n"},
                    },
                    {"wait": f"maze/assistant_response/{player}", "count": 2},
                    {"wait": f"maze/assistant_response/{newcomer}"},
                ],
            )
        after = request_with(fake_upstream, "a-2")
        assert system_of(after) == "Mine."
        assert "a-1" in [m["content"] for m in after], "a session-less clear reached a session"
        assert system_of(request_with(fake_upstream, "n")) == ProjectPrompts().default_prompt(
            "maze"
        )
        assert not any("HIJACKED" in json.dumps(m) for m in chat_requests(fake_upstream))
        refusals = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        for topic in ("maze/template", "maze/clear_history", "maze/delete_session"):
            assert any(f"{topic} " in line and "missing_session_id" in line for line in refusals), (
                f"the refused {topic} message left no log line"
            )
