"""`/api/auth/*` (register, login, refresh, logout, me) and `/api/keys` (the caller's API keys)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth import service, sign_ins
from app.auth.deps import AuthTokens, ClientAddress, CurrentUser, LoginThrottle, SignedInUser
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, LoginRequest, TokenRead
from app.deps import AppSettings, DbSession, RowId
from app.errors import BadRequest, error_responses
from app.games.broker_sync import BrokerSync
from app.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/api/auth", tags=["auth"])
keys_router = APIRouter(prefix="/api/keys", tags=["keys"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": LoginRequest.model_json_schema()},
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                }
            },
        },
    }
}


async def read_login(request: Request) -> LoginRequest:
    """Accept the OAuth2 password form (`username`) as well as JSON (`email`)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_TYPES):
        form = await request.form()
        data: Any = {"email": form.get("username") or form.get("email"), **dict(form)}
    else:
        try:
            data = json.loads(await request.body())
        # Bad JSON, bytes that are not UTF-8 at all, and nesting deeper than the parser recurses.
        except (ValueError, RecursionError) as exc:
            raise BadRequest("Request body must be JSON or a login form") from exc
    try:
        return LoginRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(
        400, 409, 413, descriptions={409: "An account with this email exists already"}
    ),
)
async def register_user(data: UserCreate, session: DbSession) -> UserRead:
    user = await service.register_user(session, data=data)
    return UserRead.model_validate(user)


@router.post(
    "/login",
    openapi_extra=_LOGIN_BODY,
    responses=error_responses(
        400,
        401,
        413,
        429,
        descriptions={
            401: "The email or password is wrong, or the account is disabled",
            429: "Too many sign-in attempts: wait the seconds that `Retry-After` says",
        },
    ),
)
async def login_user(
    credentials: Annotated[LoginRequest, Depends(read_login)],
    session: DbSession,
    settings: AppSettings,
    limits: LoginThrottle,
    address: ClientAddress,
) -> TokenRead:
    return await service.log_in(
        session, credentials=credentials, address=address, limits=limits, settings=settings
    )


@router.post(
    "/refresh",
    responses=error_responses(
        401,
        descriptions={
            401: "The token is not valid any more, or its sign-in ended (logout, password "
            "change, `SIGN_IN_MAX_HOURS` reached: `sign_in_ended`), or it is an API key "
            "(`not_a_sign_in`): sign in again"
        },
    ),
)
async def refresh_access_token(
    user: SignedInUser, session: DbSession, settings: AppSettings
) -> TokenRead:
    """A fresh access token for the same sign-in, while the sign-in lasts.

    Call it before the current token expires (`expires_in`); the sign-in itself ends
    `SIGN_IN_MAX_HOURS` after the login, however often it is renewed.
    """
    return await sign_ins.renew(session, caller=user, settings=settings)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        401,
        descriptions={
            401: "The token is not valid (already logged out?), or it is an API key "
            "(`not_a_sign_in`: revoke keys with DELETE /api/keys/{key_id})"
        },
    ),
)
async def logout_user(user: SignedInUser, session: DbSession, cache: AuthTokens) -> None:
    """End this sign-in: its access token and every renewal of it stop working."""
    await sign_ins.end(session, caller=user, cache=cache)


@router.get("/me", responses=error_responses(401))
async def read_me(user: SignedInUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me", responses=error_responses(400, 401, 413))
async def update_me(
    data: UserUpdate, user: SignedInUser, session: DbSession, cache: AuthTokens
) -> UserRead:
    """Change the display name and/or the password (which needs `current_password`).

    A new password ends every sign-in of the account, this one too: sign in again with it.
    It also clears `must_change_password`.
    """
    updated = await service.update_me(session, caller=user, data=data, cache=cache)
    return UserRead.model_validate(updated)


PASSWORD_FIRST = (
    "The account signed in with a temporary password and must set its own first "
    "(`password_change_required`)"
)


@keys_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 413, descriptions={403: PASSWORD_FIRST}),
)
async def create_api_key(
    data: ApiKeyCreate, user: CurrentUser, session: DbSession, broker: BrokerSync
) -> ApiKeyCreated:
    key, plaintext = await service.create_api_key(session, user=user, data=data, broker=broker)
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(key).model_dump(), "key": plaintext}
    )


@keys_router.get("", responses=error_responses(401, 403, descriptions={403: PASSWORD_FIRST}))
async def list_api_keys(user: CurrentUser, session: DbSession) -> list[ApiKeyRead]:
    keys = await service.list_api_keys(session, user=user)
    return [ApiKeyRead.model_validate(key) for key in keys]


@keys_router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(
        400, 401, 403, 404, descriptions={403: PASSWORD_FIRST, 404: "No such API key"}
    ),
)
async def delete_api_key(
    key_id: RowId, user: CurrentUser, session: DbSession, cache: AuthTokens, broker: BrokerSync
) -> None:
    await service.revoke_api_key(session, user=user, key_pk=key_id, cache=cache, broker=broker)
