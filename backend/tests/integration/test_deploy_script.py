"""``llamacpp_mqtt_deploy.py`` run as its users run it: a process of its own, flags, signals.

Each test starts the script against a test broker (and the fake upstream, the tiny model or
the embedded llama.cpp), waits for its retained ``online`` status, talks to it as a game does
and stops it the way an operator does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.mqtt.settings import GAME_PROJECTS
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import GameClient, wait_until

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "llamacpp_mqtt_deploy.py"
MAZE_CLIENT = ROOT / "examples" / "maze_client.py"
FLAGS = (
    "--projects", "--server_url", "--server_timeout", "--temperature", "--top_p", "--max_tokens",
    "--max_history_tokens", "--max_concurrent_sessions", "--mqtt_broker", "--mqtt_port",
    "--mqtt_username", "--mqtt_password", "--num_workers", "--skip_thinking",
    "--enable_debug_logging", "--reply_format",
)  # fmt: skip
START_TIMEOUT_S = 60.0
EMBEDDED_START_TIMEOUT_S = 240.0  # loads SmolLM2 (downloaded once, then cached)
SERVING = "MQTT bridge llamacpp-mqtt-deploy connected"
STOP_BUDGET_S = 2.0
STOP_ALLOWED_S = 5.0  # the budget, with room for a loaded test machine


def _clean_env() -> dict[str, str]:
    """The test process's environment without LLM_* / MQTT_* settings: flags decide."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("LLM_", "MQTT_"))}


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc, Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


async def _status(port: int, project: str) -> dict[str, object]:
    """The retained ``P/status`` payload as a newly connected game sees it."""
    async with GameClient(port) as game:
        await game.subscribe(f"{project}/status")
        [message] = await game.wait_for(f"{project}/status")
        return dict(message.json())


