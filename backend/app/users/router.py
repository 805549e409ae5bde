"""`/api/users`: account administration (admin role only)."""

from fastapi import APIRouter

from app.auth.deps import AdminUser, AuthTokens
from app.deps import DbSession, RowId
from app.errors import error_responses
from app.users import service
from app.users.schemas import UserAdminUpdate, UserRead

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", responses=error_responses(401, 403))
async def list_users(_: AdminUser, session: DbSession) -> list[UserRead]:
    return [UserRead.model_validate(user) for user in await service.list_users(session)]


@router.patch(
    "/{user_id}",
    responses=error_responses(400, 401, 403, 404, 413, descriptions={404: "No such user"}),
)
async def update_user(
    user_id: RowId, data: UserAdminUpdate, admin: AdminUser, session: DbSession, cache: AuthTokens
) -> UserRead:
    user = await service.update_user(session, actor=admin, user_id=user_id, data=data, cache=cache)
    return UserRead.model_validate(user)
