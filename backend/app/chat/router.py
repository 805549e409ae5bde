"""`/api/llm/*`: chat, session chat (JSON or SSE), history, sessions, LLM health."""

from collections.abc import AsyncGenerator
from typing import Any

from fastapi import APIRouter, Request, Response, status
from sse_starlette import EventSourceResponse

from app.auth.deps import CurrentUser
from app.chat import service
from app.chat.deps import ChatStore, Sessionmaker
from app.chat.schemas import (
    ChatRequest,
    ChatResponse,
    EditRequest,
    LLMHealthRead,
    RegenerateRequest,
    SessionChatRequest,
    SessionChatResponse,
    SessionHistoryRead,
    SessionIdPath,
    SessionQuery,
    SessionRef,
    SessionSummaryRead,
    SessionTitleUpdate,
)
from app.deps import LLM, AppSettings
from app.disconnect import cancel_on_disconnect
from app.errors import LLM_ERRORS, error_responses
from app.schemas import STREAM_EVENT
from app.sse import LegacyWire, sse_response, wants_stream

router = APIRouter(prefix="/api/llm", tags=["llm"])
PASSWORD_GATE = {
    403: "The account must replace its temporary password first (code `password_change_required`)"
}


def signed_in_errors(
    *statuses: int, descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A signed-in route's errors: ``statuses``, 401 and the password gate's 403."""
    return error_responses(
        401, 403, *statuses, descriptions={**PASSWORD_GATE, **(descriptions or {})}
    )


STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or Server-Sent Events when the body says stream or Accept asks",
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    }
}
TEMPLATE_ERRORS = {
    400: "Invalid request, or the template's variables are missing or invalid (code "
    "`invalid_variables`, `details` {missing, invalid})",
    404: "No such template, version or label, or a private template of someone else "
    "(code `template_not_found`)",
    409: "The template is archived (code `template_archived`)",
}
ASK_MODEL_DOC = {
    **STREAM_DOC,
    **signed_in_errors(400, 401, 404, 409, 413, *LLM_ERRORS, descriptions=TEMPLATE_ERRORS),
}
ALIAS_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events in the original clients' format: bare `data:` "
        'lines `{"content": …}`, then `{"done": true}` or `{"error": …}`',
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    },
    **signed_in_errors(400, 401, 404, 409, 413, *LLM_ERRORS, descriptions=TEMPLATE_ERRORS),
}
SESSION_404 = {404: "No such session, or it belongs to someone else"}
SESSION_ERRORS = signed_in_errors(400, 401, 404, descriptions=SESSION_404)
REWRITE_DOC = {
    **STREAM_DOC,
    **signed_in_errors(400, 401, 404, 413, *LLM_ERRORS, descriptions=SESSION_404),
}


async def respond_to_turn(
    request: Request, stream: bool, events: AsyncGenerator[service.SessionTurnEvent, None]
) -> SessionChatResponse | EventSourceResponse:
    """A session turn's events as SSE, or read to the end as JSON, as the request asks."""
    if wants_stream(request, stream_field=stream):
        return await sse_response(request, events)
    return await cancel_on_disconnect(request, service.turn_answer(events))


@router.post("/chat", response_model=ChatResponse, responses=ASK_MODEL_DOC)
async def chat(
    data: ChatRequest, request: Request, user: CurrentUser, llm: LLM, db: Sessionmaker
) -> ChatResponse | EventSourceResponse:
    if wants_stream(request, stream_field=data.stream):
        events = service.stream_chat_once(
            client=llm.client, gate=llm.gate, sessionmaker=db, user=user, data=data
        )
        return await sse_response(request, events)
    answer = service.chat_once(
        client=llm.client, gate=llm.gate, sessionmaker=db, user=user, data=data
    )
    return await cancel_on_disconnect(request, answer)


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
    data: SessionChatRequest,
    request: Request,
    user: CurrentUser,
    llm: LLM,
    store: ChatStore,
    db: Sessionmaker,
) -> SessionChatResponse | EventSourceResponse:
    events = service.stream_session_turn(
        manager=llm.sessions, store=store, sessionmaker=db, user=user, data=data
    )
    return await respond_to_turn(request, data.stream, events)


@router.get(
    "/chat/sessions",
    responses=signed_in_errors(400, 401),
    description="The caller's chat sessions, most recently used first (at most 200). With "
    "`q`, only those whose title or any message contains it, ignoring case. Deleted sessions "
    "are not listed, also while they can still be restored.",
)
async def list_chat_sessions(
    user: CurrentUser, store: ChatStore, settings: AppSettings, q: SessionQuery = None
) -> list[SessionSummaryRead]:
    return await service.list_sessions(
        store=store, user=user, query=q, undo_seconds=settings.chat_undo_seconds
    )


@router.get(
    "/chat/session/{session_id}/history",
    responses=SESSION_ERRORS,
    description="The session's messages, oldest first, each with its `id` (what an edit "
    "names) and `status` (`complete`, or `stopped` / `failed` for a partial answer).",
)
async def read_session_history(
    session_id: SessionIdPath, user: CurrentUser, store: ChatStore
) -> SessionHistoryRead:
    return await service.read_history(store=store, user=user, session_id=session_id)


