"""Chat over HTTP: one-shot answers and turns of stored sessions, JSON or streamed.

Streaming functions yield the library's events (:class:`TurnStarted`, :class:`TextDelta`)
and then the final answer; the route's SSE wire format encodes them. A non-streamed session
turn is the streamed one, read to its end, so both store a turn the same way: nothing when it
is refused, the question once it is admitted, the answer (maybe partial) when it ends. An
error after admission names the session in `details.session_id`. Regenerate and edit are such
turns too, rewriting the end of the history (`SessionManager.stream_rewrite`).

Titles, message ids, search and the undo of a delete are read from and written to the SQL
record directly (`SqlSessionStore`); a delete goes through the manager so that caches drop
the session too. See `docs/decisions/2026-11-29_chat_history_editing.md`.

A turn may name a prompt template instead of a system prompt (:mod:`app.chat.prompts`): it is
rendered before the turn asks the gate, and a session turn records it once it is admitted.
"""

import contextlib
import uuid
from collections.abc import AsyncGenerator, Callable, Coroutine
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.chat.prompts import one_shot_messages, session_prompt
from app.chat.schemas import (
    ChatRequest,
    ChatResponse,
    EditRequest,
    HistoryMessageRead,
    LLMHealthRead,
    RegenerateRequest,
    SamplingFields,
    SessionChatRequest,
    SessionChatResponse,
    SessionHistoryRead,
    SessionSummaryRead,
    SessionTemplateRead,
    SessionTitleUpdate,
)
from app.chat.session_templates import TemplateUse
from app.chat.store import ChatSummary, SqlSessionStore
from app.db import utcnow
from app.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotFound,
    llm_error_to_app_error,
)
from app.llm.client import LLMClient
from app.llm.errors import LLMError
from app.llm.limits import ConcurrencyGate
from app.llm.results import ChatResult, GenerationParams, TextDelta, cache_n
from app.llm.sessions import (
    Rewind,
    SessionManager,
    SessionNotFound,
    TurnEvent,
    TurnResult,
    TurnStarted,
)
from app.llm.store import SessionKey, SessionRecord, SessionSummary
from app.llm.write_through import write_through

CHAT_PROJECT = "chat"
"""Sessions made in the browser or over REST; game clients use their game's project."""


def owner_of(user: Principal) -> str:
    return str(user.id)


def session_key(user: Principal, session_id: str) -> SessionKey:
    return SessionKey(owner=owner_of(user), project=CHAT_PROJECT, session_id=session_id)


def generation_params(data: SamplingFields) -> GenerationParams:
    return GenerationParams(
        temperature=data.temperature, top_p=data.top_p, max_tokens=data.max_tokens
    )


def _usage(result: ChatResult | TurnResult) -> dict[str, int] | None:
    return asdict(result.usage) if result.usage is not None else None


def chat_response(result: ChatResult) -> ChatResponse:
    return ChatResponse.model_validate(
        {
            "response": result.text,
            "model": result.model,
            "usage": _usage(result),
            "timings": dict(result.timings) if result.timings else None,
            "finish_reason": result.finish_reason,
            "cache_n": cache_n(result.timings),
        }
    )


def turn_response(result: TurnResult) -> SessionChatResponse:
    return SessionChatResponse.model_validate(
        {
            "session_id": result.session_id,
            "response": result.response,
            "model": result.model,
            "usage": _usage(result),
            "timings": dict(result.timings) if result.timings else None,
            "cache_n": cache_n(result.timings),
        }
    )


Sessionmaker = async_sessionmaker[AsyncSession]


async def chat_once(
    *,
    client: LLMClient,
    gate: ConcurrencyGate,
    sessionmaker: Sessionmaker,
    user: Principal,
    data: ChatRequest,
) -> ChatResponse:
    messages = await one_shot_messages(sessionmaker, user, data)  # before the gate
    async with gate.acquire("chat", owner_of(user)):
        result = await client.chat(messages, generation_params(data))
    return chat_response(result)


async def stream_chat_once(
    *,
    client: LLMClient,
    gate: ConcurrencyGate,
    sessionmaker: Sessionmaker,
    user: Principal,
    data: ChatRequest,
) -> AsyncGenerator[TextDelta | ChatResponse, None]:
    messages = await one_shot_messages(sessionmaker, user, data)  # before the gate
    async with gate.acquire("chat", owner_of(user)):
        events = client.stream(messages, generation_params(data))
        async with contextlib.aclosing(events):
            async for event in events:
                yield event if isinstance(event, TextDelta) else chat_response(event)


def _failed_in_session(exc: LLMError, session_id: str) -> AppError:
    """An error after admission: the question is stored, so say in which session."""
    error = llm_error_to_app_error(exc)
    error.details = {"session_id": session_id}
    return error


SessionTurnEvent = TurnStarted | TextDelta | SessionChatResponse


async def _turn_events(
    events: AsyncGenerator[TurnEvent, None],
    on_admitted: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> AsyncGenerator[SessionTurnEvent, None]:
    """A turn's library events as the API sends them, errors mapped as documented.

    ``on_admitted`` runs once the turn is admitted (its question stored), before the
    ``session`` event goes out, and finishes even if the client leaves meanwhile.
    """
    started: TurnStarted | None = None
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                if isinstance(event, TurnStarted):
                    started = event
                    if on_admitted is not None:
                        await write_through(on_admitted())
                yield turn_response(event) if isinstance(event, TurnResult) else event
        except SessionNotFound as exc:
            raise NotFound("Session not found") from exc
        except LLMError as exc:
            if started is None:
                raise
            raise _failed_in_session(exc, started.session_id) from exc


async def turn_answer(events: AsyncGenerator[SessionTurnEvent, None]) -> SessionChatResponse:
    """A non-streamed turn: the streamed one, read to its end."""
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, SessionChatResponse):
                return event
    raise RuntimeError("the turn ended without an answer")  # pragma: no cover


