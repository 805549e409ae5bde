"""Redis in front of the session store: a write-through history cache and cross-worker locks.

Redis is an accelerator, never the record: every write goes to the primary store first
and then updates the cached copy, so a turn costs one primary write and no primary read.
Any Redis failure is logged and answered from the primary, so losing Redis loses nothing.
Cached records expire after ``ttl`` seconds, which also bounds how long a record can stay
stale if Redis failed during a write and came back.

:class:`RedisLocks` serialises turns of one session across worker processes with
redis-py's ``Lock``. Its lease outlives the longest turn (``LLM_TIMEOUT`` plus slack) so a
crashed worker cannot block a session forever. If Redis cannot be reached the lock falls
back to a per-process lock, which still serialises turns within this worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from .errors import LLMBusy
from .store import (
    MemoryLocks,
    MessageStatus,
    SessionKey,
    SessionRecord,
    SessionStore,
    SessionSummary,
    StoredMessage,
    append,
)

logger = logging.getLogger(__name__)
DEFAULT_PREFIX = "pp:llm:"


def _redis_key(prefix: str, kind: str, key: SessionKey) -> str:
    return f"{prefix}{kind}:{json.dumps([key.owner, key.project, key.session_id])}"


def _encode(record: SessionRecord) -> str:
    return json.dumps(
        {
            "key": [record.key.owner, record.key.project, record.key.session_id],
            "system_prompt": record.system_prompt,
            "messages": [
                [m.role, m.content, m.token_count, m.created_at.isoformat(), m.status]
                for m in record.messages
            ],
            "created_at": record.created_at.isoformat(),
            "updated_at": record.updated_at.isoformat(),
        }
    )


def _decode_message(
    role: str, content: str, count: int | None, at: str, status: MessageStatus = "complete"
) -> StoredMessage:
    """Entries cached before messages had a status were all complete answers."""
    return StoredMessage(role, content, count, datetime.fromisoformat(at), status)


def _decode(raw: str | bytes) -> SessionRecord:
    data: dict[str, Any] = json.loads(raw)
    return SessionRecord(
        key=SessionKey(*data["key"]),
        system_prompt=data["system_prompt"],
        messages=tuple(_decode_message(*fields) for fields in data["messages"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )


class _Outage:
    """Skips Redis for ``cooldown`` s after a failure, so a dead Redis costs one slow call
    per cooldown rather than one per request."""

    def __init__(self, cooldown: float) -> None:
        self._cooldown = cooldown
        self._until = 0.0

    @property
    def active(self) -> bool:
        return time.monotonic() < self._until

    def begin(self, action: str, exc: BaseException) -> None:
        logger.warning(
            "Redis %s failed; working without Redis for %g s: %s", action, self._cooldown, exc
        )
        self._until = time.monotonic() + self._cooldown


class RedisCachedStore:
    """A :class:`SessionStore` that caches ``primary``'s records in Redis.

    Keys whose cache update failed are remembered and deleted from Redis once it answers
    again, so a record written during an outage is never served stale afterwards.
    """

    def __init__(
        self,
        primary: SessionStore,
        redis: Redis,
        ttl: int = 3600,
        *,
        prefix: str = DEFAULT_PREFIX,
        cooldown: float = 10.0,
    ) -> None:
        self._primary = primary
        self._redis = redis
        self._ttl = ttl
        self._prefix = prefix
        self._outage = _Outage(cooldown)
        self._stale: set[str] = set()

    def _key(self, key: SessionKey) -> str:
        return _redis_key(self._prefix, "session", key)

    async def _usable(self) -> bool:
        if self._outage.active:
            return False
        if self._stale:
            try:
                await self._redis.delete(*self._stale)
            except (RedisError, OSError) as exc:
                self._outage.begin("stale-entry cleanup", exc)
                return False
            self._stale.clear()
        return True

    async def _cached(self, key: SessionKey) -> SessionRecord | None:
        if not await self._usable():
            return None
        try:
            raw = await self._redis.get(self._key(key))
            return _decode(raw) if raw is not None else None
        except (RedisError, OSError) as exc:
            self._outage.begin("read", exc)
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("unreadable cached session %s, ignoring it: %s", key, exc)
        return None

    async def _put(self, record: SessionRecord) -> None:
        name = self._key(record.key)
        if not await self._usable():
            self._stale.add(name)
            return
        try:
            await self._redis.set(name, _encode(record), ex=self._ttl)
        except (RedisError, OSError) as exc:
            self._stale.add(name)
            self._outage.begin("write", exc)

    async def _drop(self, key: SessionKey) -> None:
        name = self._key(key)
        if not await self._usable():
            self._stale.add(name)
            return
        try:
            await self._redis.delete(name)
        except (RedisError, OSError) as exc:
            self._stale.add(name)
            self._outage.begin("delete", exc)

    async def _refresh(self, key: SessionKey) -> None:
        """Write the primary's current record through to the cache (rare changes)."""
        record = await self._primary.get(key)
        if record is None:
            await self._drop(key)
        else:
            await self._put(record)

    async def get(self, key: SessionKey) -> SessionRecord | None:
        cached = await self._cached(key)
        if cached is not None:
            return cached
        record = await self._primary.get(key)
        if record is not None:
            await self._put(record)
        return record

    async def start_turn(
        self, key: SessionKey, user: StoredMessage, *, system_prompt: str | None
    ) -> bool:
        created = await self._primary.start_turn(key, user, system_prompt=system_prompt)
        cached = None if created else await self._cached(key)
        if cached is None:
            await self._refresh(key)  # a new session: one small read fills the cache
            return created
        if system_prompt is not None:
            cached = replace(cached, system_prompt=system_prompt)
        await self._put(append(cached, user))
        return created

    async def start_turn_after(
        self, key: SessionKey, keep: int, user: StoredMessage | None
    ) -> bool:
        stored = await self._primary.start_turn_after(key, keep, user)
        await self._refresh(key)  # a rewrite is rare: one primary read refills the cache
        return stored

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        await self._primary.append_message(key, message)
        cached = await self._cached(key)
        if cached is None:
            await self._drop(key)
        else:
            await self._put(append(cached, message))

    async def delete(self, key: SessionKey) -> bool:
        deleted = await self._primary.delete(key)
        await self._drop(key)
        return deleted

    async def list(self, owner: str, project: str) -> list[SessionSummary]:
        return await self._primary.list(owner, project)


class RedisLocks:
    """Per-session locks shared by every worker using the same Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        lease: float = 330.0,
        wait: float = 330.0,
        prefix: str = DEFAULT_PREFIX,
        cooldown: float = 10.0,
    ) -> None:
        self._redis = redis
        self._outage = _Outage(cooldown)
        self._lease = lease
        self._wait = wait
        self._prefix = prefix
        self._fallback = MemoryLocks()

    @contextlib.asynccontextmanager
    async def lock(self, key: SessionKey) -> AsyncIterator[None]:
        lock = self._redis.lock(
            _redis_key(self._prefix, "lock", key),
            timeout=self._lease,
            blocking_timeout=self._wait,
        )
        acquired: bool | None = None
        if not self._outage.active:
            try:
                acquired = await lock.acquire()
            except (RedisError, OSError) as exc:
                self._outage.begin("session lock", exc)
        if acquired is None:
            async with self._fallback.lock(key):
                yield
            return
        if not acquired:
            raise LLMBusy(
                "This conversation is still answering a previous message — try again shortly",
                retry_after=1.0,
            )
        try:
            yield
        finally:
            with contextlib.suppress(LockError, RedisError, OSError):
                await lock.release()
