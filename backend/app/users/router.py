"""`/api/users`: account administration (admin role only)."""

from fastapi import APIRouter

from app.auth.deps import AdminUser, AuthTokens
from app.deps import DbSession, RowId
from app.errors import error_responses
from app.games.broker_sync import BrokerSync
from app.users import service
from app.users.schemas import TemporaryPasswordRead, UserAdminUpdate, UserRead

router = APIRouter(prefix="/api/users", tags=["users"])


ADMIN_ONLY = (
    "Admin role required — or the account signed in with a temporary password and must set "
    "its own first (`password_change_required`)"
)


@router.get("", responses=error_responses(401, 403, descriptions={403: ADMIN_ONLY}))
async def list_users(_: AdminUser, session: DbSession) -> list[UserRead]:
    return [UserRead.model_validate(user) for user in await service.list_users(session)]


@router.patch(
    "/{user_id}",
    responses=error_responses(
        400,
        401,
        403,
        404,
        409,
        413,
        descriptions={
            403: ADMIN_ONLY,
            404: "No such user",
            409: "The change would leave no active admin (`last_admin`): make another "
            "account admin first",
        },
    ),
)
async def update_user(
    user_id: RowId,
    data: UserAdminUpdate,
    _: AdminUser,
    session: DbSession,
    cache: AuthTokens,
    broker: BrokerSync,
) -> UserRead:
    user = await service.update_user(
        session, user_id=user_id, data=data, cache=cache, broker=broker
    )
    return UserRead.model_validate(user)


@router.post(
    "/{user_id}/temporary-password",
    responses=error_responses(
        400,
        401,
        403,
        404,
        descriptions={
            403: f"{ADMIN_ONLY}; or it is your own account (`own_account`): change your own "
            "password with PATCH /api/auth/me",
            404: "No such user",
        },
    ),
)
async def create_temporary_password(
    user_id: RowId, admin: AdminUser, session: DbSession, cache: AuthTokens
) -> TemporaryPasswordRead:
    """Set a generated password the person must change after signing in with it.

    Shown once, never stored in plain text; every sign-in of the account ends.
    """
    password = await service.give_temporary_password(
        session, actor=admin, user_id=user_id, cache=cache
    )
    return TemporaryPasswordRead(temporary_password=password)
