"""Sign-ins: made at login, renewed by refresh, ended by logout, a password change or disabling.

A sign-in is a row; its access tokens name it. Checking that the row still exists is part of
the bearer lookup (one joined read, cached like the rest, see `app.auth.cache`), so deleting
it retires every token of that sign-in — renewed or not — at once in this process and within
`AUTH_CACHE_SECONDS` in others. A sign-in lasts at most `SIGN_IN_MAX_HOURS` from its login,
however often it is renewed: no token of it expires later than that.

Services flush; the request scope commits.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import tokens
from app.auth.cache import AuthCache, Principal, forget_sign_in_after_commit
from app.auth.models import SignIn
from app.auth.schemas import TokenRead
from app.config import Settings
from app.db import utcnow
from app.errors import Unauthorized
from app.users.models import User

SIGN_IN_ENDED = "Your sign-in has ended: sign in again"
NOT_A_SIGN_IN = "API keys are not renewed or signed out: revoke the key with DELETE /api/keys/{id}"


async def start(session: AsyncSession, *, user: User, settings: Settings) -> TokenRead:
    """A new sign-in for `user` and its first access token.

    The account's lapsed sign-ins are deleted here, so the table holds about one row per
    live sign-in (the login throttle bounds how fast rows can be made).
    """
    now = utcnow()
    oldest_live = now - timedelta(hours=settings.sign_in_max_hours)
    await session.execute(
        delete(SignIn).where(SignIn.user_id == user.id, SignIn.started_at < oldest_live)
    )
    sign_in = SignIn(id=secrets.token_hex(16), user_id=user.id, started_at=now)
    session.add(sign_in)
    await session.flush()
    return _access_token(sign_in, version=user.token_version, settings=settings, now=now)


async def renew(session: AsyncSession, *, caller: Principal, settings: Settings) -> TokenRead:
    """A fresh access token for the caller's sign-in, if it has not ended or lapsed.

    Reads the sign-in row itself rather than trusting the cached principal: a logout or a
    password change made through another worker a moment ago is seen here.
    """
    if caller.sign_in_id is None:
        raise Unauthorized(NOT_A_SIGN_IN, code="not_a_sign_in")
    sign_in = await session.get(SignIn, caller.sign_in_id)
    now = utcnow()
    if (
        sign_in is None
        or sign_in.user_id != caller.id
        or sign_in.ends_at(settings.sign_in_max_hours) <= now
    ):
        raise Unauthorized(SIGN_IN_ENDED, code="sign_in_ended")
    return _access_token(sign_in, version=caller.token_version, settings=settings, now=now)


async def end(session: AsyncSession, *, caller: Principal, cache: AuthCache) -> None:
    """Log out: delete the caller's sign-in, which retires all its tokens."""
    if caller.sign_in_id is None:
        raise Unauthorized(NOT_A_SIGN_IN, code="not_a_sign_in")
    await session.execute(delete(SignIn).where(SignIn.id == caller.sign_in_id))
    forget_sign_in_after_commit(session, cache, caller.sign_in_id)


async def end_all(session: AsyncSession, *, user_id: int) -> None:
    """End every sign-in of an account (its password changed, or it was disabled)."""
    await session.execute(delete(SignIn).where(SignIn.user_id == user_id))


async def signed_in_user(
    session: AsyncSession, *, claims: tokens.SignInClaims, settings: Settings
) -> User | None:
    """The account behind a token, if its sign-in is live and its password unchanged."""
    found = await session.execute(
        select(User, SignIn)
        .join(SignIn, SignIn.user_id == User.id)
        .where(SignIn.id == claims.sign_in_id, User.id == claims.user_id)
    )
    row = found.first()
    if row is None:
        return None  # logged out, or ended by a password change
    user, sign_in = row
    if user.token_version != claims.version:
        return None  # issued before the last password change
    if sign_in.ends_at(settings.sign_in_max_hours) <= utcnow():
        return None  # SIGN_IN_MAX_HOURS was lowered since the token was issued
    return user


def _access_token(sign_in: SignIn, *, version: int, settings: Settings, now: datetime) -> TokenRead:
    expires_at = min(
        now + timedelta(minutes=settings.access_token_minutes),
        sign_in.ends_at(settings.sign_in_max_hours),
    )
    token = tokens.create_access_token(
        user_id=sign_in.user_id,
        version=version,
        sign_in_id=sign_in.id,
        started_at=sign_in.started,
        issued_at=now,
        expires_at=expires_at,
        secret=settings.secret_key.get_secret_value(),
    )
    return TokenRead(access_token=token, expires_in=int((expires_at - now).total_seconds()))
