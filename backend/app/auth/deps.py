"""Who is calling: `CurrentUser` (JWT or API key), `AdminUser`, and the auth helpers.

Authentication holds no database connection beyond its own short lookup (see
`app.auth.cache`): a request that then waits for the model keeps nothing from the pool.

An account with a temporary password must set its own before anything else: `CurrentUser`
(and so `AdminUser`) answers 403 `password_change_required` for it. Only the routes that let
it do so — reading and updating its account, refresh, logout — take `SignedInUser`, which
skips that check. A new route is therefore closed to such an account unless it opts in.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service
from app.auth.cache import AuthCache, Principal
from app.deps import AppSettings
from app.errors import Forbidden, Unauthorized

PASSWORD_CHANGE_REQUIRED = "Choose a new password first: this account has a temporary password"
bearer_scheme = HTTPBearer(auto_error=False, description="A JWT from login or a pp_… API key")


async def get_auth_cache(request: Request) -> AuthCache:
    cache: AuthCache = request.app.state.auth_cache
    return cache


AuthTokens = Annotated[AuthCache, Depends(get_auth_cache)]


async def get_login_limits(request: Request) -> service.LoginLimits:
    limits: service.LoginLimits = request.app.state.login_limits
    return limits


LoginThrottle = Annotated[service.LoginLimits, Depends(get_login_limits)]


async def get_signed_in_user(
    request: Request,
    settings: AppSettings,
    cache: AuthTokens,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Unauthorized")
    sessionmaker = request.app.state.sessionmaker
    principal = await cache.principal(
        credentials.credentials,
        lambda token: service.lookup_bearer(sessionmaker, token=token, settings=settings),
    )
    if principal is None:
        raise Unauthorized("Unauthorized")
    return principal


SignedInUser = Annotated[Principal, Depends(get_signed_in_user)]
"""The caller, also while their account must change its password (see the module doc)."""


async def get_current_user(user: SignedInUser) -> Principal:
    if user.must_change_password:
        raise Forbidden(PASSWORD_CHANGE_REQUIRED, code="password_change_required")
    return user


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> Principal:
    if not user.is_admin:
        raise Forbidden("Admin role required")
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]


def client_address(request: Request) -> str:
    """The caller's address as the server sees it (behind a proxy: set uvicorn's
    `--forwarded-allow-ips` so this is the real client)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