async def stream_session_turn(
    *,
    manager: SessionManager,
    store: SqlSessionStore,
    sessionmaker: Sessionmaker,
    user: Principal,
    data: SessionChatRequest,
) -> AsyncGenerator[SessionTurnEvent, None]:
    """One session turn; a template is rendered first, before the turn asks the gate."""
    key = session_key(user, data.session_id or uuid.uuid4().hex)
    prompt = await session_prompt(
        sessionmaker=sessionmaker, store=store, user=user, key=key, data=data
    )

    async def record() -> None:
        await store.record_template(key, prompt.template)

    turn = manager.stream_turn(
        key, data.message, system_prompt=prompt.system_prompt, params=generation_params(data)
    )
    events = _turn_events(turn, record if prompt.records else None)
    async with contextlib.aclosing(events):
        async for event in events:
            yield event


async def _after_last_question(record: SessionRecord) -> int:
    """A regenerate keeps everything up to the last question, which is answered again."""
    for index in range(len(record.messages) - 1, -1, -1):
        if record.messages[index].role == "user":
            return index + 1
    raise Conflict("This chat has no question to answer again", code="nothing_to_regenerate")


def _before_question(store: SqlSessionStore, key: SessionKey, message_id: int) -> Rewind:
    """An edit keeps what came before question ``message_id``, found under the turn's lock."""

    async def rewind(_: SessionRecord) -> int:
        place = await store.place_of(key, message_id)
        if place is None:
            raise NotFound("Message not found in this session", code="message_not_found")
        if place.role != "user":
            raise BadRequest(
                "Only your own messages can be edited",
                details=[{"field": "message_id", "message": "is not one of your messages"}],
            )
        return place.index

    return rewind


def stream_regenerate(
    *, manager: SessionManager, user: Principal, session_id: str, data: RegenerateRequest
) -> AsyncGenerator[SessionTurnEvent, None]:
    events = manager.stream_rewrite(
        session_key(user, session_id), _after_last_question, None, params=generation_params(data)
    )
    return _turn_events(events)


def stream_edit(
    *,
    manager: SessionManager,
    store: SqlSessionStore,
    user: Principal,
    session_id: str,
    data: EditRequest,
) -> AsyncGenerator[SessionTurnEvent, None]:
    key = session_key(user, session_id)
    rewind = _before_question(store, key, data.message_id)
    return _turn_events(
        manager.stream_rewrite(key, rewind, data.message, params=generation_params(data))
    )


async def read_history(
    *, store: SqlSessionStore, user: Principal, session_id: str
) -> SessionHistoryRead:
    stored = await store.history(session_key(user, session_id))
    if stored is None:
        raise NotFound("Session not found")
    record = stored.record
    return SessionHistoryRead(
        session_id=session_id,
        system_prompt=record.system_prompt or None,
        template=_template_read(stored.template),
        messages=[
            HistoryMessageRead(
                id=message_id,
                role=m.role,
                content=m.content,
                created_at=m.created_at,
                status=m.status,
            )
            for message_id, m in zip(stored.message_ids, record.messages, strict=True)
        ],
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def _template_read(use: TemplateUse | None) -> SessionTemplateRead | None:
    if use is None:
        return None
    return SessionTemplateRead(
        id=use.template_id, version=use.version, label=use.label, title=use.title
    )


def _summary_read(summary: SessionSummary) -> SessionSummaryRead:
    template = summary.template if isinstance(summary, ChatSummary) else None
    return SessionSummaryRead(
        session_id=summary.key.session_id,
        title=summary.title,
        message_count=summary.message_count,
        created_at=summary.created_at,
        updated_at=summary.updated_at,
        template=_template_read(template),
    )


def _undo_start(undo_seconds: float) -> datetime:
    """Sessions deleted before this moment are past their undo window."""
    return utcnow() - timedelta(seconds=undo_seconds)


async def list_sessions(
    *, store: SqlSessionStore, user: Principal, query: str | None, undo_seconds: float
) -> list[SessionSummaryRead]:
    await store.purge_deleted(deleted_before=_undo_start(undo_seconds))
    summaries = await store.list(owner_of(user), CHAT_PROJECT, query=query or None)
    return [_summary_read(s) for s in summaries]


async def rename_session(
    *, store: SqlSessionStore, user: Principal, session_id: str, data: SessionTitleUpdate
) -> SessionSummaryRead:
    summary = await store.rename(session_key(user, session_id), data.title)
    if summary is None:
        raise NotFound("Session not found")
    return _summary_read(summary)


async def delete_session(
    *,
    manager: SessionManager,
    store: SqlSessionStore,
    user: Principal,
    session_id: str,
    undo_seconds: float,
) -> None:
    """Hide the session for the undo window (through the manager, so caches drop it too)."""
    if not await manager.delete(session_key(user, session_id)):
        raise NotFound("Session not found")
    await store.purge_deleted(deleted_before=_undo_start(undo_seconds))


async def restore_session(
    *, store: SqlSessionStore, user: Principal, session_id: str, undo_seconds: float
) -> SessionSummaryRead:
    since = _undo_start(undo_seconds)
    await store.purge_deleted(deleted_before=since)
    summary = await store.restore(session_key(user, session_id), deleted_since=since)
    if summary is None:
        raise NotFound("Session not found, or deleted too long ago to restore")
    return _summary_read(summary)


async def llm_health(*, client: LLMClient, gate: ConcurrencyGate) -> LLMHealthRead:
    report = await client.health()
    return LLMHealthRead.model_validate({**asdict(report), "gate": asdict(gate.stats())})
