"""One-shot requests: the caller's body to the model server, its answer back as it came.

The body goes through the raw :class:`~app.llm.LLMClient` methods inside a slot of the gate's
lane, counted against the caller. The server's JSON, or each of its chunks, is passed on as it
came (named with the model the caller asked for only when the server names none) and encoded
once; nothing is re-parsed into models on the way.
"""

import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable

from app.gateway.context import Body, Gateway
from app.gateway.request_log import RequestLog
from app.gateway.schemas import SamplingIn
from app.gateway.wire import DONE, Payload, event
from app.llm.parsing import model_of

Ask = Callable[[Body], Awaitable[Body]]
Open = Callable[[Body], AsyncGenerator[Body, None]]
Prepare = Callable[[], Awaitable[Body]]
"""Builds the upstream body (model check, template): run inside the request's work, so a
refusal there is the response's status and a hang-up cancels it too."""


def label(payload: Body, requested: str) -> None:
    """Name the model that answered: the server's own word for it, else the one asked for."""
    payload["model"] = model_of(payload, requested)


class ChunkRelay:
    """Passes the server's chunks on, usage as the caller asked for it.

    The client always asks the server for usage (the log line needs it). A caller that did
    not ask gets none: the usage-only chunk is dropped, and usage riding on a chunk with
    choices (older llama.cpp) is removed. A caller that did ask gets it as OpenAI sends it: a
    last chunk with usage and no choices, split off when the server sent it with choices.
    """

    def __init__(self, model: str, include_usage: bool, log: RequestLog) -> None:
        self.model = model
        self.include_usage = include_usage
        self.log = log
        self._usage_chunk: Body | None = None

    def pass_on(self, chunk: Body) -> bytes | None:
        label(chunk, self.model)
        usage = chunk.get("usage")
        if usage is not None:
            self.log.note_usage(usage)
            if not chunk.get("choices"):
                return event(chunk) if self.include_usage else None
            del chunk["usage"]
            if self.include_usage:
                head = {name: chunk.get(name) for name in ("id", "object", "created", "model")}
                self._usage_chunk = {**head, "choices": [], "usage": usage}
        return event(chunk)

    def tail(self) -> bytes | None:
        """The usage chunk split off a chunk with choices, to end the stream with."""
        return event(self._usage_chunk) if self._usage_chunk is not None else None


async def relay_stream(
    gateway: Gateway, lane: str, data: SamplingIn, prepare: Prepare, open_chunks: Open
) -> AsyncGenerator[bytes, None]:
    """``prepare`` the body, then relay the server's chunks while holding a gate slot."""
    body = await prepare()
    relay = ChunkRelay(data.model, data.include_usage, gateway.log)
    async with gateway.llm.gate.acquire(lane, gateway.owner):
        chunks = open_chunks(body)
        async with contextlib.aclosing(chunks):
            async for chunk in chunks:
                if (encoded := relay.pass_on(chunk)) is not None:
                    yield encoded
    if (tail := relay.tail()) is not None:
        yield tail
    yield DONE


async def relay_answer(
    gateway: Gateway, lane: str, data: SamplingIn, prepare: Prepare, ask: Ask
) -> Payload:
    """``prepare`` the body, then ask the server while holding a gate slot."""
    body = await prepare()
    async with gateway.llm.gate.acquire(lane, gateway.owner):
        answer = await ask(body)
    label(answer, data.model)
    gateway.log.note_usage(answer.get("usage"))
    return answer
