"""Game results and the live monitor, as the portal's users may see them.

Who sees what (results and live events alike): a user sees what their own API key sent
(owner = their user id) and what keyless clients sent (owner ``mqtt:<project>``, shared
by everyone playing that project without a key); an admin sees everything.

Results are stored by :class:`ResultStore`, the game handler's ``ResultSink``: each result
is one short transaction of its own, so a burst of games ending never holds connections
while the bridge waits for the model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.db import session_scope
from app.errors import BadRequest, ServiceUnavailable
from app.games.models import GameResult
from app.games.schemas import (
    GameEventRead,
    GamePublish,
    MonitorReady,
    MqttStatusRead,
)
from app.mqtt.bridge import Bridge
from app.mqtt.dispatch import Admission
from app.mqtt.handler import GameHandler
from app.mqtt.messages import GameEvent, Incoming, Job, Outgoing
from app.mqtt.owners import KEYLESS_OWNER_PREFIX

if TYPE_CHECKING:  # the runtime builds a ResultStore from here
    from app.games.runtime import GamesRuntime

"""Owners of requests sent without a key: ``mqtt:<project>``."""
MQTT_UNAVAILABLE = "Game messaging is not available right now — try again in a minute"
MQTT_ELSEWHERE = (
    "The game bridge runs in another worker process of this portal, not in the one that took "
    "this request — send the message again"
)
# Replaced in a test message: it runs as the signed-in user, in the session the body names.
_OVERRIDDEN_FIELDS = ("apiKey", "api_key", "sessionId", "session_id")


def can_see(user: Principal, owner: str) -> bool:
    """Whether ``user`` may see a result or event owned by ``owner``."""
    return user.is_admin or owner == str(user.id) or owner.startswith(KEYLESS_OWNER_PREFIX)


def event_filter(
    user: Principal, *, project: str | None = None, session_id: str | None = None
) -> Callable[[GameEvent], bool]:
    """The monitor's predicate: events ``user`` may see, of one project / session if given."""

    def visible(event: GameEvent) -> bool:
        return (
            (project is None or event.project == project)
            and (session_id is None or event.session_id == session_id)
            and can_see(user, event.owner)
        )

    return visible


async def record_result(
    session: AsyncSession,
    *,
    project: str,
    owner: str,
    session_id: str,
    template: str | None,
    payload: dict[str, Any],
    template_id: int | None = None,
    template_version: int | None = None,
) -> GameResult:
    """Keep one game result as it was sent (JSON text), with the template in use then."""
    result = GameResult(
        project=project,
        owner=owner,
        session_id=session_id,
        template=template,
        template_id=template_id,
        template_version=template_version,
        # ASCII escapes keep any NUL inside the client's strings storable in PostgreSQL text.
        payload=json.dumps(payload, ensure_ascii=True),
    )
    session.add(result)
    await session.flush()
    return result


