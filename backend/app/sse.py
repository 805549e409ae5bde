"""The one Server-Sent Events response of the API.

Events: `data: {"delta": "..."}` while text arrives, then `event: done` with the final JSON,
or `event: error` with the error shape. Keep-alive comments every 15 s; `Cache-Control:
no-cache` and `X-Accel-Buffering: no` so proxies pass chunks through. When the client goes
away, sse-starlette cancels the producing task, which closes the upstream LLM stream.
"""

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request

from app.disconnect import cancel_on_disconnect
from app.errors import AppError, app_error_body, llm_error_to_app_error
from app.llm.errors import LLMError

logger = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 15
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def delta_event(text: str) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps({"delta": text}, ensure_ascii=False))


def done_event(payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload, ensure_ascii=False, default=str), event="done")


def error_event(exc: AppError) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(app_error_body(exc)), event="error")


async def _with_error_events(
    events: AsyncIterator[ServerSentEvent],
) -> AsyncIterator[ServerSentEvent]:
    """Expected failures mid-stream become one `error` event instead of a cut connection."""
    try:
        async for event in events:
            yield event
    except LLMError as exc:
        logger.warning("stream ended with LLM error: %s", exc)
        yield error_event(llm_error_to_app_error(exc))
    except AppError as exc:
        yield error_event(exc)


def wants_stream(request: Request, *, stream_field: bool) -> bool:
    """A route streams when the body says `"stream": true` or the client accepts SSE."""
    return stream_field or "text/event-stream" in request.headers.get("accept", "")


async def _chain(
    first: ServerSentEvent, rest: AsyncIterator[ServerSentEvent]
) -> AsyncIterator[ServerSentEvent]:
    try:
        yield first
        async for event in rest:
            yield event
    finally:
        await rest.aclose()  # type: ignore[attr-defined]


async def sse_response(
    request: Request,
    events: AsyncIterator[ServerSentEvent],
    headers: dict[str, str] | None = None,
) -> EventSourceResponse:
    """Stream `events`, but wait for the first one before answering 200.

    Failures that happen before any text (LLM down, capacity exhausted) then get their real
    status code (503 + Retry-After, 429, 504) instead of a 200 followed by an error event.
    """
    try:
        first = await cancel_on_disconnect(request, anext(events))
    except StopAsyncIteration:
        first = None
    except BaseException:
        await events.aclose()  # type: ignore[attr-defined]
        raise
    stream = _chain(first, events) if first is not None else events
    return EventSourceResponse(
        _with_error_events(stream),
        ping=KEEPALIVE_SECONDS,
        headers={**STREAM_HEADERS, **(headers or {})},
    )
