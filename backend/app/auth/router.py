"""`/api/auth/*` (register, login, me) and `/api/keys` (the caller's API keys)."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from app.auth import service
from app.auth.deps import CurrentUser
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, LoginRequest, TokenRead
from app.deps import AppSettings, DbSession
from app.errors import BadRequest
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
        except ValueError as exc:  # bad JSON, and bytes that are not UTF-8 at all
            raise BadRequest("Request body must be JSON or a login form") from exc
    try:
        return LoginRequest.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register_user(data: UserCreate, session: DbSession) -> UserRead:
    user = await service.register_user(session, data=data)
    return UserRead.model_validate(user)


@router.post("/login", openapi_extra=_LOGIN_BODY)
async def login_user(
    credentials: Annotated[LoginRequest, Depends(read_login)],
    session: DbSession,
    settings: AppSettings,
) -> TokenRead:
    user = await service.authenticate_password(
        session, email=credentials.email, password=credentials.password
    )
    return service.issue_access_token(user=user, settings=settings)


@router.get("/me")
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me")
async def update_me(data: UserUpdate, user: CurrentUser, session: DbSession) -> UserRead:
    updated = await service.update_me(session, user=user, data=data)
    return UserRead.model_validate(updated)


@keys_router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    data: ApiKeyCreate, user: CurrentUser, session: DbSession
) -> ApiKeyCreated:
    key, plaintext = await service.create_api_key(session, user=user, data=data)
    return ApiKeyCreated.model_validate(
        {**ApiKeyRead.model_validate(key).model_dump(), "key": plaintext}
    )


@keys_router.get("")
async def list_api_keys(user: CurrentUser, session: DbSession) -> list[ApiKeyRead]:
    keys = await service.list_api_keys(session, user=user)
    return [ApiKeyRead.model_validate(key) for key in keys]


@keys_router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_api_key(key_id: int, user: CurrentUser, session: DbSession) -> None:
    await service.revoke_api_key(session, user=user, key_pk=key_id)
