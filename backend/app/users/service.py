"""Account queries and admin actions. Services flush; the request scope commits."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import AuthCache, Principal, forget_user_after_commit
from app.errors import BadRequest, NotFound
from app.users.models import Role, User
from app.users.schemas import UserAdminUpdate


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
    actor: Principal,
    user_id: int,
    data: UserAdminUpdate,
    cache: AuthCache,
) -> User:
    """Enable/disable an account or change its role; an admin cannot lock themselves out."""
    user = await get_by_id(session, user_id=user_id)
    if user is None:
        raise NotFound("User not found")
    if user.id == actor.id and (data.is_active is False or data.role == Role.USER.value):
        raise BadRequest("You cannot disable or demote your own account")
    if data.is_active is not None:
        user.is_active = data.is_active
    if data.role is not None:
        user.role = data.role
    await session.flush()
    forget_user_after_commit(session, cache, user.id)  # a disabled account stops at once
    return user
