"""`/api/users`: account administration (admin role only)."""

from fastapi import APIRouter

from app.auth.deps import AdminUser
from app.deps import DbSession
from app.users import service
from app.users.schemas import UserAdminUpdate, UserRead

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("")
async def list_users(_: AdminUser, session: DbSession) -> list[UserRead]:
    return [UserRead.model_validate(user) for user in await service.list_users(session)]


@router.patch("/{user_id}")
async def update_user(
    user_id: int, data: UserAdminUpdate, admin: AdminUser, session: DbSession
) -> UserRead:
    user = await service.update_user(session, actor=admin, user_id=user_id, data=data)
    return UserRead.model_validate(user)
