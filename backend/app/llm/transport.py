"""HTTP to the upstream server: one pooled aiohttp session, JSON by ``orjson``, SSE by hand.

This is all the package needs of an OpenAI-compatible client, and nothing more: bodies are
plain dicts, encoded and decoded once, and nothing is validated into models on the way.
Everything that leaves here is an :class:`~app.llm.errors.LLMError` (or
:class:`EndpointMissing`, for callers that can do without an endpoint), or cancellation.

Deadlines are the caller's: :meth:`Upstream.json` bounds the whole request by its
``budget`` (seconds, also named in the timeout error); a stream is bounded per network read
by one absolute deadline, never by a scope spanning a ``yield``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Collection, Mapping, Sequence
from typing import Any

import aiohttp
import orjson

from .errors import LLMBusy, LLMUnavailable
from .settings import LLMSettings
from .upstream_errors import (
    Sending,
    closed_pool,
    error_detail,
    from_status,
    from_stream_error,
    may_send_again,
    pool_watch,
    resend_if_stale,
    retry_after_of,
    unsendable,
    unusable,
    upstream_errors,
)

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 4.0
"""Idle pooled connections are dropped before llama.cpp's HTTP server and uvicorn close
them (5 s), so a request rarely lands on a connection the server already closed."""
DRAIN_SECONDS = 1.0
"""Wait for the body's end after ``[DONE]``, so the connection goes back to the pool."""
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 8.0
DONE = b"[DONE]"
MISSING_STATUSES = (404, 405, 501)
"""What a server answers for an endpoint it does not have."""
STREAM_TYPES = ("text/event-stream", "application/json", "text/json")
"""Content types of a streamed answer that :meth:`Upstream.events` can read (see
:func:`_is_event_stream`)."""
LINE_LIMIT = 16 << 20
"""The longest line of an event stream (bytes) held while waiting for its end."""
# Stateless (its callbacks write only to each request's own context): one for every pool.
POOL_WATCH = pool_watch()


class EndpointMissing(Exception):
    """The server has no such endpoint; the caller falls back to another."""


class SSEDecoder:
    """Splits a ``text/event-stream`` body into the data of its events.

    Only ``data:`` fields matter to OpenAI-compatible streams; comments and other fields are
    skipped. An event is complete at its blank line; a half event left at the end of a body is
    dropped, as the standard says (the stream was cut, which the missing finish reason tells).
    """

    def __init__(self) -> None:
        self._tail: list[bytes] = []
        self._tail_size = 0
        self._data: list[bytes] = []

    def feed(self, chunk: bytes) -> list[bytes]:
        """The data of every event completed by ``chunk``.

        The start of a line is held in pieces and joined once its end arrives: joining at
        every read would copy a long event (a large tool call) once per read. A line longer
        than :data:`LINE_LIMIT` is a ``ValueError``.
        """
        if b"\n" not in chunk:
            self._hold(chunk)
            return []
        if self._tail:
            chunk = b"".join([*self._tail, chunk])
            self._tail, self._tail_size = [], 0
        lines = chunk.split(b"\n")
        self._hold(lines.pop())
        return self._events(lines)

    def _hold(self, piece: bytes) -> None:
        if not piece:
            return
        self._tail_size += len(piece)
        if self._tail_size > LINE_LIMIT:
            raise ValueError(f"an event stream line is longer than {LINE_LIMIT} bytes")
        self._tail.append(piece)

    def _events(self, lines: list[bytes]) -> list[bytes]:
        events: list[bytes] = []
        for line in lines:
            line = line.removesuffix(b"\r")
            if not line:
                if self._data:
                    events.append(b"\n".join(self._data))
                    self._data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                self._data.append(value[1:] if value.startswith(b" ") else value)
        return events