@dataclass
class Running:
    """The script's process and everything it has printed so far."""

    process: asyncio.subprocess.Process
    output: list[bytes] = field(default_factory=list)

    @property
    def log(self) -> str:
        return b"".join(self.output).decode(errors="replace")

    def exited(self) -> bool:
        return self.process.returncode is not None

    async def _drain(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.output.append(line)


@contextlib.asynccontextmanager
async def deploy_script(
    broker: Broker,
    args: Sequence[str],
    *,
    project: str = "maze",
    start_timeout: float = START_TIMEOUT_S,
) -> AsyncIterator[Running]:
    """The script serving ``broker``; entered once it announced ``online`` on ``P/status``."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, str(SCRIPT), "--mqtt_port", str(broker.port), *args),
        cwd=ROOT,
        env=_clean_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    running = Running(process)
    drain = asyncio.create_task(running._drain())
    try:
        async with GameClient(broker.port) as watcher:
            await watcher.subscribe(f"{project}/status")

            def online() -> bool:
                seen = [m.json().get("status") for m in watcher.on(f"{project}/status")]
                # The bridge announces online just before it subscribes; its log line says
                # when the subscriptions are in place.
                return ("online" in seen and SERVING in running.log) or running.exited()

            await wait_until(online, "the script to announce online", start_timeout)
        assert not running.exited(), f"the script exited:\n{running.log}"
        yield running
    finally:
        if not running.exited():
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.wait_for(drain, 15)


async def _ask(port: int, project: str, message: str) -> str:
    """Send a ``user_input`` as a game does and return the reply's text."""
    session = f"s-{uuid.uuid4().hex[:8]}"
    replies = f"{project}/assistant_response/{session}"
    async with GameClient(port) as game:
        await game.subscribe(replies)
        await game.publish(f"{project}/user_input", {"sessionId": session, "message": message})
        [reply] = await game.wait_for(replies, 1, 60)
    return reply.payload.decode()


class TestHelp:
    def test_help_lists_every_flag(self) -> None:
        shown = subprocess.run(
            [sys.executable, str(SCRIPT), "--help"],
            cwd=ROOT,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        assert [flag for flag in FLAGS if flag not in shown] == []
        assert "127.0.0.1" in shown, "the broker should default to this machine"

    def test_an_unknown_project_is_refused_at_start(self) -> None:
        run = subprocess.run(
            [sys.executable, str(SCRIPT), "--projects", "maze nosuchgame"],
            cwd=ROOT,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 2
        assert "nosuchgame" in run.stderr


class TestRoundTrip:
    async def test_a_user_input_is_answered_through_the_script(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        args = ["--server_url", fake_upstream.url, "--projects", "maze"]
        async with deploy_script(mosquitto, args):
            reply = await _ask(mosquitto.port, "maze", "hello there")
        assert reply == "Echo: hello there"

    async def test_json_replies_when_the_flag_says_so(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        args = ["--server_url", fake_upstream.url, "--projects", "driving"]
        args += ["--reply_format", "json"]
        async with deploy_script(mosquitto, args, project="driving"):
            reply = json.loads(await _ask(mosquitto.port, "driving", "brake?"))
        assert (reply["response"], reply["done"]) == ("Echo: brake?", True)


class TestStop:
    @pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["sigint", "sigterm"])
    async def test_a_stop_signal_ends_it_promptly_and_says_offline(
        self, mosquitto: Broker, fake_upstream: FakeUpstream, stop: signal.Signals
    ) -> None:
        args = ["--server_url", fake_upstream.url, "--projects", "maze"]
        async with deploy_script(mosquitto, args) as script:
            started = time.monotonic()
            script.process.send_signal(stop)
            await wait_until(script.exited, "the script to exit")
            took = time.monotonic() - started
        assert script.process.returncode == 0, script.log
        assert took < STOP_ALLOWED_S, f"stopping took {took:.2f} s (budget {STOP_BUDGET_S} s)"
        assert (await _status(mosquitto.port, "maze"))["status"] == "offline"
        assert "Traceback" not in script.log


class TestRealModel:
    async def test_every_project_answers_with_the_tiny_model(
        self, mosquitto: Broker, tiny_llama_url: str
    ) -> None:
        args = ["--server_url", tiny_llama_url, "--projects", " ".join(GAME_PROJECTS)]
        args += ["--max_tokens", "16", "--temperature", "0"]
        async with deploy_script(mosquitto, args):
            replies = await asyncio.gather(
                *(_ask(mosquitto.port, project, "Hello, who are you?") for project in GAME_PROJECTS)
            )
        for project, reply in zip(GAME_PROJECTS, replies, strict=True):
            assert reply.strip(), f"{project}: empty reply"
            assert '"error"' not in reply, f"{project}: {reply}"

    async def test_without_a_server_url_it_runs_the_embedded_llm_and_stops_it(
        self, mosquitto: Broker
    ) -> None:
        args = ["--projects", "general", "--max_tokens", "16"]
        async with deploy_script(
            mosquitto, args, project="general", start_timeout=EMBEDDED_START_TIMEOUT_S
        ) as script:
            children = _children(script.process.pid)
            assert children, "no embedded llama.cpp process was started"
            reply = await _ask(mosquitto.port, "general", "Say hello.")
            script.process.send_signal(signal.SIGINT)
            await wait_until(script.exited, "the script to exit")
        assert reply.strip()
        assert script.process.returncode == 0, script.log
        await wait_until(lambda: not any(map(_alive, children)), "llama.cpp to stop", 15)


class TestReferenceGame:
    async def test_the_maze_client_finishes_a_seeded_game_and_posts_its_result(
        self, mosquitto: Broker, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = json.dumps({"hint": "Try going right."})
        session = f"maze-{uuid.uuid4().hex[:8]}"
        args = ["--server_url", fake_upstream.url, "--projects", "maze"]
        async with deploy_script(mosquitto, args), GameClient(mosquitto.port) as watcher:
            await watcher.subscribe(f"maze/result/{session}", f"maze/hint/{session}")
            game = await asyncio.create_subprocess_exec(
                *(sys.executable, str(MAZE_CLIENT), "--broker", mosquitto.url),
                *("--seed", "3", "--size", "9", "--session-id", session, "--hint-timeout", "20"),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            out, err = await asyncio.wait_for(game.communicate(), 300)
            [result] = await watcher.wait_for(f"maze/result/{session}")
        assert game.returncode == 0, err.decode()
        assert out.decode().startswith(f"{session}: won")
        outcome = result.json()
        assert outcome["won"] is True
        assert outcome["sessionId"] == session
        assert 0 < outcome["score"] <= 100
        hints = [m.json() for m in watcher.on(f"maze/hint/{session}")]
        assert len(hints) >= outcome["steps"] > 0
        assert {h.get("hint") for h in hints} == {"Try going right."}
