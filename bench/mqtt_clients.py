"""The `mqtt` bench's load generators: game sessions over MQTT, the same request sent straight
to the upstream, and a chat load on the portal's HTTP API.

Every game session is a client of its own (as every game is), connected before the clock
starts; it sends its requests back-to-back, each one the moment the previous one ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import aiomqtt

from portal_client import sse_events

HOST = "127.0.0.1"
PROJECT = "maze"
REQUEST_TIMEOUT_S = 60.0
NO_DELAY = (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
"""Small writes go out at once, as aiohttp does for the direct path. paho leaves Nagle's
algorithm on; then a request written right after the client acknowledged the previous
answer waits for the broker's delayed ACK (about 40 ms on Linux)."""


def message(number: int) -> str:
    """A player's message; a new text every turn, as a game's state is (no count cached)."""
    return f"Move {number}: which way to the exit?"


CONNECT_BATCH = 50


@dataclass(frozen=True)
class Sample:
    """One answered request: seconds from sending it to its first chunk and to its end;
    `turn`: how many requests its session had before it."""

    first_s: float
    full_s: float
    turn: int = 0


@dataclass
class Samples:
    """One load level on one path."""

    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = math.nan

    @property
    def first_s(self) -> list[float]:
        return [sample.first_s for sample in self.samples]

    @property
    def full_s(self) -> list[float]:
        return [sample.full_s for sample in self.samples]

    @property
    def rate(self) -> float:
        return len(self.samples) / self.wall_s if self.wall_s > 0 else math.nan


class RequestFailed(Exception):
    """A request answered with an error, or not a usable answer; the session goes on."""


Ask = Callable[[int], Awaitable[Sample]]


async def closed_loop(asks: Sequence[Ask], per_session: int) -> Samples:
    """Each session sends `per_session` requests back-to-back; all sessions at once. A
    session that times out stops (a late answer could be taken for the next one's)."""
    result = Samples()

    async def session(ask: Ask) -> None:
        for number in range(per_session):
            try:
                result.samples.append(await ask(number))
            except RequestFailed as exc:
                result.errors[str(exc)[:80]] += 1
            except (TimeoutError, aiohttp.ClientError, aiomqtt.MqttError) as exc:
                result.errors[type(exc).__name__] += per_session - number
                return

    started = time.perf_counter()
    await asyncio.gather(*(session(ask) for ask in asks))
    result.wall_s = time.perf_counter() - started
    return result


class GameClient:
    """One player on its own MQTT 5 connection: `user_input` with `stream` and the JSON
    format, a new game (session id) every `turns_per_game` requests, answers read from its
    own `P/assistant_response/{clientId}` (`replyTopic`), so a new game needs no new
    subscription."""

    def __init__(self, port: int, client_id: str, turns_per_game: int) -> None:
        self.client_id = client_id
        self.topic = f"{PROJECT}/assistant_response/{client_id}"
        self.turns_per_game = turns_per_game
        self._client = aiomqtt.Client(
            HOST,
            port,
            identifier=f"bench-{client_id}"[:64],
            protocol=aiomqtt.ProtocolVersion.V5,
            timeout=REQUEST_TIMEOUT_S,
            socket_options=[NO_DELAY],
        )
        self._inbox: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        await self._client.__aenter__()
        await self._client.subscribe(self.topic, qos=1)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait([self._reader])
        with contextlib.suppress(aiomqtt.MqttError):
            await self._client.__aexit__(None, None, None)

    async def _read(self) -> None:
        async for message in self._client.messages:
            payload = message.payload
            data = payload if isinstance(payload, bytes) else str(payload).encode()
            self._inbox.put_nowait((time.perf_counter(), data))  # stamped on arrival

    async def ask(self, number: int) -> Sample:
        game, turn = divmod(number, self.turns_per_game)
        request_id = f"{self.client_id}-{number}"
        body = {
            "sessionId": f"{self.client_id}-g{game}",
            "requestId": request_id,
            "message": message(number),
            "replyTopic": self.topic,
            "stream": True,
            "format": "json",
        }
        started = time.perf_counter()
        await self._client.publish(f"{PROJECT}/user_input", json.dumps(body), qos=1)
        first: float | None = None
        async with asyncio.timeout(REQUEST_TIMEOUT_S):
            while True:
                at, payload = await self._inbox.get()
                reply = _json_object(payload)
                if "delta" in reply:
                    first = at if first is None else first
                elif reply.get("requestId") != request_id:
                    continue  # an answer to an earlier request of this session
                elif "error" in reply:
                    raise RequestFailed(f"{reply.get('code')}: {reply.get('error')}")
                elif reply.get("done"):
                    if first is None:
                        raise RequestFailed("answer without a streamed chunk")
                    return Sample(first - started, at - started, turn)


