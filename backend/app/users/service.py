"""Account queries and admin actions. Services flush; the request scope commits.

Argon2 is CPU-heavy, so hashing runs in a worker thread, never on the event loop.
"""

import asyncio
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app import security
from app.auth import sign_ins
from app.auth.cache import AuthCache, Principal, forget_user_after_commit
from app.errors import Conflict, Forbidden, NotFound
from app.games.broker_sync import BrokerAccounts
from app.users.models import Role, User
from app.users.schemas import UserAdminUpdate

LAST_ADMIN = "This is the last active admin account: make another account admin first"
OWN_ACCOUNT = "Change your own password on your account page; temporary passwords are for others"
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


async def get_by_email(session: AsyncSession, *, email: str) -> User | None:
    result = await session.execute(select(User).where(User.email == email.lower()))
    return result.scalar_one_or_none()


async def get_by_id(session: AsyncSession, *, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def count_users(session: AsyncSession) -> int:
    result = await session.execute(select(func.count()).select_from(User))
    return int(result.scalar_one())


async def add_user(
    session: AsyncSession, *, email: str, password_hash: str, display_name: str | None, role: Role
) -> User:
    user = User(
        email=email.lower(),
        password_hash=password_hash,
        display_name=display_name,
        role=role.value,
    )
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> list[User]:
    result = await session.execute(select(User).order_by(User.id))
    return list(result.scalars())


async def update_user(
    session: AsyncSession,
    *,
    user_id: int,
    data: UserAdminUpdate,
    cache: AuthCache,
    broker: BrokerAccounts | None = None,
) -> User:
    """Enable/disable an account or change its role, never leaving no active admin.

    Disabling retires the account's tokens and sign-ins, so enabling it again later does not
    bring an old sign-in back. Its API keys stay, but a managed MQTT broker refuses them
    while the account is disabled.
    """
    user = await get_by_id(session, user_id=user_id)
    if user is None:
        raise NotFound("User not found")
    if _stops_being_an_active_admin(user, data):
        await _keep_another_active_admin(session, user=user)
    if data.is_active is False and user.is_active:
        await retire_tokens(session, user=user)
    switched = data.is_active is not None and data.is_active != user.is_active
    if data.is_active is not None:
        user.is_active = data.is_active
    if data.role is not None:
        user.role = data.role
    await session.flush()
    forget_user_after_commit(session, cache, user.id)  # a disabled account stops at once
    if switched and broker is not None:
        await broker.user_changed(session, user_id=user.id, active=user.is_active)
    return user


def _stops_being_an_active_admin(user: User, data: UserAdminUpdate) -> bool:
    if not (user.is_admin and user.is_active):
        return False
    return data.is_active is False or data.role == Role.USER.value


async def _keep_another_active_admin(session: AsyncSession, *, user: User) -> None:
    """Refuse a change that would leave the portal without an active admin.

    Two admins demoting each other at the same moment must not both pass this check, so it
    runs under a lock held until the transaction ends. PostgreSQL locks the active admins'
    rows. SQLite has no row locks and its driver opens the transaction only at the first
    write, so a plain read would see the state before the other request commits: a write to
    the account's own row comes first and takes the database's write lock (what `BEGIN
    IMMEDIATE` would do); the other request waits at that write until this one commits, then
    reads what it committed.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(
            update(User)
            .where(User.id == user.id)
            .values(role=User.role, updated_at=User.updated_at)
            .execution_options(synchronize_session=False)
        )
    admins = await session.execute(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.is_active.is_(True))
        .with_for_update()
    )
    if all(admin_id == user.id for admin_id in admins.scalars()):
        raise Conflict(LAST_ADMIN, code="last_admin")


async def retire_tokens(session: AsyncSession, *, user: User) -> None:
    """Make every access token and sign-in of `user` invalid (API keys stay: revoke them)."""
    user.token_version += 1
    await sign_ins.end_all(session, user_id=user.id)


def generate_temporary_password() -> str:
    """Three groups of four, like `k7qm-x3pa-9hwe`: about 59 random bits, easy to read out.

    The alphabet leaves out look-alikes (0/o, 1/l/i); the hyphens and at least one letter
    satisfy the password rules of `app.users.schemas`.
    """
    while True:
        groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
        password = "-".join(groups)
        if any(char.isalpha() for char in password):
            return password


async def set_temporary_password(session: AsyncSession, *, user: User) -> str:
    """Give `user` a generated password that must be changed after the next sign-in.

    Ends all of the account's sign-ins. Returns the password: shown once, never stored.
    """
    password = generate_temporary_password()
    user.password_hash = await asyncio.to_thread(security.hash_password, password)
    user.must_change_password = True
    await retire_tokens(session, user=user)
    await session.flush()
    return password


async def give_temporary_password(
    session: AsyncSession, *, actor: Principal, user_id: int, cache: AuthCache
) -> str:
    """An admin sets another account's temporary password (their own they change themselves)."""
    user = await get_by_id(session, user_id=user_id)
    if user is None:
        raise NotFound("User not found")
    if user.id == actor.id:
        raise Forbidden(OWN_ACCOUNT, code="own_account")
    password = await set_temporary_password(session, user=user)
    forget_user_after_commit(session, cache, user.id)
    return password
