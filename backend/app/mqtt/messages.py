"""Plain message types shared by the game handler, the bridge and the monitor.

Kept free of any network or framework code so the handler can be tested with fakes and the
bridge can be swapped without touching game semantics.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

JobKind = Literal["user_input", "state", "template", "clear_history", "delete_session", "result"]
EventKind = Literal[
    "request", "state", "hint", "reply", "delta", "error", "result", "template", "clear", "delete"
]


@dataclass(frozen=True)
class Incoming:
    """One message as received from the broker."""

    topic: str
    payload: bytes
    response_topic: str | None = None  # MQTT 5 Response Topic
    correlation_data: bytes | None = None  # MQTT 5 Correlation Data
    user_properties: tuple[tuple[str, str], ...] = ()
    expires_at: float | None = None  # time.time() deadline from MQTT 5 Message Expiry
    received_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Outgoing:
    """One message to publish."""

    topic: str
    payload: bytes
    correlation_data: bytes | None = None
    retain: bool = False
    qos: int = 1


@dataclass(frozen=True)
class Job:
    """An accepted message, ready to run."""

    project: str
    kind: JobKind
    session_id: str
    # f"{project}/{owner-hint}/{session_id}": the bridge runs jobs with one key in order.
    ordering_key: str
    # f"{project}/{session_id}/{requestId}" when a requestId was given, else None.
    dedup_key: str | None
    # From Incoming.expires_at or the payload's expiresAt (epoch seconds or ISO).
    expires_at: float | None
    message: Incoming
    request: Any  # the parsed payload model (app.mqtt.contract)


class Publisher(Protocol):
    async def publish(self, message: Outgoing) -> None: ...


@dataclass(frozen=True)
class GameEvent:
    """What the monitor shows."""

    kind: EventKind
    project: str
    session_id: str
    owner: str
    payload: dict[str, Any]
    at: float = field(default_factory=time.time)


class EventSink(Protocol):
    def emit(self, event: GameEvent) -> None:
        """Must not block; may drop."""
        ...


class ReplyUndeliverable(Exception):
    """A reply could not be published: the broker has been away too long (the publisher
    raises it, so a streamed answer stops instead of waiting for every piece)."""
