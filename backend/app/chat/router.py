"""`/api/llm/*`: chat, session chat (JSON or SSE), history, sessions, LLM health."""

from typing import Any

from fastapi import APIRouter, Request, Response, status
from sse_starlette import EventSourceResponse

from app.auth.deps import CurrentUser
from app.chat import service
from app.chat.schemas import (
    ChatRequest,
    ChatResponse,
    LLMHealthRead,
    SessionChatRequest,
    SessionChatResponse,
    SessionHistoryRead,
    SessionIdPath,
    SessionRef,
    SessionSummaryRead,
)
from app.deps import LLM, Gate, Sessions
from app.disconnect import cancel_on_disconnect
from app.errors import LLM_ERRORS, error_responses
from app.schemas import STREAM_EVENT
from app.sse import LegacyWire, sse_response, wants_stream

router = APIRouter(prefix="/api/llm", tags=["llm"])
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or Server-Sent Events when the body says stream or Accept asks",
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    }
}
ASK_MODEL_DOC = {**STREAM_DOC, **error_responses(400, 401, 413, *LLM_ERRORS)}
ALIAS_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events in the original clients' format: bare `data:` "
        'lines `{"content": …}`, then `{"done": true}` or `{"error": …}`',
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    },
    **error_responses(400, 401, 413, *LLM_ERRORS),
}
SESSION_404 = {404: "No such session, or it belongs to someone else"}


@router.post("/chat", response_model=ChatResponse, responses=ASK_MODEL_DOC)
async def chat(
    data: ChatRequest, request: Request, user: CurrentUser, client: LLM, gate: Gate
) -> ChatResponse | EventSourceResponse:
    if wants_stream(request, stream_field=data.stream):
        events = service.stream_chat_once(client=client, gate=gate, user=user, data=data)
        return await sse_response(request, events)
    return await cancel_on_disconnect(
        request, service.chat_once(client=client, gate=gate, user=user, data=data)
    )


@router.post(
    "/chat/session",
    response_model=SessionChatResponse,
    responses=ASK_MODEL_DOC,
    description=(
        "One turn of a stored session (a new one when `session_id` is absent). A turn refused "
        "at admission (429, 503, 502, 504) stores nothing and creates no session. Once admitted, "
        "a stream's first event is `event: session` with `{session_id, created}`, before any "
        "text: the question is stored then; then `data: {delta}` events, then `event: done` "
        "with the answer, or `event: error` (with `details.session_id`) when the model breaks "
        "off. The answer is stored complete, or partial as `stopped` (the client went away) or "
        "`failed`. A non-streamed turn that fails after admission names the session in "
        "`details.session_id` the same way."
    ),
)
async def chat_session(
    data: SessionChatRequest, request: Request, user: CurrentUser, manager: Sessions
) -> SessionChatResponse | EventSourceResponse:
    if wants_stream(request, stream_field=data.stream):
        events = service.stream_session_turn(manager=manager, user=user, data=data)
        return await sse_response(request, events)
    return await cancel_on_disconnect(
        request, service.session_turn(manager=manager, user=user, data=data)
    )


@router.get("/chat/sessions", responses=error_responses(401))
async def list_chat_sessions(user: CurrentUser, manager: Sessions) -> list[SessionSummaryRead]:
    return await service.list_sessions(manager=manager, user=user)


@router.get(
    "/chat/session/{session_id}/history",
    responses=error_responses(400, 401, 404, descriptions=SESSION_404),
)
async def read_session_history(
    session_id: SessionIdPath, user: CurrentUser, manager: Sessions
) -> SessionHistoryRead:
    return await service.read_history(manager=manager, user=user, session_id=session_id)


@router.delete(
    "/chat/session/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 404, descriptions=SESSION_404),
)
async def delete_chat_session(
    session_id: SessionIdPath, user: CurrentUser, manager: Sessions
) -> Response:
    await service.delete_session(manager=manager, user=user, session_id=session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/health")
async def read_llm_health(client: LLM, gate: Gate) -> LLMHealthRead:
    return await service.llm_health(client=client, gate=gate)


# Routes the original clients already call: same handlers, always streaming.
@router.post(
    "/chat/stream",
    deprecated=True,
    response_model=None,
    response_class=EventSourceResponse,
    responses=ALIAS_STREAM_DOC,
)
async def chat_stream(
    data: ChatRequest, request: Request, user: CurrentUser, client: LLM, gate: Gate
) -> EventSourceResponse:
    events = service.stream_chat_once(client=client, gate=gate, user=user, data=data)
    return await sse_response(request, events, wire=LegacyWire())


@router.post(
    "/chat/session/stream",
    deprecated=True,
    response_model=None,
    response_class=EventSourceResponse,
    responses=ALIAS_STREAM_DOC,
)
async def chat_session_stream(
    data: SessionChatRequest, request: Request, user: CurrentUser, manager: Sessions
) -> EventSourceResponse:
    events = service.stream_session_turn(manager=manager, user=user, data=data)
    return await sse_response(request, events, wire=LegacyWire())


@router.post(
    "/chat/session/history",
    deprecated=True,
    responses=error_responses(400, 401, 404, 413, descriptions=SESSION_404),
)
async def read_session_history_legacy(
    data: SessionRef, user: CurrentUser, manager: Sessions
) -> SessionHistoryRead:
    return await service.read_history(manager=manager, user=user, session_id=data.session_id)
