"""A `/v1/chat/completions` request with `session_id`: one turn of a stored portal session.

It is the turn `POST /api/llm/chat/session` runs, through the same library call
(:meth:`SessionManager.stream_turn`: the session's lock, a `chat` slot, history trimmed to the
budget, the storage rules of an admitted turn) and the same prompt rule
(:func:`app.chat.prompts.session_prompt`: a system message or template replaces the session's
prompt or keeps it, so its KV-cache prefix stays). The last user message of `messages` is the
question; the history is the session's, not the rest of `messages` (a client that resends the
whole conversation each time works unchanged). An unknown id starts a session with that id, as
there; `null` starts one with a new id.

The answer is OpenAI's JSON or chunks, made here from the turn's events, with `session_id`
added at the top level of each so the client can continue. A failure after the turn was
admitted names the session in the error object (`error.session_id`).
"""

import contextlib
import uuid
from collections.abc import AsyncGenerator
from dataclasses import asdict, replace
from typing import Any

from pydantic import ValidationError

from app.chat.prompts import session_prompt
from app.chat.schemas import SessionChatRequest
from app.chat.service import session_key
from app.chat.store import SqlSessionStore
from app.gateway.context import Body, Gateway, check_model
from app.gateway.errors import GatewayError, describe, invalid, with_session
from app.gateway.schemas import EXTENSIONS, ChatCompletionRequest, OpenAIMessage
from app.gateway.wire import DONE, ChunkMaker, Payload, event
from app.llm.errors import LLMError
from app.llm.results import GenerationParams, TextDelta
from app.llm.sessions import TurnEvent, TurnResult, TurnStarted
from app.llm.turns import ended_early
from app.llm.write_through import write_through

SAMPLING = frozenset(
    {"temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed"}
)
NOT_SENT = EXTENSIONS | SAMPLING | {"model", "messages", "stream", "stream_options", "n"}
"""Fields a session turn sets itself; the caller's other fields go to the server as given."""
SYSTEM_ROLES = ("system", "developer")
STOPPED = "stop"  # what OpenAI's clients read when the server did not say why it stopped


def _text(message: OpenAIMessage, index: int) -> str:
    """A message's text: a session stores text, not images or tool calls."""
    if isinstance(message.content, str):
        return message.content
    parts = message.content or []
    if not parts or any(part.type != "text" for part in parts):
        raise invalid("A session turn takes text only", param=f"messages.{index}.content")
    return "".join(part.text or "" for part in parts)


def _question_and_prompt(data: ChatCompletionRequest) -> tuple[str, str | None, dict[str, int]]:
    """The last user message, the first system message (if any), and where each came from."""
    places: dict[str, int] = {}
    question: str | None = None
    system: str | None = None
    for index, message in enumerate(data.messages):
        if message.role == "user":
            question, places["message"] = _text(message, index), index
        elif message.role in SYSTEM_ROLES and system is None:
            system, places["system_prompt"] = _text(message, index), index
    if question is None:
        raise invalid("A session turn needs a user message: the question", param="messages")
    return question, system, places


def session_request(data: ChatCompletionRequest) -> SessionChatRequest:
    """The turn as `/api/llm/chat/session` takes it, checked by its rules (length, text)."""
    if (data.n or 1) > 1:
        raise invalid("A session turn has one answer: leave n at 1", param="n")
    if data.tools:
        raise invalid("A session stores text: send tools without session_id", param="tools")
    question, system, places = _question_and_prompt(data)
    fields = {"session_id": data.session_id, "message": question, "system_prompt": system}
    try:
        return SessionChatRequest.model_validate(
            {**fields, "template": data.template, "variables": data.variables}
        )
    except ValidationError as exc:
        location = exc.errors()[0]["loc"]
        field = str(location[0]) if location else ""
        param = f"messages.{places[field]}.content" if field in places else None
        raise GatewayError(replace(describe(exc), param=param)) from exc


def generation_params(data: ChatCompletionRequest, raw: Body) -> GenerationParams:
    stop = [data.stop] if isinstance(data.stop, str) else data.stop
    return GenerationParams(
        temperature=data.temperature,
        top_p=data.top_p,
        max_tokens=data.max_completion_tokens or data.max_tokens,
        stop=stop,
        seed=data.seed,
        # The model asked for: `check_model` found it listed (or the portal's own entry).
        extra={"model": data.model}
        | {name: value for name, value in raw.items() if name not in NOT_SENT},
    )


async def _turn(
    gateway: Gateway, data: ChatCompletionRequest, raw: Body
) -> AsyncGenerator[TurnEvent, None]:
    """The turn's library events; an error after admission names the session."""
    await check_model(gateway, data.model)
    request = session_request(data)
    key = session_key(gateway.user, data.session_id or uuid.uuid4().hex)
    store = SqlSessionStore(gateway.sessionmaker)
    prompt = await session_prompt(
        sessionmaker=gateway.sessionmaker, store=store, user=gateway.user, key=key, data=request
    )
    turn = gateway.llm.sessions.stream_turn(
        key,
        request.message,
        system_prompt=prompt.system_prompt,
        params=generation_params(data, raw),
    )
    started = False
    async with contextlib.aclosing(turn):
        try:
            async for item in turn:
                if isinstance(item, TurnStarted):
                    started = True
                    if prompt.records:
                        await write_through(store.record_template(key, prompt.template))
                yield item
        except LLMError as exc:
            if not started:
                raise
            raise GatewayError(with_session(describe(exc), key.session_id)) from exc


def _usage(result: TurnResult) -> dict[str, Any] | None:
    return asdict(result.usage) if result.usage is not None else None


def _finish_reason(result: TurnResult) -> str:
    return result.finish_reason or STOPPED


async def turn_answer(gateway: Gateway, data: ChatCompletionRequest, raw: Body) -> Payload:
    """The turn read to its end, as one `chat.completion`."""
    events = _turn(gateway, data, raw)
    async with contextlib.aclosing(events):
        async for item in events:
            if isinstance(item, TurnResult):
                usage = _usage(item)
                gateway.log.note_usage(usage)
                maker = ChunkMaker(data.model, {"session_id": item.session_id})
                return maker.completion(item.response, usage, _finish_reason(item))
    raise ended_early()  # pragma: no cover - a turn always ends with its result


async def turn_stream(
    gateway: Gateway, data: ChatCompletionRequest, raw: Body
) -> AsyncGenerator[bytes, None]:
    """The turn as `chat.completion.chunk` events: the role once admitted, then the text."""
    events = _turn(gateway, data, raw)
    maker = ChunkMaker(data.model, {})
    async with contextlib.aclosing(events):
        async for item in events:
            if isinstance(item, TurnStarted):
                maker = ChunkMaker(data.model, {"session_id": item.session_id})
                yield event(maker.chunk({"role": "assistant", "content": ""}))
            elif isinstance(item, TextDelta):
                yield event(maker.chunk({"content": item.text}))
            else:
                usage = _usage(item)
                gateway.log.note_usage(usage)
                yield event(maker.chunk({}, _finish_reason(item)))
                if data.include_usage:
                    yield event(maker.usage_chunk(usage))
    yield DONE
