"""What a chat session is, where it is kept, and how a turn locks it.

A turn is stored in two writes: the user's message when the turn is admitted
(:meth:`SessionStore.start_turn`, which also creates a new session), and the answer when
it ends (:meth:`SessionStore.append_message`), complete or, with its
:data:`MessageStatus`, partial: ``stopped`` (the client went away) or ``failed`` (the
upstream broke off). So a session never exists without a message, and a question is never
lost to a failure that came after it was accepted. A turn that rewrites the end of the
history (answer the last question again, or edit a question and send it) uses
:meth:`SessionStore.start_turn_after` instead, which drops the replaced messages in that same
first write: a turn refused at admission changes nothing.

:class:`SessionStore` is the persistence seam: :class:`MemoryStore` (here) serves the deploy
script and tests, the SQL store lives with the web app, and
:class:`~app.llm.redis_store.RedisCachedStore` caches either. :class:`SessionLocks`
serialises turns of one session: :class:`MemoryLocks` within a process,
:class:`~app.llm.redis_store.RedisLocks` across workers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

TITLE_LENGTH = 60

MessageStatus = Literal["complete", "stopped", "failed"]
"""How an answer ended: in full, cut short by the client leaving, or by an upstream error."""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SessionKey:
    """A session is owned by a user (or game client) within a project."""

    owner: str
    project: str
    session_id: str


@dataclass(frozen=True)
class StoredMessage:
    """One stored message; ``token_count`` is filled when known, to spare a recount.

    ``status`` tells a partial answer from a complete one; user messages are ``complete``.
    """

    role: str
    content: str
    token_count: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    status: MessageStatus = "complete"


@dataclass(frozen=True)
class SessionRecord:
    """A session with its whole history, oldest message first."""

    key: SessionKey
    system_prompt: str
    messages: Sequence[StoredMessage]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    """A session as listed: titled by its first user message."""

    key: SessionKey
    title: str
    message_count: int
    created_at: datetime
    updated_at: datetime


def summarize(record: SessionRecord) -> SessionSummary:
    """The listing entry of ``record``."""
    first = next((m.content for m in record.messages if m.role == "user"), "")
    title = first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1].rstrip() + "…"
    return SessionSummary(
        key=record.key,
        title=title,
        message_count=len(record.messages),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def append(record: SessionRecord, message: StoredMessage) -> SessionRecord:
    """``record`` with ``message`` added at the end, updated at the message's time."""
    return replace(record, messages=(*record.messages, message), updated_at=message.created_at)


class SessionStore(Protocol):
    """Persistence of sessions. Each write is atomic; a turn's lock orders them."""

    async def get(self, key: SessionKey) -> SessionRecord | None:
        """The session, or ``None`` if there is none."""
        ...

    async def start_turn(
        self, key: SessionKey, user: StoredMessage, *, system_prompt: str | None
    ) -> bool:
        """Store the user's message of an admitted turn; ``True`` if it created the session.

        A new session gets ``system_prompt`` (or none); an existing one has its system
        prompt replaced when one is given. ``updated_at`` becomes ``user.created_at``.
        """
        ...

    async def start_turn_after(
        self, key: SessionKey, keep: int, user: StoredMessage | None
    ) -> bool:
        """Store an admitted turn that rewrites history, in one write; ``False`` if it is gone.

        Every message after the first ``keep`` is dropped, then ``user`` is stored (``None``
        when the kept history already ends with the question being answered again).
        ``updated_at`` becomes the time of the write. A session deleted since the turn read
        it (hidden, or removed) is left as it is and the call answers ``False``: the turn
        must then end without storing anything, its answer included.
        """
        ...

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        """Store the answer that ends a turn; no-op if the session was deleted meanwhile.

        The session's ``updated_at`` becomes ``message.created_at``.
        """
        ...

    async def delete(self, key: SessionKey) -> bool:
        """Delete the session; ``False`` if there was none."""
        ...

    async def list(self, owner: str, project: str) -> list[SessionSummary]:
        """The owner's sessions in a project, most recently used first."""
        ...


class MemoryStore:
    """A :class:`SessionStore` in a dict: for one process (the deploy script, tests)."""

    def __init__(self) -> None:
        self._records: dict[SessionKey, SessionRecord] = {}

    async def get(self, key: SessionKey) -> SessionRecord | None:
        return self._records.get(key)

    async def start_turn(
        self, key: SessionKey, user: StoredMessage, *, system_prompt: str | None
    ) -> bool:
        record = self._records.get(key)
        created = record is None
        if record is None:
            record = SessionRecord(key, system_prompt or "", (), user.created_at, user.created_at)
        elif system_prompt is not None:
            record = replace(record, system_prompt=system_prompt)
        self._records[key] = append(record, user)
        return created

    async def start_turn_after(
        self, key: SessionKey, keep: int, user: StoredMessage | None
    ) -> bool:
        record = self._records.get(key)
        if record is None:
            return False
        kept = replace(record, messages=tuple(record.messages[:keep]), updated_at=utc_now())
        self._records[key] = kept if user is None else append(kept, user)
        return True

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        record = self._records.get(key)
        if record is not None:
            self._records[key] = append(record, message)

    async def delete(self, key: SessionKey) -> bool:
        return self._records.pop(key, None) is not None

    async def list(self, owner: str, project: str) -> list[SessionSummary]:
        records = [r for k, r in self._records.items() if k.owner == owner and k.project == project]
        records.sort(key=lambda r: r.updated_at, reverse=True)
        return [summarize(r) for r in records]


class SessionLocks(Protocol):
    """Mutual exclusion per session, held for a whole turn."""

    def lock(self, key: SessionKey) -> contextlib.AbstractAsyncContextManager[None]:
        """An async context manager holding the session's lock."""
        ...


@dataclass
class _LockEntry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class MemoryLocks:
    """Per-session ``asyncio.Lock``s, dropped once nobody holds or awaits them."""

    def __init__(self) -> None:
        self._entries: dict[SessionKey, _LockEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @contextlib.asynccontextmanager
    async def lock(self, key: SessionKey) -> AsyncIterator[None]:
        entry = self._entries.setdefault(key, _LockEntry())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                self._entries.pop(key, None)