def _encode_other(value: Any) -> Any:
    """orjson's fallback for what it cannot encode itself: mappings and sequences that are
    not dicts and lists (a message may be any ``Mapping``)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} as JSON")


def _encode(body: dict[str, Any] | None, server_url: str) -> bytes | None:
    """The body as JSON; one that cannot be (nested too deep, an integer past 64 bits) is
    the caller's error, never an unhandled exception."""
    if body is None:
        return None
    try:
        return orjson.dumps(body, default=_encode_other)
    except orjson.JSONEncodeError as exc:
        raise unsendable(server_url, exc) from exc


def _is_event_stream(content_type: str) -> bool:
    """A stream's answer the events reader understands: events, or JSON (an error, or a
    server that ignored ``stream``), whose missing events tell the stream was cut."""
    return content_type in STREAM_TYPES or content_type.endswith("+json")


def _loads_object(data: bytes) -> dict[str, Any]:
    value = orjson.loads(data)
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return value


class Upstream:
    """Requests to one server over one pooled :class:`aiohttp.ClientSession`.

    The session is created on first use (inside the running loop) and closed by
    :meth:`close`, unless the caller handed in its own, which it then closes itself (the
    pool watch is added to its trace configs). A request after :meth:`close` is refused
    rather than opening a pool nobody would close.
    """

    def __init__(
        self, root: str, settings: LLMSettings, session: aiohttp.ClientSession | None = None
    ) -> None:
        self.root = root
        self._settings = settings
        self._session = session
        self._owns_session = session is None
        self._closed = False
        if session is not None and POOL_WATCH not in session.trace_configs:
            session.trace_configs.append(POOL_WATCH)
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        auth = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._get_headers = auth
        self._post_headers = {**auth, "Content-Type": "application/json"}
        # No total: the caller's deadline bounds each request (and each step of a stream).
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.connect_timeout)

    def _client(self) -> aiohttp.ClientSession:
        if self._closed:
            raise closed_pool(self.root)
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._settings.pool_size, keepalive_timeout=KEEPALIVE_SECONDS
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, trace_configs=[POOL_WATCH]
            )
        return self._session

    async def close(self) -> None:
        """Close the pool, unless it belongs to the caller; later requests are refused."""
        self._closed = True
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # --- requests -----------------------------------------------------------------------

    async def _send_once(
        self, method: str, path: str, data: bytes | None
    ) -> aiohttp.ClientResponse:
        session = self._client()
        headers = self._post_headers if data is not None else self._get_headers

        def request(sending: Sending) -> Awaitable[aiohttp.ClientResponse]:
            return session.request(
                method,
                self.root + path,
                data=data,
                headers=headers,
                timeout=self._timeout,
                trace_request_ctx=sending,
            )

        return await resend_if_stale(request, self.root)

    async def _checked(
        self, response: aiohttp.ClientResponse, missing: Collection[int]
    ) -> aiohttp.ClientResponse:
        """The response if its status is a success; else it is read, released and raised."""
        if response.status < 400:
            return response
        try:
            body = await response.read()
        except aiohttp.ClientError:
            body = b""
        finally:
            response.release()
        if response.status in missing:
            raise EndpointMissing(f"{self.root} has no {response.url.path}")
        detail = error_detail(body, response.reason)
        raise from_status(
            response.status, detail, self.root, retry_after=retry_after_of(response.headers)
        )

    async def send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        budget: float,
        missing: Collection[int] = (),
    ) -> aiohttp.ClientResponse:
        """The response once its headers are in and its status is a success; the caller
        reads and closes it. Failures are sent again ``LLM_MAX_RETRIES`` times when a retry
        may cure them (unreachable, 5xx, 429 after its ``Retry-After``), never when the
        server may have worked on the request (that would generate twice)."""
        data = _encode(body, self.root)
        attempt = 0
        while True:
            try:
                with upstream_errors(self.root, budget):
                    return await self._checked(await self._send_once(method, path, data), missing)
            except (LLMUnavailable, LLMBusy) as exc:
                spent = attempt >= self._settings.max_retries or self._closed
                if spent or not may_send_again(exc):
                    raise
                wait = (
                    exc.retry_after
                    if isinstance(exc, LLMBusy)
                    else RETRY_FIRST_SECONDS * 2**attempt
                )
                delay = min(wait, RETRY_MAX_SECONDS)
                attempt += 1
                logger.info("%s; retry %d in %.1f s", exc.log_message, attempt, delay)
                await asyncio.sleep(delay)

    async def json(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        budget: float,
        missing: Collection[int] = (),
    ) -> Any:
        """The decoded JSON answer, the whole request within ``budget`` seconds."""
        with upstream_errors(self.root, budget):
            async with asyncio.timeout(budget):
                response = await self.send(method, path, body, budget=budget, missing=missing)
                # closing() cuts the connection if the read is cancelled, so the server stops.
                with contextlib.closing(response):
                    data = await response.read()
            return orjson.loads(data)

    async def status(self, path: str, *, budget: float) -> int:
        """The HTTP status of ``GET path``, whatever it is; the body is discarded."""
        with upstream_errors(self.root, budget):
            async with asyncio.timeout(budget):
                response = await self._send_once("GET", path, None)
                with contextlib.closing(response):
                    await response.read()
            return response.status

    async def open_stream(
        self,
        path: str,
        body: dict[str, Any],
        *,
        deadline: float,
        budget: float,
        missing: Collection[int] = (),
    ) -> aiohttp.ClientResponse:
        """POST a streaming request; the response once its headers are in, by ``deadline``.

        :meth:`stream` is the safe way to use it: the response must be closed, and closing
        an unfinished one drops its connection, which stops the generation. An answer that
        is neither events nor JSON (a proxy's HTML page) is a bad response, not a cut stream.
        """
        with upstream_errors(self.root, budget):
            async with asyncio.timeout_at(deadline):
                response = await self.send("POST", path, body, budget=budget, missing=missing)
            if not _is_event_stream(response.content_type):
                response.close()
                raise unusable(self.root, f"a stream of content type {response.content_type}")
            return response

    @contextlib.asynccontextmanager
    async def stream(
        self,
        path: str,
        body: dict[str, Any],
        *,
        deadline: float,
        budget: float,
        missing: Collection[int] = (),
    ) -> AsyncIterator[AsyncGenerator[dict[str, Any], None]]:
        """POST a streaming request and hand out its events (see :meth:`events`).

        Leaving the block before the end, by an error, ``aclose()`` of the generator holding
        it or cancellation, closes the response at once: its connection is dropped, which is
        how llama.cpp learns to stop generating.
        """
        response = await self.open_stream(
            path, body, deadline=deadline, budget=budget, missing=missing
        )
        with contextlib.closing(response):
            events = self.events(response, deadline=deadline, budget=budget)
            async with contextlib.aclosing(events):
                yield events

    async def events(
        self, response: aiohttp.ClientResponse, *, deadline: float, budget: float
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Each event of an SSE response as a JSON object, until ``[DONE]`` or the end of the
        body; an ``{"error": …}`` event is raised as the error it names."""
        decoder = SSEDecoder()
        with upstream_errors(self.root, budget):
            while True:
                async with asyncio.timeout_at(deadline):
                    data = await response.content.readany()
                if not data:
                    return
                for event in decoder.feed(data):
                    if event == DONE:
                        await _drain(response)
                        return
                    chunk = _loads_object(event)
                    if "error" in chunk:
                        raise from_stream_error(chunk, self.root)
                    yield chunk


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read the few bytes that end the body after ``[DONE]``, so that the connection is
    reused; a server that keeps it open longer only loses its connection."""
    with contextlib.suppress(TimeoutError, aiohttp.ClientError):
        async with asyncio.timeout(DRAIN_SECONDS):
            while await response.content.readany():
                pass
