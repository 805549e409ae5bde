"""Registration, login, bearer authentication and API keys.

Argon2 is CPU-heavy, so hashing and verifying run in a worker thread, never on the event loop.
"""

import asyncio
import functools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app import security
from app.auth.models import ApiKey
from app.auth.schemas import ApiKeyCreate, TokenRead
from app.config import Settings
from app.errors import BadRequest, Conflict, NotFound, Unauthorized
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


def issue_access_token(*, user: User, settings: Settings) -> TokenRead:
    token = security.create_access_token(
        str(user.id),
        secret=settings.secret_key.get_secret_value(),
        minutes=settings.access_token_minutes,
        version=user.token_version,
    )
    return TokenRead(access_token=token, expires_in=settings.access_token_minutes * 60)


async def authenticate_bearer(session: AsyncSession, *, token: str, settings: Settings) -> User:
    """The active user behind a JWT or an API key, or `Unauthorized`."""
    parts = security.split_api_key(token)
    if parts is not None:
        user = await _user_for_api_key(session, key_id=parts[0], secret=parts[1])
    else:
        user = await _user_for_jwt(session, token=token, settings=settings)
    if user is None or not user.is_active:
        raise Unauthorized("Unauthorized")
    return user


async def _user_for_jwt(session: AsyncSession, *, token: str, settings: Settings) -> User | None:
    try:
        claims = security.decode_access_token(token, secret=settings.secret_key.get_secret_value())
    except security.InvalidToken:
        return None
    if not claims.subject.isdigit():
        return None
    user = await users.get_by_id(session, user_id=int(claims.subject))
    if user is None or user.token_version != claims.version:
        return None  # issued before the last password change
    return user


async def _user_for_api_key(session: AsyncSession, *, key_id: str, secret: str) -> User | None:
    result = await session.execute(select(ApiKey).where(ApiKey.key_id == key_id))
    key = result.scalar_one_or_none()
    if key is None or not security.api_secret_matches(secret, key.secret_hash):
        return None
    now = datetime.now(UTC)
    if key.expires_at is not None and _aware(key.expires_at) <= now:
        return None
    if key.last_used_at is None or now - _aware(key.last_used_at) > LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.flush()
    return await users.get_by_id(session, user_id=key.user_id)


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def update_me(session: AsyncSession, *, user: User, data: UserUpdate) -> User:
    """Change display name and/or password (the latter needs the current password)."""
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
        user.token_version += 1  # log out every session that knew the old password
    await session.flush()
    return user


async def create_api_key(
    session: AsyncSession, *, user: User, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """A new key for `user`; the plaintext is returned once and never stored."""
    new_key = security.generate_api_key()
    expires_at = None
    if data.expires_in_days is not None:
        expires_at = datetime.now(UTC) + timedelta(days=data.expires_in_days)
    key = ApiKey(
        user_id=user.id,
        key_id=new_key.key_id,
        secret_hash=new_key.secret_hash,
        name=data.name,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    return key, new_key.plaintext


async def list_api_keys(session: AsyncSession, *, user: User) -> list[ApiKey]:
    result = await session.execute(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.id)
    )
    return list(result.scalars())


async def revoke_api_key(session: AsyncSession, *, user: User, key_pk: int) -> None:
    """Delete one of the user's keys; another user's key is reported as not found."""
    key = await session.get(ApiKey, key_pk)
    if key is None or key.user_id != user.id:
        raise NotFound("API key not found")
    await session.delete(key)
    await session.flush()
