"""Registration, login, bearer authentication and API keys.

Argon2 is CPU-heavy, so hashing and verifying run in a worker thread, never on the event loop.
"""

import asyncio
import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import security
from app.auth import sign_ins, tokens
from app.auth.cache import AuthCache, Principal, forget_user_after_commit
from app.auth.models import ApiKey
from app.auth.schemas import ApiKeyCreate, LoginRequest, TokenRead
from app.config import Settings
from app.db import session_scope
from app.errors import BadRequest, Conflict, NotFound, Unauthorized
from app.games.broker_sync import BrokerAccounts, key_password
from app.ratelimit import RateLimiter
from app.users import service as users
from app.users.models import Role, User
from app.users.schemas import UserCreate, UserUpdate

INVALID_LOGIN = "Invalid email or password"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@functools.cache
def _unknown_user_hash() -> str:
    """Verifying against a real hash when the email is unknown keeps both answers equally
    slow. Made on first use, in the worker thread, not at import."""
    return security.hash_password("unknown-user-placeholder-1")


def _verify_login(password: str, stored_hash: str | None) -> security.PasswordCheck:
    return security.verify_password(password, stored_hash or _unknown_user_hash())


async def register_user(session: AsyncSession, *, data: UserCreate) -> User:
    """Create an account; the very first account becomes the admin."""
    if await users.get_by_email(session, email=data.email) is not None:
        raise Conflict("Email already registered", code="email_taken")
    role = Role.ADMIN if await users.count_users(session) == 0 else Role.USER
    password_hash = await asyncio.to_thread(security.hash_password, data.password)
    try:
        return await users.add_user(
            session,
            email=data.email,
            password_hash=password_hash,
            display_name=data.display_name,
            role=role,
        )
    except IntegrityError as exc:
        raise Conflict("Email already registered", code="email_taken") from exc


async def ensure_admin(session: AsyncSession, *, email: str, password: str) -> None:
    """Create the configured admin at start-up unless that account already exists."""
    if await users.get_by_email(session, email=email) is not None:
        return
    password_hash = await asyncio.to_thread(security.hash_password, password)
    await users.add_user(
        session, email=email, password_hash=password_hash, display_name="Admin", role=Role.ADMIN
    )


async def authenticate_password(session: AsyncSession, *, email: str, password: str) -> User:
    """The account for these credentials; one message for every failure."""
    user = await users.get_by_email(session, email=email)
    stored_hash = user.password_hash if user else None
    check = await asyncio.to_thread(_verify_login, password, stored_hash)
    if user is None or not check.valid or not user.is_active:
        raise Unauthorized(INVALID_LOGIN, code="invalid_credentials")
    if check.new_hash is not None:
        user.password_hash = check.new_hash
        await session.flush()
    return user


@dataclass(frozen=True)
class LoginLimits:
    """Throttles that make password guessing slow: per account and per client address."""

    per_account: RateLimiter
    per_address: RateLimiter


async def throttle_login(limits: LoginLimits, *, email: str, address: str) -> None:
    """Count a login attempt before any password work; over either limit → `RateLimited`.

    Every attempt counts, not only failures, so a burst of parallel guesses cannot all pass
    before the first failure is recorded. Known and unknown accounts are counted alike, and
    the refusal reads the same for both.
    """
    await limits.per_address.hit("login-address", address)
    await limits.per_account.hit("login-account", email.strip().lower())


async def log_in(
    session: AsyncSession,
    *,
    credentials: LoginRequest,
    address: str,
    limits: LoginLimits,
    settings: Settings,
) -> TokenRead:
    """A fresh access token for valid credentials, within the login throttle."""
    await throttle_login(limits, email=credentials.email, address=address)
    user = await authenticate_password(
        session, email=credentials.email, password=credentials.password
    )
    return await sign_ins.start(session, user=user, settings=settings)


async def lookup_bearer(
    sessionmaker: async_sessionmaker[AsyncSession], *, token: str, settings: Settings
) -> tuple[Principal, float | None] | None:
    """The active account behind a JWT or an API key and when that credential expires.

    Runs in its own short transaction, so the caller holds no connection afterwards.
    """
    async with session_scope(sessionmaker) as session:
        parts = security.split_api_key(token)
        if parts is not None:
            return await _principal_for_api_key(session, key_id=parts[0], secret=parts[1])
        return await _principal_for_jwt(session, token=token, settings=settings)