class ResultStore:
    """The game handler's ``ResultSink``: each result in a transaction of its own."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def store(
        self,
        *,
        project: str,
        owner: str,
        session_id: str,
        template: str | None,
        payload: dict[str, Any],
        template_id: int | None = None,
        template_version: int | None = None,
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            await record_result(
                session,
                project=project,
                owner=owner,
                session_id=session_id,
                template=template,
                template_id=template_id,
                template_version=template_version,
                payload=payload,
            )


async def list_results(
    session: AsyncSession,
    *,
    user: Principal,
    project: str | None = None,
    session_id: str | None = None,
    limit: int = 50,
) -> list[GameResult]:
    """The results ``user`` may see, newest first."""
    query = select(GameResult)
    if not user.is_admin:
        query = query.where(
            or_(
                GameResult.owner == str(user.id),
                GameResult.owner.startswith(KEYLESS_OWNER_PREFIX, autoescape=True),
            )
        )
    if project is not None:
        query = query.where(GameResult.project == project)
    if session_id is not None:
        query = query.where(GameResult.session_id == session_id)
    query = query.order_by(GameResult.received_at.desc(), GameResult.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


def read_status(runtime: GamesRuntime) -> MqttStatusRead:
    """Whether game messaging is on and connected, what it serves, and its counters."""
    settings, bridge = runtime.settings, runtime.bridge
    broker = None
    if settings.broker_url:
        host, port = settings.host_port()  # never the login a URL may carry
        broker = f"mqtt://{host}:{port}"
    stats = {f"monitor_{name}": value for name, value in runtime.hub.stats().items()}
    elsewhere = runtime.bridge_elsewhere  # then this process's bridge is idle: no counters
    if bridge is not None and not elsewhere:
        stats |= {
            name: value
            for name, value in bridge.stats().items()
            if isinstance(value, int) and not isinstance(value, bool)
        }
    return MqttStatusRead(
        enabled=bridge is not None,
        connected=bridge is not None and not elsewhere and bridge.connected,
        served_by_other_worker=elsewhere,
        broker=broker,
        projects=runtime.handler.projects if runtime.handler else list(settings.projects),
        keyless_projects=list(settings.keyless_projects),
        reply_format=settings.reply_format,
        stats=stats,
    )


async def watch_events(
    runtime: GamesRuntime, *, user: Principal, project: str | None, session_id: str | None
) -> AsyncGenerator[MonitorReady | GameEventRead, None]:
    """The events ``user`` may see, live, until the caller stops reading.

    The first item says the watch has begun (events emitted from then on arrive); when a
    session is named, its recent events follow before the live ones.
    """
    visible = event_filter(user, project=project, session_id=session_id)
    replay = (project, session_id) if project is not None and session_id is not None else None
    async with runtime.hub.subscribe(visible, replay=replay) as events:
        yield MonitorReady()
        async for event in events:
            yield GameEventRead.from_event(event)


def _connected(runtime: GamesRuntime) -> tuple[Bridge, GameHandler]:
    bridge, handler = runtime.bridge, runtime.handler
    if runtime.bridge_elsewhere:
        raise ServiceUnavailable(MQTT_ELSEWHERE, retry_after=1, code="mqtt_unavailable")
    if bridge is None or handler is None or not bridge.connected:
        raise ServiceUnavailable(MQTT_UNAVAILABLE, retry_after=10, code="mqtt_unavailable")
    return bridge, handler


def _refusal(reply: Outgoing) -> BadRequest:
    """The handler's error reply as a 400 in the API's one error shape."""
    try:
        body = json.loads(reply.payload)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        code = body.get("code")
        return BadRequest(body["error"], code=code if isinstance(code, str) else None)
    return BadRequest(reply.payload.decode(errors="replace") or "The message was refused")


def build_job(handler: GameHandler, data: GamePublish) -> Job:
    """The test message as a game client would send it, accepted by the handler or refused."""
    payload = {key: value for key, value in data.payload.items() if key not in _OVERRIDDEN_FIELDS}
    payload["sessionId"] = data.session_id
    incoming = Incoming(topic=f"{data.project}/{data.kind}", payload=json.dumps(payload).encode())
    accepted = handler.accept(incoming)
    if isinstance(accepted, Outgoing):
        raise _refusal(accepted)
    if accepted is None:
        raise BadRequest("The message was not accepted: check the project and the payload")
    return accepted


async def publish_as(runtime: GamesRuntime, *, user: Principal, data: GamePublish) -> None:
    """Run a test message through the bridge as ``user`` (replies go out as for any client)."""
    bridge, handler = _connected(runtime)
    if data.project not in handler.projects:
        raise BadRequest(
            f"Project {data.project!r} is not served here",
            code="unknown_project",
            details=handler.projects,
        )
    admission = await bridge.inject(build_job(handler, data), owner=str(user.id))
    if admission is Admission.FULL:
        raise ServiceUnavailable(
            "The game bridge is too busy to take the message — try again shortly",
            retry_after=5,
            code="mqtt_busy",
        )
