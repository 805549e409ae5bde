"""Who is calling: `CurrentUser` (JWT or API key) and `AdminUser`."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.deps import AppSettings, DbSession
from app.errors import Forbidden, Unauthorized
from app.users.models import User

bearer_scheme = HTTPBearer(auto_error=False, description="A JWT from login or a pp_… API key")


async def get_current_user(
    session: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Unauthorized")
    return await service.authenticate_bearer(
        session, token=credentials.credentials, settings=settings
    )


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Admin role required")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
