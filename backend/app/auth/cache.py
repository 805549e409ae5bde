"""Who a bearer token belongs to, answered without holding a database connection.

A request that waits minutes for the model must not keep a pooled connection for the
authentication query it made at the start: with a slow model a few dozen waiting requests
would drain the pool and every other route (login, health, keys) would queue behind them.
So authentication reads the database in its own short transaction, returns a detached
:class:`Principal` snapshot, and remembers it for a few seconds, keyed by a hash of the
token.

Guarantees:
- A password change, temporary password, role change, disable and key revocation call
  :meth:`AuthCache.forget_user`, and a logout :meth:`AuthCache.forget_sign_in`, in this
  process, so the change takes effect on the next request here. Other workers see it when
  their entry expires (``AUTH_CACHE_SECONDS``, a few seconds).
- An expired JWT or API key is never answered from the cache past its expiry: an entry lives
  no longer than the credential it was made from.
- Failed lookups are not cached: a wrong token always reaches the database (the login
  throttle, not this cache, is what slows guessing).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from pydantic import BaseModel, ConfigDict
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from app.users.models import Role


class Principal(BaseModel):
    """The authenticated caller as a request sees it: a read-only snapshot of the account."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    email: str
    display_name: str | None
    role: str
    is_active: bool
    token_version: int
    must_change_password: bool = False
    created_at: datetime
    # The sign-in a JWT belongs to (renewed by refresh, ended by logout); None for an API key.
    sign_in_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN.value


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    valid_until: float  # monotonic clock; min(cache TTL, credential expiry)


def _token_key(token: str) -> str:
    """Never keep raw tokens in memory longer than the request that carried them."""
    return hashlib.sha256(token.encode()).hexdigest()


class AuthCache:
    """A short-lived map from bearer token to :class:`Principal`, one per process."""

    def __init__(self, *, ttl: float, size: int = 10_000) -> None:
        self._ttl = ttl
        self._entries: TTLCache[str, _Entry] = TTLCache(maxsize=size, ttl=max(ttl, 0.001))

    async def principal(
        self,
        token: str,
        lookup: Callable[[str], Awaitable[tuple[Principal, float | None] | None]],
    ) -> Principal | None:
        """The cached principal of ``token``, or ``lookup(token)``'s, remembered briefly.

        ``lookup`` returns the principal and the credential's own expiry (a Unix time, or
        ``None`` when it does not expire), or ``None`` when the token is not valid.
        """
        if self._ttl <= 0:
            found = await lookup(token)
            return None if found is None else found[0]
        key = _token_key(token)
        entry = self._entries.get(key)
        if entry is not None and entry.valid_until > time.monotonic():
            return entry.principal
        found = await lookup(token)
        if found is None:
            self._entries.pop(key, None)
            return None
        principal, expires_at = found
        self._entries[key] = _Entry(principal, self._valid_until(expires_at))
        return principal

    def _valid_until(self, expires_at: float | None) -> float:
        now = time.monotonic()
        until = now + self._ttl
        if expires_at is not None:
            until = min(until, now + (expires_at - time.time()))
        return until

    def forget_user(self, user_id: int) -> None:
        """Drop every cached token of ``user_id`` (after a change to the account or its keys)."""
        self._forget(lambda principal: principal.id == user_id)

    def forget_sign_in(self, sign_in_id: str) -> None:
        """Drop every cached token of one sign-in, renewed or not (after its logout)."""
        self._forget(lambda principal: principal.sign_in_id == sign_in_id)

    def _forget(self, matches: Callable[[Principal], bool]) -> None:
        stale = [key for key, entry in self._entries.items() if matches(entry.principal)]
        for key in stale:
            self._entries.pop(key, None)


def _now_and_after_commit(session: AsyncSession, forget: Callable[[], None]) -> None:
    """Run ``forget`` now and again once ``session`` commits.

    Forgetting only before the commit would let a request that reads the account in between
    cache the old state (old password version, still active, sign-in not yet deleted) for
    another TTL.
    """
    forget()
    event.listen(session.sync_session, "after_commit", lambda _: forget(), once=True)


def forget_user_after_commit(session: AsyncSession, cache: AuthCache, user_id: int) -> None:
    """Drop ``user_id``'s cached tokens now and again once ``session`` commits."""
    _now_and_after_commit(session, lambda: cache.forget_user(user_id))


def forget_sign_in_after_commit(session: AsyncSession, cache: AuthCache, sign_in_id: str) -> None:
    """Drop one sign-in's cached tokens now and again once ``session`` commits."""
    _now_and_after_commit(session, lambda: cache.forget_sign_in(sign_in_id))
