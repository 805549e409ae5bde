"""Shapes of the game monitor's data on the wire (`/api/mqtt/*`)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.mqtt.contract import SessionId
from app.mqtt.messages import EventKind, GameEvent
from app.schemas import UtcDatetime

ProjectName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", description="e.g. `maze`")]
MAX_RESULTS = 200
ProjectQuery = Annotated[ProjectName | None, Query(description="Only this project")]
SessionQuery = Annotated[SessionId | None, Query(description="Only this game session")]
LimitQuery = Annotated[
    int, Query(ge=1, le=MAX_RESULTS, description=f"At most this many (≤ {MAX_RESULTS})")
]


class MqttStatusRead(BaseModel):
    """Whether game clients can reach the model through the broker right now."""

    enabled: bool = Field(description="The portal's bridge runs (a broker is configured)")
    connected: bool = Field(description="The bridge is connected to the broker")
    served_by_other_worker: bool = Field(
        description="Another worker process of this portal runs the bridge: this one answers "
        "no game clients, shows none of their live events and sends no test messages"
    )
    broker: str | None = Field(description="`mqtt://host:port` game clients connect to")
    projects: list[str] = Field(description="Projects answered")
    keyless_projects: list[str] = Field(
        description="Projects answered without an API key (`*`: all)"
    )
    reply_format: Literal["text", "json"] = Field(
        description="Reply payload when a request does not choose one"
    )
    stats: dict[str, int] = Field(
        description="Counters since start: received, answered, errors, dropped, queued, …"
    )


class GameEventRead(BaseModel):
    """One thing that happened in a game session (the data of an `event: game`)."""

    kind: EventKind
    project: str
    session_id: str
    owner: str = Field(description="The user id whose key sent it, or `mqtt:<project>`")
    payload: dict[str, Any]
    at: float = Field(description="When, in Unix seconds")

    @classmethod
    def from_event(cls, event: GameEvent) -> GameEventRead:
        return cls(
            kind=event.kind,
            project=event.project,
            session_id=event.session_id,
            owner=event.owner,
            payload=event.payload,
            at=event.at,
        )


class MonitorReady(BaseModel):
    """Sent first on a monitor stream: the watch has begun (a keep-alive comment on the wire)."""


class GamePublish(BaseModel):
    """A test message, sent as if a game client of the signed-in user had published it."""

    model_config = ConfigDict(extra="forbid")

    project: ProjectName
    session_id: SessionId
    kind: Literal["user_input", "state"] = Field(
        description="`user_input` (`payload.message` is the question) or `state` (a game state "
        "to answer with a hint)"
    )
    payload: dict[str, Any] = Field(
        description="The JSON a game client would publish on `project/kind`; `sessionId` is "
        "set from `session_id`"
    )


class PublishAccepted(BaseModel):
    accepted: bool = True


class GameResultRead(BaseModel):
    """One game outcome as the client posted it on `project/result/{sessionId}`."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    project: str
    session_id: str
    owner: str = Field(description="The user id whose key sent it, or `mqtt:<project>`")
    template: str | None = Field(description="The session's system prompt when the result came")
    template_id: int | None = Field(
        default=None, description="The portal template it was rendered from, if it was"
    )
    template_version: int | None = Field(
        default=None, description="That template's version (a label is resolved once)"
    )
    payload: Any = Field(description="The result's JSON, as the client sent it")
    received_at: UtcDatetime

    @field_validator("payload", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        """Stored as the JSON text that arrived; answered as that JSON."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
