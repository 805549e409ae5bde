"""One error tree, one shape for every error of every route.

    AppError (500, "internal_error")
    ├── BadRequest (400, "bad_request")      — also validation errors, with `details`
    ├── Unauthorized (401, "unauthorized")
    ├── Forbidden (403, "forbidden")
    ├── NotFound (404, "not_found")          — also another user's object
    ├── Conflict (409, "conflict")
    ├── RateLimited (429, "rate_limited")    — carries Retry-After
    ├── BadGateway (502, "bad_gateway")      — the LLM refused or garbled the request
    ├── ServiceUnavailable (503, "unavailable") — carries Retry-After when known
    └── GatewayTimeout (504, "timeout")

The LLM library's transport-neutral errors are mapped here once (`llm_error_to_app_error`).
Every response body is `{"error", "timestamp", "code"?, "details"?}`: `ErrorResponse` states it
in the OpenAPI schema, and `error_responses(...)` documents the statuses a route can answer.
"""

import logging
import time
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema, models_json_schema
from sqlalchemy import exc as sqlalchemy_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.llm.errors import LLMBadResponse, LLMBusy, LLMError, LLMTimeout, LLMUserLimit

logger = logging.getLogger(__name__)


class AppError(Exception):
    """Base of every expected failure; the handler renders it in the one shape."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        details: Any = None,
        retry_after: float | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.retry_after = retry_after
        self.code_override = code

    @property
    def error_code(self) -> str:
        return self.code_override or self.code


class BadRequest(AppError):
    status_code = 400
    code = "bad_request"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"


class BadGateway(AppError):
    status_code = 502
    code = "bad_gateway"


class GatewayTimeout(AppError):
    status_code = 504
    code = "timeout"


class FieldProblem(BaseModel):
    """One invalid input: which field (dotted path, as the client sent it) and what is wrong."""

    field: str = Field(description="Dotted path of the field, e.g. `messages.0.content`")
    message: str = Field(description="What is wrong with it")


class ErrorResponse(BaseModel):
    """The one error shape of every route (also the data of an SSE `event: error`).

    `details` is a list of `FieldProblem` for invalid input (400); a list of the accepted
    values where one value was not (e.g. `completion_type`); an object elsewhere — a
    chat-session turn that fails after it was admitted carries `details.session_id`, the
    session that stored the question, so the client can show it or continue there.
    """

    error: str = Field(description="What went wrong and what to do, in words for a person")
    timestamp: int = Field(description="When the error happened, in Unix seconds")
    code: str | SkipJsonSchema[None] = Field(
        default=None,
        description="A stable machine word: `validation_error`, `unauthorized`, `not_found`, "
        "`rate_limited`, `llm_unavailable`, `llm_timeout`, …",
    )
    details: list[FieldProblem] | list[str] | dict[str, Any] | str | SkipJsonSchema[None] = Field(
        default=None, description="More about the error; see the description of this shape"
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is not valid: a field is missing, malformed or out of range "
    "(`details` names each field)",
    401: "Sign in first: the bearer token is missing, expired, revoked or not valid",
    403: "Your account's role does not allow this, or the account must replace its "
    "temporary password first (`password_change_required`)",
    404: "There is nothing here, or it belongs to someone else",
    409: "This conflicts with what exists already",
    413: "The request body is larger than the server accepts",
    429: "Too many requests: wait the seconds that `Retry-After` says, then try again",
    502: "The model refused or could not handle this request; sending it again will not help",
    503: "The model is offline or busy: try again after the seconds `Retry-After` says",
    504: "The model took too long to answer: try again, or ask for a shorter answer",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
    },
    503: {
        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}},
    },
}
_ERROR_REF = "#/components/schemas/ErrorResponse"
LLM_ERRORS = (429, 502, 503, 504)
"""What any route that asks the model can answer besides its own errors."""


def error_responses(
    *statuses: int, descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` for these statuses, each in the one error shape.

    `descriptions` replaces the generic text for a status with the route's own words. The
    shape is always JSON, also on routes whose success is a stream, so it is referenced
    here rather than given as a `model` (FastAPI would file it under the route's media type).
    """
    own = descriptions or {}
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        response: dict[str, Any] = {
            "description": own.get(status, ERROR_DESCRIPTIONS[status]),
            "content": {"application/json": {"schema": {"$ref": _ERROR_REF}}},
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses


def document_error_shape(schema: dict[str, Any]) -> dict[str, Any]:
    """Finish an OpenAPI schema: add `ErrorResponse`, drop FastAPI's default 422.

    FastAPI documents 422 for every route with inputs; here validation errors are 400 in
    the one shape, which each route documents with `error_responses(...)`.
    """
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("422", None)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    _, error_schemas = models_json_schema(
        [(ErrorResponse, "serialization")], ref_template="#/components/schemas/{model}"
    )
    components.update(error_schemas["$defs"])
    return schema


def error_body(message: str, *, code: str | None = None, details: Any = None) -> dict[str, Any]:
    """The one error shape, shared by JSON responses and SSE `error` events."""
    body: dict[str, Any] = {"error": message, "timestamp": int(time.time())}
    if code is not None:
        body["code"] = code
    if details is not None:
        body["details"] = details
    return body


def app_error_body(exc: AppError) -> dict[str, Any]:
    return error_body(exc.message, code=exc.error_code, details=exc.details)


def app_error_response(exc: AppError) -> JSONResponse:
    headers: dict[str, str] = {}
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(app_error_body(exc), status_code=exc.status_code, headers=headers)


def llm_error_to_app_error(exc: LLMError, *, unavailable: str | None = None) -> AppError:
    """Map the LLM library's errors to HTTP semantics, once for every route.

    ``unavailable``: the route's contract answers every failure but the caller's own limit
    with 503 and this message (TAB completion's documented "LLM service unavailable").
    """
    if isinstance(exc, LLMUserLimit):
        return RateLimited(str(exc), retry_after=exc.retry_after, code="llm_user_limit")
    if unavailable is not None:
        retry_after = exc.retry_after if isinstance(exc, LLMBusy) else 5.0
        return ServiceUnavailable(
            unavailable, retry_after=retry_after, code="llm_unavailable", details=str(exc)
        )
    if isinstance(exc, LLMBusy):
        return ServiceUnavailable(str(exc), retry_after=exc.retry_after, code="llm_busy")
    if isinstance(exc, LLMTimeout):
        return GatewayTimeout(str(exc), code="llm_timeout")
    if isinstance(exc, LLMBadResponse):
        # The server answered, but refused or garbled this request: retrying it will not help.
        return BadGateway(str(exc), code="llm_bad_response")
    return ServiceUnavailable(str(exc), retry_after=5, code="llm_unavailable")


DATABASE_UNAVAILABLE = (
    sqlalchemy_exc.TimeoutError,
    sqlalchemy_exc.OperationalError,
    sqlalchemy_exc.InterfaceError,
    sqlalchemy_exc.DisconnectionError,
)
"""Database failures that say "not now" (pool exhausted, server gone), not "this is a bug"."""


def database_error_to_app_error(exc: Exception) -> AppError:
    """A 503 the client can retry: the pool was exhausted or the database did not answer."""
    if isinstance(exc, sqlalchemy_exc.TimeoutError):
        return ServiceUnavailable(
            "The service is busy — try again in a few seconds", retry_after=5, code="busy"
        )
    return ServiceUnavailable(
        "The database is not answering — try again in a minute",
        retry_after=10,
        code="database_unavailable",
    )


def validation_details(exc: RequestValidationError) -> list[dict[str, str]]:
    """Turn pydantic's errors into `[{field, message}]`, naming the field a person typed."""
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        details.append({"field": ".".join(location) or "body", "message": str(error.get("msg"))})
    return details


async def _handle_app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return app_error_response(exc)


async def _handle_llm_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LLMError)
    return app_error_response(llm_error_to_app_error(exc))


async def _handle_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = validation_details(exc)
    first = details[0] if details else {"field": "body", "message": "invalid"}
    message = f"Invalid {first['field']}: {first['message']}"
    return JSONResponse(error_body(message, code="validation_error", details=details), 400)


async def _handle_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    body = error_body(str(exc.detail), code=getattr(exc, "code", None) or f"http_{exc.status_code}")
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def _handle_database_unavailable(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", exc)
    return app_error_response(database_error_to_app_error(exc))


async def _handle_unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("Internal server error", code="internal_error"), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that render every error in the one shape."""
    app.add_exception_handler(AppError, _handle_app_error)
    app.add_exception_handler(LLMError, _handle_llm_error)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    for database_failure in DATABASE_UNAVAILABLE:
        app.add_exception_handler(database_failure, _handle_database_unavailable)
    app.add_exception_handler(Exception, _handle_unexpected)