@router.patch(
    "/chat/session/{session_id}",
    responses=signed_in_errors(400, 401, 404, 413, descriptions=SESSION_404),
    description="Rename the session. Its place in the list (`updated_at`) does not change.",
)
async def rename_chat_session(
    session_id: SessionIdPath, data: SessionTitleUpdate, user: CurrentUser, store: ChatStore
) -> SessionSummaryRead:
    return await service.rename_session(store=store, user=user, session_id=session_id, data=data)


@router.delete(
    "/chat/session/{session_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=SESSION_ERRORS,
    description="Delete the session. It disappears at once, but stays restorable with "
    "`POST …/restore` for `CHAT_UNDO_SECONDS` (30 s by default); then it is removed for "
    "good. A turn sent with its id meanwhile starts a new session, as for any unknown id.",
)
async def delete_chat_session(
    session_id: SessionIdPath,
    user: CurrentUser,
    llm: LLM,
    store: ChatStore,
    settings: AppSettings,
) -> Response:
    await service.delete_session(
        manager=llm.sessions,
        store=store,
        user=user,
        session_id=session_id,
        undo_seconds=settings.chat_undo_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/chat/session/{session_id}/restore",
    responses=signed_in_errors(
        400,
        401,
        404,
        descriptions={
            404: "No such deleted session, its undo window has passed, or it "
            "belongs to someone else"
        },
    ),
    description="Undo a delete, within `CHAT_UNDO_SECONDS` of it.",
)
async def restore_chat_session(
    session_id: SessionIdPath, user: CurrentUser, store: ChatStore, settings: AppSettings
) -> SessionSummaryRead:
    return await service.restore_session(
        store=store, user=user, session_id=session_id, undo_seconds=settings.chat_undo_seconds
    )


@router.post(
    "/chat/session/{session_id}/regenerate",
    response_model=SessionChatResponse,
    responses={
        **REWRITE_DOC,
        **signed_in_errors(
            409,
            descriptions={
                409: "The session has no question to answer again (code `nothing_to_regenerate`)"
            },
        ),
    },
    description="Answer the session's last question again; its last answer (and anything "
    "after the question) is replaced. Answers and events are those of `POST "
    "/api/llm/chat/session` (`event: session` first, with `created: false`). The old answer "
    "is dropped only once the new turn is admitted: a turn refused at admission (429, 503, "
    "502, 504) changes nothing. Runs under the session's lock, after any turn in progress.",
)
async def regenerate_chat_answer(
    session_id: SessionIdPath,
    data: RegenerateRequest,
    request: Request,
    user: CurrentUser,
    llm: LLM,
) -> SessionChatResponse | EventSourceResponse:
    events = service.stream_regenerate(
        manager=llm.sessions, user=user, session_id=session_id, data=data
    )
    return await respond_to_turn(request, data.stream, events)


@router.post(
    "/chat/session/{session_id}/edit",
    response_model=SessionChatResponse,
    responses={
        **REWRITE_DOC,
        **signed_in_errors(
            400,
            404,
            descriptions={
                400: "Invalid request, or `message_id` names an answer rather than a question",
                404: "No such session or message, or it belongs to someone else",
            },
        ),
    },
    description="Replace the question `message_id` with `message` and send it: that question "
    "and everything after it are dropped, and `message` becomes the session's last turn. "
    "Answers and events are those of `POST /api/llm/chat/session` (`event: session` first, "
    "with `created: false`). The messages are dropped only once the turn is admitted: a "
    "turn refused at admission (429, 503, 502, 504) changes nothing.",
)
async def edit_chat_message(
    session_id: SessionIdPath,
    data: EditRequest,
    request: Request,
    user: CurrentUser,
    llm: LLM,
    store: ChatStore,
) -> SessionChatResponse | EventSourceResponse:
    events = service.stream_edit(
        manager=llm.sessions, store=store, user=user, session_id=session_id, data=data
    )
    return await respond_to_turn(request, data.stream, events)


@router.get("/health")
async def read_llm_health(llm: LLM) -> LLMHealthRead:
    return await service.llm_health(client=llm.client, gate=llm.gate)


# Routes the original clients already call: same handlers, always streaming.
@router.post(
    "/chat/stream",
    deprecated=True,
    response_model=None,
    response_class=EventSourceResponse,
    responses=ALIAS_STREAM_DOC,
)
async def chat_stream(
    data: ChatRequest, request: Request, user: CurrentUser, llm: LLM, db: Sessionmaker
) -> EventSourceResponse:
    events = service.stream_chat_once(
        client=llm.client, gate=llm.gate, sessionmaker=db, user=user, data=data
    )
    return await sse_response(request, events, wire=LegacyWire())


@router.post(
    "/chat/session/stream",
    deprecated=True,
    response_model=None,
    response_class=EventSourceResponse,
    responses=ALIAS_STREAM_DOC,
)
async def chat_session_stream(
    data: SessionChatRequest,
    request: Request,
    user: CurrentUser,
    llm: LLM,
    store: ChatStore,
    db: Sessionmaker,
) -> EventSourceResponse:
    events = service.stream_session_turn(
        manager=llm.sessions, store=store, sessionmaker=db, user=user, data=data
    )
    return await sse_response(request, events, wire=LegacyWire())


@router.post(
    "/chat/session/history",
    deprecated=True,
    responses=signed_in_errors(400, 401, 404, 413, descriptions=SESSION_404),
)
async def read_session_history_legacy(
    data: SessionRef, user: CurrentUser, store: ChatStore
) -> SessionHistoryRead:
    return await service.read_history(store=store, user=user, session_id=data.session_id)