def _json_object(payload: bytes) -> dict[str, Any]:
    try:
        reply = json.loads(payload)
    except ValueError as exc:
        raise RequestFailed(f"not JSON: {payload[:60]!r}") from exc
    if not isinstance(reply, dict):
        raise RequestFailed(f"not a JSON object: {payload[:60]!r}")
    return reply


@contextlib.asynccontextmanager
async def game_clients(
    port: int, count: int, tag: str, turns_per_game: int
) -> AsyncIterator[list[GameClient]]:
    """`count` connected players with fresh ids; all disconnected at the end."""
    clients = [
        GameClient(port, f"{tag}-{index}-{uuid.uuid4().hex[:8]}", turns_per_game)
        for index in range(count)
    ]
    try:
        for start in range(0, count, CONNECT_BATCH):
            await asyncio.gather(*(c.connect() for c in clients[start : start + CONNECT_BATCH]))
        yield clients
    finally:
        await asyncio.gather(*(client.close() for client in clients))


async def wait_answering(port: int, timeout_s: float) -> None:
    """Until a request on the broker at `port` is answered (the bridge has subscribed)."""
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    async with game_clients(port, 1, "ready", 1) as (client,):
        for number in range(10_000):
            if time.monotonic() > deadline:
                break
            try:
                async with asyncio.timeout(2.0):
                    await client.ask(number)
                return
            except (TimeoutError, RequestFailed) as exc:
                last = str(exc) or type(exc).__name__
    raise RuntimeError(f"nobody answered on the broker at port {port}: {last}")


@dataclass(frozen=True)
class DirectTarget:
    """The upstream's streaming `/v1/chat/completions`, asked what the bridge asks it."""

    session: aiohttp.ClientSession
    url: str
    system_prompt: str

    async def ask(self, number: int) -> Sample:
        messages = [
            {"role": "system", "content": self.system_prompt},
            {"role": "user", "content": message(number)},
        ]
        body = {"model": "fake-model", "messages": messages, "stream": True}
        started = time.perf_counter()
        first: float | None = None
        async with self.session.post(self.url, json=body) as response:
            if response.status != 200:
                raise RequestFailed(f"HTTP {response.status}")
            async for raw in response.content:
                line = raw.strip()
                if line == b"data: [DONE]":
                    if first is None:
                        raise RequestFailed("stream without content")
                    return Sample(first - started, time.perf_counter() - started)
                if first is None and line.startswith(b"data:") and b'"content"' in line:
                    first = time.perf_counter()
        raise RequestFailed("stream ended without [DONE]")


@dataclass
class ChatLoad:
    """`streams` chat turns in flight on the portal at all times, each a new session whose
    upstream answer starts after `hold_s` (a fault directive the fake upstream obeys), until
    `stop()`. The streams start spread over `hold_s`, so turns end (and new ones start)
    at a steady rate rather than in waves; all are open `hold_s` after `start()`."""

    session: aiohttp.ClientSession
    url: str
    headers: dict[str, str]
    streams: int
    hold_s: float
    outcomes: Counter[str] = field(default_factory=Counter)
    open_now: int = 0
    most_open: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        offsets = (index * self.hold_s / self.streams for index in range(self.streams))
        self._tasks = [asyncio.create_task(self._worker(offset)) for offset in offsets]

    async def stop(self) -> None:
        """Let the turns in flight finish (at most about `hold_s`), then return."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def _worker(self, offset_s: float) -> None:
        await asyncio.sleep(offset_s)
        while not self._stop.is_set():
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
            try:
                self.outcomes[await self._turn()] += 1
            finally:
                self.open_now -= 1

    async def _turn(self) -> str:
        body = {
            "session_id": uuid.uuid4().hex,
            "message": f"[fault:delay:{self.hold_s:g}] Tell me about the maze.",
            "stream": True,
        }
        try:
            async with self.session.post(self.url, json=body, headers=self.headers) as response:
                if response.status != 200:
                    return f"HTTP {response.status}"
                async for event in sse_events(response):
                    if event.event in ("done", "error"):
                        return event.event
                return "ended without done"
        except (TimeoutError, aiohttp.ClientError) as exc:
            return type(exc).__name__
