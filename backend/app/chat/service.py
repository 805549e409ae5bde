"""Chat over HTTP: one-shot answers and turns of stored sessions, JSON or streamed as SSE."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from sse_starlette import ServerSentEvent

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
from app.errors import NotFound
from app.llm.client import LLMClient
from app.llm.limits import ConcurrencyGate
from app.llm.results import ChatResult, GenerationParams, TextDelta
from app.llm.sessions import SessionManager, TurnResult
from app.llm.store import SessionKey
from app.sse import delta_event, done_event
from app.users.models import User

CHAT_PROJECT = "chat"
"""Sessions made in the browser or over REST; game clients use their game's project."""


def owner_of(user: User) -> str:
    return str(user.id)


def session_key(user: User, session_id: str) -> SessionKey:
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
    *, client: LLMClient, gate: ConcurrencyGate, user: User, data: ChatRequest
) -> ChatResponse:
    messages = [message.model_dump() for message in data.messages]
    async with gate.acquire("chat", owner_of(user)):
        result = await client.chat(messages, generation_params(data))
    return chat_response(result)


async def stream_chat_once(
    *, client: LLMClient, gate: ConcurrencyGate, user: User, data: ChatRequest
) -> AsyncIterator[ServerSentEvent]:
    messages = [message.model_dump() for message in data.messages]
    async with gate.acquire("chat", owner_of(user)):
        async for event in client.stream(messages, generation_params(data)):
            if isinstance(event, TextDelta):
                yield delta_event(event.text)
            else:
                yield done_event(chat_response(event).model_dump(mode="json"))


def _turn_args(user: User, data: SessionChatRequest) -> dict[str, Any]:
    session_id = data.session_id or uuid.uuid4().hex
    return {
        "key": session_key(user, session_id),
        "user_message": data.message,
        "system_prompt": data.system_prompt,
        "params": generation_params(data),
    }


async def session_turn(
    *, manager: SessionManager, user: User, data: SessionChatRequest
) -> SessionChatResponse:
    return turn_response(await manager.turn(**_turn_args(user, data)))


async def stream_session_turn(
    *, manager: SessionManager, user: User, data: SessionChatRequest
) -> AsyncIterator[ServerSentEvent]:
    async for event in manager.stream_turn(**_turn_args(user, data)):
        if isinstance(event, TextDelta):
            yield delta_event(event.text)
        else:
            yield done_event(turn_response(event).model_dump(mode="json"))


async def read_history(
    *, manager: SessionManager, user: User, session_id: str
) -> SessionHistoryRead:
    record = await manager.history(session_key(user, session_id))
    if record is None:
        raise NotFound("Session not found")
    return SessionHistoryRead(
        session_id=session_id,
        system_prompt=record.system_prompt or None,
        messages=[
            HistoryMessageRead(role=m.role, content=m.content, created_at=m.created_at)
            for m in record.messages
        ],
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def delete_session(*, manager: SessionManager, user: User, session_id: str) -> None:
    if not await manager.delete(session_key(user, session_id)):
        raise NotFound("Session not found")


async def list_sessions(*, manager: SessionManager, user: User) -> list[SessionSummaryRead]:
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


async def llm_health(*, client: LLMClient) -> LLMHealthRead:
    report = await client.health()
    return LLMHealthRead.model_validate(asdict(report))
