"""How `/v1` answers go out: JSON encoded once with orjson, or OpenAI's Server-Sent Events.

A stream is `data: <chunk>` events and a closing `data: [DONE]`, sent by a plain Starlette
streaming response: nothing parses or re-validates a chunk on its way through. The first
chunk is awaited before the response starts, so a request refused before any output (unknown
model, caps, the model down or refusing) gets its real status, as OpenAI answers it; a failure
after that is one `data: {"error": ...}` event (the SDK raises `APIError` from it).

When the client goes away the response cancels its body iterator, and the iterator is closed
here whatever happened, so the upstream request is closed at once (the model stops).
"""

import contextlib
import time
import uuid
from collections.abc import AsyncGenerator, Coroutine, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from app.disconnect import cancel_on_disconnect
from app.gateway.errors import describe, error_event
from app.gateway.request_log import RequestLog

DONE = b"data: [DONE]\n\n"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Payload = dict[str, Any]
Reply = Coroutine[Any, Any, Payload] | AsyncGenerator[bytes, None]
"""What a gateway operation returns: the JSON answer to await, or the stream's events."""


def event(payload: Mapping[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def json_response(payload: Mapping[str, Any]) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


class ChunkMaker:
    """OpenAI-format bodies for an answer the portal made itself (a session turn)."""

    def __init__(self, model: str, extra: Mapping[str, Any]) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model
        self.extra = extra

    def _envelope(self, obj: str, choices: list[Payload]) -> Payload:
        head = {"id": self.id, "object": obj, "created": self.created, "model": self.model}
        return {**head, "choices": choices, **self.extra}

    def chunk(self, delta: Payload, finish_reason: str | None = None) -> Payload:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return self._envelope("chat.completion.chunk", [choice])

    def usage_chunk(self, usage: Payload | None) -> Payload:
        return {**self._envelope("chat.completion.chunk", []), "usage": usage}

    def completion(self, text: str, usage: Payload | None, finish_reason: str) -> Payload:
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        return {**self._envelope("chat.completion", [choice]), "usage": usage}


class EventStream(StreamingResponse):
    """The stream of one answer; closes its events and writes the request's log line."""

    def __init__(self, events: AsyncGenerator[bytes, None], log: RequestLog) -> None:
        super().__init__(events, media_type="text/event-stream", headers=STREAM_HEADERS)
        self._events = events
        self._log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # A cancel that lands while the body waits in `send` leaves the generator
            # suspended at a `yield`: only closing it closes the upstream request.
            await self._events.aclose()
            self._log.finish(self.status_code)


async def _rest(
    first: bytes, events: AsyncGenerator[bytes, None], log: RequestLog
) -> AsyncGenerator[bytes, None]:
    async with contextlib.aclosing(events):
        yield first
        try:
            async for item in events:
                yield item
        except Exception as exc:  # after the 200: the SDK reads an error event, not a cut
            log.outcome = "failed"
            yield error_event(describe(exc))
            return
    log.outcome = "complete"


async def respond(request: Request, log: RequestLog, reply: Reply) -> Response:
    """Send ``reply``; the work is cancelled (and the upstream closed) if the client leaves."""
    if isinstance(reply, AsyncGenerator):
        try:
            first = await cancel_on_disconnect(request, anext(reply))
        except BaseException:
            await reply.aclose()
            raise
        return EventStream(_rest(first, reply, log), log)
    return json_response(await cancel_on_disconnect(request, reply))
