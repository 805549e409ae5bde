"""Test harness for the bridge: a game client that speaks MQTT on its own, and a bridge runner.

``GameClient`` is an independent aiomqtt (paho 2) client, so the tests see exactly what a
game sees on the wire. ``running_bridge`` starts a :class:`Bridge` as a task and always
cancels it. ``StubHandler`` is a transport-level handler (echo with per-session order
records) for the tests that are about delivery, not game meaning; run as a module it serves
a broker from a subprocess, so a test can SIGKILL it and watch the broker's last will.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from app.llm.settings import LLMSettings
from app.llm.stack import open_llm
from app.mqtt.bridge import PUBLISH_WAIT_SECONDS, Bridge, MessageHandler
from app.mqtt.handler import GameHandler, KeylessOwners
from app.mqtt.messages import Incoming, Job, Outgoing, Publisher
from app.mqtt.projects import ProjectPrompts
from app.mqtt.settings import MqttSettings

WAIT_S = 30.0
_DELAY = re.compile(r"\[fault:delay:([\d.]+)\]")


def mqtt_settings(broker_url: str, **overrides: Any) -> MqttSettings:
    """Bridge settings for tests: two projects, keyless, quick reconnects."""
    values: dict[str, Any] = {
        "broker_url": broker_url,
        "projects": ["maze", "driving"],
        "keyless_projects": ["*"],
        "reconnect_min_seconds": 0.2,
        "reconnect_max_seconds": 1.0,
        "workers": 4,
    }
    values.update(overrides)
    return MqttSettings.model_validate(values)


async def wait_until(check: Callable[[], bool], what: str, within: float = WAIT_S) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def running_bridge(
    handler: MessageHandler,
    settings: MqttSettings,
    *,
    client_id: str | None = None,
    publish_wait_seconds: float = PUBLISH_WAIT_SECONDS,
) -> AsyncIterator[Bridge]:
    """A bridge serving until the block ends; entered once it is connected and subscribed."""
    bridge = Bridge(
        handler, settings, client_id=client_id, publish_wait_seconds=publish_wait_seconds
    )
    task = asyncio.create_task(bridge.run())
    try:
        await wait_until(lambda: bridge.connected or task.done(), "the bridge to connect")
        if task.done():
            task.result()  # raises what stopped it
        yield bridge
    finally:
        task.cancel()
        await asyncio.wait([task])


@contextlib.asynccontextmanager
async def game_handler(
    settings: MqttSettings, llm_url: str, *, llm_timeout: float = 30
) -> AsyncIterator[GameHandler]:
    """The real game handler over the real LLM stack, keyless, as the deploy script runs it."""
    async with open_llm(LLMSettings(server_url=llm_url, timeout=llm_timeout)) as llm:
        yield GameHandler(
            sessions=llm.sessions,
            prompts=ProjectPrompts(),
            owners=KeylessOwners(settings.projects),
            settings=settings,
        )


@dataclass(frozen=True)
class Received:
    """One message as the game received it."""

    topic: str
    payload: bytes
    retain: bool
    properties: Properties | None

    def json(self) -> Any:
        return json.loads(self.payload)

    @property
    def correlation_data(self) -> bytes | None:
        return getattr(self.properties, "CorrelationData", None)


@dataclass
class GameClient:
    """A game's own MQTT 5 connection; everything it receives lands in ``received``."""

    port: int
    client_id: str = field(default_factory=lambda: f"game-{uuid.uuid4().hex[:8]}")
    session_expiry: int | None = None  # set: a persistent session (clean_start false)
    received: list[Received] = field(default_factory=list)
    _client: aiomqtt.Client | None = None
    _reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> GameClient:
        props = None
        if self.session_expiry is not None:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = self.session_expiry
        self._client = aiomqtt.Client(
            "127.0.0.1",
            self.port,
            identifier=self.client_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=self.session_expiry is None,
            properties=props,
            timeout=WAIT_S,
        )
        await self._client.__aenter__()
        self._reader = asyncio.create_task(self._read(self._client))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait([self._reader])
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.__aexit__(None, None, None)

    async def _read(self, client: aiomqtt.Client) -> None:
        with contextlib.suppress(aiomqtt.MqttError):
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                self.received.append(
                    Received(message.topic.value, payload, message.retain, message.properties)
                )

    @property
    def client(self) -> aiomqtt.Client:
        assert self._client is not None, "use the game client in `async with`"
        return self._client

    async def subscribe(self, *filters: str) -> None:
        for topic in filters:
            await self.client.subscribe(topic, qos=1)

    async def publish(
        self,
        topic: str,
        payload: dict[str, Any] | bytes | str,
        *,
        response_topic: str | None = None,
        correlation_data: bytes | None = None,
        expiry: int | None = None,
        user_properties: list[tuple[str, str]] | None = None,
    ) -> None:
        data = json.dumps(payload).encode() if isinstance(payload, dict) else payload
        props = Properties(PacketTypes.PUBLISH)
        if response_topic is not None:
            props.ResponseTopic = response_topic
        if correlation_data is not None:
            props.CorrelationData = correlation_data
        if expiry is not None:
            props.MessageExpiryInterval = expiry
        for name, value in user_properties or ():
            props.UserProperty = (name, value)
        await self.client.publish(topic, data, qos=1, properties=props)

    def on(self, prefix: str) -> list[Received]:
        """Messages received on ``prefix`` or below it."""
        return [m for m in self.received if m.topic == prefix or m.topic.startswith(prefix + "/")]

    async def wait_for(self, prefix: str, count: int = 1, within: float = WAIT_S) -> list[Received]:
        await wait_until(
            lambda: len(self.on(prefix)) >= count, f"{count} message(s) on {prefix}", within
        )
        return self.on(prefix)


