"""The one Server-Sent Events response of the API, in the portal's or the original clients' format.

Routes hand :func:`sse_response` what their service yields (library events and the final
answer) and a :class:`Wire` that encodes them. The portal's format (:class:`PortalWire`):

    event: session   {"session_id", "created"}   first, for a session turn once admitted
    data: {"delta": "..."}                        while text arrives
    event: done      the final JSON               or
    event: error     the error shape              when the model fails after the stream began

The deprecated aliases speak the original clients' format (:class:`LegacyWire`), which the clients
written for it parse line by line: bare `data:` lines `{"content": ...}`, then `{"done": true}`
or `{"error": ...}`, with the session id inside each object, and no `event:` lines.

Keep-alive comments every 15 s; `Cache-Control: no-cache` and `X-Accel-Buffering: no` so
proxies pass chunks through. When the client goes away, sse-starlette cancels the producing
task, which closes the upstream LLM stream; every generator here closes the one it reads.
"""

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Protocol

from pydantic import BaseModel
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from app.disconnect import cancel_on_disconnect
from app.errors import (
    DATABASE_UNAVAILABLE,
    AppError,
    app_error_body,
    database_error_to_app_error,
    llm_error_to_app_error,
)
from app.llm.errors import LLMError
from app.llm.results import TextDelta
from app.llm.sessions import TurnStarted

logger = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 15
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

StreamItem = ServerSentEvent | TurnStarted | TextDelta | BaseModel
"""What a streaming service yields: ready events, or library events and the final answer."""


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def delta_event(text: str) -> ServerSentEvent:
    return ServerSentEvent(data=_json({"delta": text}))


def done_event(payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=_json(payload), event="done")


def error_event(exc: AppError) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(app_error_body(exc)), event="error")


def session_event(started: TurnStarted) -> ServerSentEvent:
    payload = {"session_id": started.session_id, "created": started.created}
    return ServerSentEvent(data=_json(payload), event="session")


class Wire(Protocol):
    """How one response encodes its items and a failure after the stream began."""

    sep: str | None

    def encode(self, item: StreamItem) -> ServerSentEvent | None:
        """The event for ``item``; ``None`` when this format has nothing to send for it."""
        ...

    def error(self, exc: AppError) -> ServerSentEvent: ...


class PortalWire:
    """The API's own events (see the module docstring)."""

    sep: str | None = None

    def encode(self, item: StreamItem) -> ServerSentEvent | None:
        if isinstance(item, ServerSentEvent):
            return item
        if isinstance(item, TurnStarted):
            return session_event(item)
        if isinstance(item, TextDelta):
            return delta_event(item.text)
        return done_event(item.model_dump(mode="json"))

    def error(self, exc: AppError) -> ServerSentEvent:
        return error_event(exc)


class LegacyWire:
    """The original clients' events: bare `data:` lines, `\\n`-separated as it sent them."""

    sep: str | None = "\n"

    def __init__(self) -> None:
        self._session: dict[str, str] = {}

    def encode(self, item: StreamItem) -> ServerSentEvent | None:
        if isinstance(item, TurnStarted):
            self._session = {"session_id": item.session_id}
            return None
        if isinstance(item, TextDelta):
            return self._data({"content": item.text})
        if isinstance(item, BaseModel):
            return self._data({"done": True, **item.model_dump(mode="json")})
        raise TypeError(f"the original clients' format has no event for {type(item).__name__}")

    def error(self, exc: AppError) -> ServerSentEvent:
        return self._data({"error": exc.message})

    def _data(self, payload: dict[str, Any]) -> ServerSentEvent:
        return ServerSentEvent(data=_json({**payload, **self._session}), sep=self.sep)


async def _encoded(
    items: AsyncIterator[StreamItem], wire: Wire
) -> AsyncGenerator[ServerSentEvent, None]:
    async with contextlib.aclosing(items):  # type: ignore[type-var]  # services yield generators
        async for item in items:
            if (event := wire.encode(item)) is not None:
                yield event


async def _with_error_events(
    events: AsyncGenerator[ServerSentEvent, None], wire: Wire
) -> AsyncGenerator[ServerSentEvent, None]:
    """Expected failures mid-stream become one error event instead of a cut connection."""
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                yield event
        except LLMError as exc:
            logger.warning("stream ended with LLM error: %s", exc)
            yield wire.error(llm_error_to_app_error(exc))
        except AppError as exc:
            yield wire.error(exc)
        except DATABASE_UNAVAILABLE as exc:
            logger.warning("stream ended with the database unavailable: %s", exc)
            yield wire.error(database_error_to_app_error(exc))
        except Exception as exc:  # a bug: still end the stream with an event, not a cut
            logger.exception("stream ended with an unexpected error", exc_info=exc)
            yield wire.error(AppError("Internal server error"))


def wants_stream(request: Request, *, stream_field: bool) -> bool:
    """A route streams when the body says `"stream": true` or the client accepts SSE."""
    return stream_field or "text/event-stream" in request.headers.get("accept", "")


async def _chain(
    first: ServerSentEvent, rest: AsyncGenerator[ServerSentEvent, None]
) -> AsyncGenerator[ServerSentEvent, None]:
    async with contextlib.aclosing(rest):
        yield first
        async for event in rest:
            yield event


async def sse_response(
    request: Request,
    items: AsyncIterator[StreamItem],
    headers: dict[str, str] | None = None,
    *,
    wire: Wire | None = None,
) -> EventSourceResponse:
    """Stream `items` encoded by `wire` (the portal's format by default), but wait for the
    first event before answering 200.

    Failures that happen before it (LLM down, capacity exhausted) then get their real
    status code (503 + Retry-After, 429, 504) instead of a 200 followed by an error event;
    for a session turn that first event is `session`, sent once the turn is admitted.
    """
    wire = wire or PortalWire()
    events = _encoded(items, wire)
    try:
        first = await cancel_on_disconnect(request, anext(events))
    except StopAsyncIteration:
        first = None
    except BaseException:
        await events.aclose()
        raise
    stream = _chain(first, events) if first is not None else events
    return EventSourceResponse(
        _with_error_events(stream, wire),
        ping=KEEPALIVE_SECONDS,
        sep=wire.sep,
        headers={**STREAM_HEADERS, **(headers or {})},
    )