def _principal(user: User | None, *, sign_in_id: str | None = None) -> Principal | None:
    if user is None or not user.is_active:
        return None
    return Principal.model_validate(user).model_copy(update={"sign_in_id": sign_in_id})


async def _principal_for_jwt(
    session: AsyncSession, *, token: str, settings: Settings
) -> tuple[Principal, float | None] | None:
    try:
        claims = tokens.read_access_token(token, secret=settings.secret_key.get_secret_value())
    except security.InvalidToken:
        return None
    user = await sign_ins.signed_in_user(session, claims=claims, settings=settings)
    principal = _principal(user, sign_in_id=claims.sign_in_id)
    return None if principal is None else (principal, claims.expires_at)


async def _principal_for_api_key(
    session: AsyncSession, *, key_id: str, secret: str
) -> tuple[Principal, float | None] | None:
    result = await session.execute(select(ApiKey).where(ApiKey.key_id == key_id))
    key = result.scalar_one_or_none()
    if key is None or not security.api_secret_matches(secret, key.secret_hash):
        return None
    now = datetime.now(UTC)
    expires_at = _aware(key.expires_at) if key.expires_at is not None else None
    if expires_at is not None and expires_at <= now:
        return None
    if key.last_used_at is None or now - _aware(key.last_used_at) > LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.flush()
    principal = _principal(await users.get_by_id(session, user_id=key.user_id))
    if principal is None:
        return None
    return principal, expires_at.timestamp() if expires_at is not None else None


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def update_me(
    session: AsyncSession, *, caller: Principal, data: UserUpdate, cache: AuthCache
) -> User:
    """Change display name and/or password (the latter needs the current password)."""
    user = await users.get_by_id(session, user_id=caller.id)
    if user is None:
        raise Unauthorized("Unauthorized")
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.new_password is not None:
        current = data.current_password or ""
        check = await asyncio.to_thread(security.verify_password, current, user.password_hash)
        if not check.valid:
            raise BadRequest(
                "Current password is incorrect",
                details=[{"field": "current_password", "message": "is incorrect"}],
            )
        user.password_hash = await asyncio.to_thread(security.hash_password, data.new_password)
        user.must_change_password = False
        await users.retire_tokens(session, user=user)  # every sign-in that knew the old one
    await session.flush()
    forget_user_after_commit(session, cache, user.id)
    return user


async def create_api_key(
    session: AsyncSession,
    *,
    user: Principal,
    data: ApiKeyCreate,
    broker: BrokerAccounts | None = None,
) -> tuple[ApiKey, str]:
    """A new key for `user`; the plaintext is returned once and never stored.

    Its broker password hash is kept (the key logs in to MQTT brokers the portal manages),
    and a managed broker learns the key at once.
    """
    new_key = security.generate_api_key()
    expires_at = None
    if data.expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=data.expires_in_days)
    mqtt = key_password(new_key.plaintext)
    key = ApiKey(
        user_id=user.id,
        key_id=new_key.key_id,
        secret_hash=new_key.secret_hash,
        name=data.name,
        expires_at=expires_at,
        mqtt_password_hash=mqtt.hash,
        mqtt_salt=mqtt.salt,
        mqtt_iterations=mqtt.iterations,
    )
    # The broker is told before the first write, so a slow broker never holds the database's
    # write lock (SQLite); a login whose key then fails to commit is removed at the next start.
    if broker is not None:
        await broker.key_created(key, new_key.plaintext)
    session.add(key)
    await session.flush()
    return key, new_key.plaintext


async def list_api_keys(session: AsyncSession, *, user: Principal) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)
    )
    return list(result.scalars())


async def revoke_api_key(
    session: AsyncSession,
    *,
    user: Principal,
    key_pk: int,
    cache: AuthCache,
    broker: BrokerAccounts | None = None,
) -> None:
    """Delete one of the user's keys; another user's key is reported as not found."""
    key = await session.get(ApiKey, key_pk)
    if key is None or key.user_id != user.id:
        raise NotFound("API key not found")
    if broker is not None:  # before the write, as in create_api_key
        await broker.key_revoked(key)
    await session.delete(key)
    await session.flush()
    forget_user_after_commit(session, cache, user.id)