def request(
    session_id: str, message: str, request_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A JSON-format user_input request, as a game sends it."""
    body: dict[str, Any] = {"sessionId": session_id, "message": message, "format": "json"}
    if request_id is not None:
        body["requestId"] = request_id
    body.update(extra)
    return body


@dataclass
class StubHandler:
    """Echoes ``user_input`` in the reply envelope's shape; records what ran, in order.

    The text ``[fault:delay:x]`` makes a job take ``x`` seconds, like the fake upstream.
    """

    projects: list[str]
    name: str = "stub"
    runs: list[tuple[str, str]] = field(default_factory=list)  # (session, message)

    def subscriptions(self) -> list[str]:
        return [f"{project}/user_input" for project in self.projects]

    def accept(self, message: Incoming) -> Job | Outgoing | None:
        project = message.topic.split("/")[0]
        try:
            body = json.loads(message.payload)
            session = str(body["sessionId"])
        except (ValueError, KeyError, TypeError):
            error = {"error": "unreadable request", "code": "bad_request"}
            return Outgoing(f"{project}/assistant_response/unknown", json.dumps(error).encode())
        request_id = body.get("requestId")
        return Job(
            project=project,
            kind="user_input",
            session_id=session,
            ordering_key=f"{project}/{session}",
            dedup_key=f"{project}/{session}/{request_id}" if request_id else None,
            expires_at=body.get("expiresAt", message.expires_at),
            message=message,
            request=body,
        )

    async def run(self, job: Job, publisher: Publisher) -> None:
        await self._answer(job, publisher, owner=f"mqtt:{job.project}")

    async def run_as(self, job: Job, owner: str, publisher: Publisher) -> None:
        await self._answer(job, publisher, owner=owner)

    def refusal(self, job: Job, code: str, message: str) -> Outgoing:
        body = {"error": message, "code": code, "requestId": job.request.get("requestId")}
        return Outgoing(_reply_topic(job), json.dumps(body).encode(), job.message.correlation_data)

    async def _answer(self, job: Job, publisher: Publisher, *, owner: str) -> None:
        text = str(job.request.get("message", ""))
        delay = _DELAY.search(text)
        if delay:
            await asyncio.sleep(float(delay.group(1)))
        if "[raise]" in text:
            raise RuntimeError("a handler bug")
        self.runs.append((job.session_id, text))
        reply = {
            "sessionId": job.session_id,
            "requestId": job.request.get("requestId"),
            "response": f"Echo: {text}",
            "done": True,
            "by": self.name,
            "owner": owner,
        }
        await publisher.publish(
            Outgoing(_reply_topic(job), json.dumps(reply).encode(), job.message.correlation_data)
        )


def _reply_topic(job: Job) -> str:
    return job.message.response_topic or f"{job.project}/assistant_response/{job.session_id}"


async def _serve(broker_url: str, client_id: str, projects: list[str]) -> None:
    settings = mqtt_settings(broker_url, projects=projects)
    bridge = Bridge(StubHandler(settings.projects), settings, client_id=client_id)
    task = asyncio.create_task(bridge.run())
    await wait_until(lambda: bridge.connected, "the bridge to connect")
    print("connected", flush=True)  # noqa: T201  # the parent test waits for this line
    await task


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve a test broker with the stub handler.")
    parser.add_argument("broker_url")
    parser.add_argument("client_id")
    parser.add_argument("projects", nargs="+")
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(arguments.broker_url, arguments.client_id, arguments.projects))
    sys.exit(0)
