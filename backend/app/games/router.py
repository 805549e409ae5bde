"""`/api/mqtt/*`: the game bridge's status, the live monitor, test messages and results."""

from typing import Any

from fastapi import APIRouter, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from app.auth.deps import CurrentUser
from app.deps import DbSession
from app.errors import AppError, error_responses
from app.games import service
from app.games.deps import Games
from app.games.schemas import (
    GameEventRead,
    GamePublish,
    GameResultRead,
    LimitQuery,
    MonitorReady,
    MqttStatusRead,
    ProjectQuery,
    PublishAccepted,
    SessionQuery,
)
from app.schemas import STREAM_EVENT
from app.sse import StreamItem, error_event, sse_response

router = APIRouter(prefix="/api/mqtt", tags=["mqtt"])
PASSWORD_GATE = {
    403: "The account must replace its temporary password first (code `password_change_required`)"
}
MQTT_503 = {
    503: "Game messaging is off, not connected to its broker, or run by another worker process "
    "(code `mqtt_unavailable`); its queue is full (code `mqtt_busy`)"
}


class GameWire:
    """The monitor's events: `event: game` per game event, after a first keep-alive comment."""

    sep: str | None = None

    def encode(self, item: StreamItem) -> ServerSentEvent | None:
        if isinstance(item, MonitorReady):
            # Answers 200 at once, also while the watched sessions are quiet.
            return ServerSentEvent(comment="watching")
        if isinstance(item, GameEventRead):
            return ServerSentEvent(data=item.model_dump_json(), event="game")
        raise TypeError(f"the monitor has no event for {type(item).__name__}")

    def error(self, exc: AppError) -> ServerSentEvent:
        return error_event(exc)


EVENTS_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: `event: game` with a `GameEventRead` as data, for "
        "each request, hint, reply, error and result of the sessions the caller may see",
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    },
    **error_responses(400, 401, 403, descriptions=PASSWORD_GATE),
}


@router.get("/status", responses=error_responses(401, 403, descriptions=PASSWORD_GATE))
async def read_mqtt_status(_: CurrentUser, games: Games) -> MqttStatusRead:
    return service.read_status(games)


@router.get(
    "/events",
    response_model=None,
    response_class=EventSourceResponse,
    responses=EVENTS_DOC,
    description="Live game events, as they happen: a user sees the sessions of their own API "
    "keys and those of keyless clients, an admin all. With `project` and `session_id`, that "
    "session's recent events come first. A watcher that reads too slowly misses the oldest "
    "events, never the newest.",
)
async def stream_game_events(
    request: Request,
    user: CurrentUser,
    games: Games,
    project: ProjectQuery = None,
    session_id: SessionQuery = None,
) -> EventSourceResponse:
    events = service.watch_events(games, user=user, project=project, session_id=session_id)
    return await sse_response(request, events, wire=GameWire())


@router.post(
    "/publish",
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(400, 401, 403, 413, 503, descriptions={**PASSWORD_GATE, **MQTT_503}),
    description="Send a test `user_input` or `state` as a game client of the caller would "
    "(owned by the caller). It is queued with the session's other messages; replies go out "
    "over the broker and show on the monitor.",
)
async def publish_game_message(
    data: GamePublish, user: CurrentUser, games: Games
) -> PublishAccepted:
    await service.publish_as(games, user=user, data=data)
    return PublishAccepted()


@router.get(
    "/results",
    responses=error_responses(400, 401, 403, descriptions=PASSWORD_GATE),
    description="Game results the caller may see, newest first.",
)
async def list_game_results(
    user: CurrentUser,
    session: DbSession,
    project: ProjectQuery = None,
    session_id: SessionQuery = None,
    limit: LimitQuery = 50,
) -> list[GameResultRead]:
    results = await service.list_results(
        session, user=user, project=project, session_id=session_id, limit=limit
    )
    return [GameResultRead.model_validate(result) for result in results]
