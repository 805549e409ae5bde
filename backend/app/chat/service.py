"""Chat over HTTP: one-shot answers and turns of stored sessions, JSON or streamed.

Streaming functions yield the library's events (:class:`TurnStarted`, :class:`TextDelta`)
and then the final answer; the route's SSE wire format encodes them. A non-streamed session
turn is the streamed one, read to its end, so both store a turn the same way: nothing when it
is refused, the question once it is admitted, the answer (maybe partial) when it ends. An
error after admission names the session in `details.session_id`.
"""

import contextlib
import uuid
from collections.abc import AsyncGenerator
from dataclasses import asdict
from typing import Any

from app.auth.cache import Principal
from app.chat.schemas import (
    ChatRequest,
    ChatResponse,
    HistoryMessageRead,
    LLMHealthRead,
    SamplingFields,
    SessionChatRequest,
    SessionChatResponse,
    SessionHistoryRead,
    SessionSummaryRead,
)
from app.errors import AppError, NotFound, llm_error_to_app_error
from app.llm.client import LLMClient
from app.llm.errors import LLMError
from app.llm.limits import ConcurrencyGate
from app.llm.results import ChatResult, GenerationParams, TextDelta
from app.llm.sessions import SessionManager, TurnResult, TurnStarted
from app.llm.store import SessionKey

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
        }
    )


async def chat_once(
    *, client: LLMClient, gate: ConcurrencyGate, user: Principal, data: ChatRequest
) -> ChatResponse:
    messages = [message.model_dump() for message in data.messages]
    async with gate.acquire("chat", owner_of(user)):
        result = await client.chat(messages, generation_params(data))
    return chat_response(result)


async def stream_chat_once(
    *, client: LLMClient, gate: ConcurrencyGate, user: Principal, data: ChatRequest
) -> AsyncGenerator[TextDelta | ChatResponse, None]:
    messages = [message.model_dump() for message in data.messages]
    async with gate.acquire("chat", owner_of(user)):
        events = client.stream(messages, generation_params(data))
        async with contextlib.aclosing(events):
            async for event in events:
                yield event if isinstance(event, TextDelta) else chat_response(event)


def _turn_args(user: Principal, data: SessionChatRequest) -> dict[str, Any]:
    session_id = data.session_id or uuid.uuid4().hex
    return {
        "key": session_key(user, session_id),
        "user_message": data.message,
        "system_prompt": data.system_prompt,
        "params": generation_params(data),
    }


def _failed_in_session(exc: LLMError, session_id: str) -> AppError:
    """An error after admission: the question is stored, so say in which session."""
    error = llm_error_to_app_error(exc)
    error.details = {"session_id": session_id}
    return error


async def stream_session_turn(
    *, manager: SessionManager, user: Principal, data: SessionChatRequest
) -> AsyncGenerator[TurnStarted | TextDelta | SessionChatResponse, None]:
    started: TurnStarted | None = None
    events = manager.stream_turn(**_turn_args(user, data))
    async with contextlib.aclosing(events):
        try:
            async for event in events:
                if isinstance(event, TurnStarted):
                    started = event
                yield turn_response(event) if isinstance(event, TurnResult) else event
        except LLMError as exc:
            if started is None:
                raise
            raise _failed_in_session(exc, started.session_id) from exc


async def session_turn(
    *, manager: SessionManager, user: Principal, data: SessionChatRequest
) -> SessionChatResponse:
    events = stream_session_turn(manager=manager, user=user, data=data)
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, SessionChatResponse):
                return event
    raise RuntimeError("the turn ended without an answer")  # pragma: no cover


async def read_history(
    *, manager: SessionManager, user: Principal, session_id: str
) -> SessionHistoryRead:
    record = await manager.history(session_key(user, session_id))
    if record is None:
        raise NotFound("Session not found")
    return SessionHistoryRead(
        session_id=session_id,
        system_prompt=record.system_prompt or None,
        messages=[
            HistoryMessageRead(
                role=m.role, content=m.content, created_at=m.created_at, status=m.status
            )
            for m in record.messages
        ],
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def delete_session(*, manager: SessionManager, user: Principal, session_id: str) -> None:
    if not await manager.delete(session_key(user, session_id)):
        raise NotFound("Session not found")


async def list_sessions(*, manager: SessionManager, user: Principal) -> list[SessionSummaryRead]:
    summaries = await manager.list_sessions(owner_of(user), CHAT_PROJECT)
    return [
        SessionSummaryRead(
            session_id=s.key.session_id,
            title=s.title,
            message_count=s.message_count,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )
        for s in summaries
    ]


async def llm_health(*, client: LLMClient, gate: ConcurrencyGate) -> LLMHealthRead:
    report = await client.health()
    return LLMHealthRead.model_validate({**asdict(report), "gate": asdict(gate.stats())})
