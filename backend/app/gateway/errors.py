"""OpenAI's error JSON for every failure under `/v1`, so the `openai` SDK raises the right class.

    {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}

The SDK picks its exception by status (400 BadRequestError, 401 AuthenticationError, 403
PermissionDeniedError, 404 NotFoundError, 409 ConflictError, 429 RateLimitError, 5xx
InternalServerError, others APIStatusError) and reads `message`, `type`, `param` and `code`
from this object. The portal's own errors (:class:`~app.errors.AppError`, the LLM library's,
validation) are translated here once; the rest of the app keeps the portal's shape
(decisions: `/v1` is the one compatibility surface).

A session turn that fails after it was admitted adds `session_id` to the error object, as the
portal's `details.session_id` does: the question is stored there.
"""

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from app.errors import (
    DATABASE_UNAVAILABLE,
    AppError,
    database_error_to_app_error,
    llm_error_to_app_error,
)
from app.llm.errors import LLMError, LLMRejected

logger = logging.getLogger(__name__)

TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_denied",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    502: "api_error",
    504: "api_error",
}
"""OpenAI's `type` by status; any other 4xx is an invalid request, any other 5xx ours."""
CODES: Mapping[int, str] = {401: "invalid_api_key", 429: "rate_limit_exceeded"}
"""Codes the SDKs' users match on, in place of the portal's own word for them."""


@dataclass(frozen=True)
class Problem:
    """One failure, as `/v1` answers it (``extra`` joins the error object, e.g. a session)."""

    status: int
    message: str
    code: str | None = None
    param: str | None = None
    type: str | None = None
    retry_after: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    allow: str | None = None
    """The methods a known path takes, for a 405's `Allow`."""

    def error(self) -> dict[str, Any]:
        kind = self.type or TYPES.get(self.status)
        kind = kind or ("server_error" if self.status >= 500 else "invalid_request_error")
        body = {"message": self.message, "type": kind, "param": self.param, "code": self.code}
        return {**body, **self.extra}

    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(max(1, round(self.retry_after)))
        if self.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        if self.allow is not None:
            headers["Allow"] = self.allow
        return headers


class GatewayError(Exception):
    """A failure the gateway itself decided on (unknown model, a field a session refuses)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def invalid(message: str, *, param: str | None, code: str | None = "invalid_value") -> GatewayError:
    return GatewayError(Problem(400, message, code=code, param=param))


def model_not_found(model: str) -> GatewayError:
    message = f"The model `{model}` does not exist: GET /v1/models lists the models served here"
    problem = Problem(404, message, code="model_not_found", param="model")
    return GatewayError(replace(problem, type="invalid_request_error"))


def too_large_body(message: str) -> dict[str, Any]:
    """The 413 body of `app.bodylimit.BodySizeLimit` under `/v1`, which `app.main` hands it."""
    return {"error": Problem(413, message, code="payload_too_large").error()}


def unknown_path(path: str, allowed: Collection[str]) -> GatewayError:
    """An unknown `/v1` path (404), or a known one asked with another method (405)."""
    if allowed:
        allow = ", ".join(sorted(allowed))
        return GatewayError(
            Problem(405, "Method Not Allowed", code="method_not_allowed", allow=allow)
        )
    return GatewayError(Problem(404, f"Unknown request URL: {path}", code="unknown_url"))


def with_session(problem: Problem, session_id: str) -> Problem:
    """The problem of a session turn that failed after its question was stored."""
    return replace(problem, extra={**problem.extra, "session_id": session_id})


def param_of(location: Sequence[int | str], body: Any, *, missing: bool = False) -> str | None:
    """The field a validation error names, as the client wrote it: ``messages.0.content``.

    Pydantic's locations also hold the union member it tried (``str``, ``list[str]``);
    following the path through the body as sent keeps only the parts the client typed. A
    ``missing`` field is named too, although the body does not hold it.
    """
    path = list(location[1:] if location[:1] == ("body",) else location)
    parts: list[str] = []
    node = body
    for part in path:
        in_object = isinstance(node, Mapping) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_object or in_list):
            break
        node = node[part]
        parts.append(str(part))
    if missing and path and len(parts) == len(path) - 1:
        parts.append(str(path[-1]))
    return ".".join(parts) or None


def validation_problem(errors: Sequence[Any], body: Any) -> Problem:
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    location = tuple(first.get("loc", ()))
    param = param_of(location, body, missing=first.get("type") == "missing")
    message = f"Invalid '{param}': {first.get('msg')}" if param else str(first.get("msg"))
    return Problem(400, message, code="invalid_value", param=param)


def _from_app_error(exc: AppError) -> Problem:
    extra: dict[str, Any] = {}
    if isinstance(exc.details, Mapping) and "session_id" in exc.details:
        extra["session_id"] = exc.details["session_id"]
    return Problem(
        exc.status_code,
        exc.message,
        code=CODES.get(exc.status_code, exc.error_code),
        retry_after=exc.retry_after,
        extra=extra,
    )


def _from_http(exc: StarletteHTTPException) -> Problem:
    code = getattr(exc, "code", None) or f"http_{exc.status_code}"
    return Problem(exc.status_code, str(exc.detail), code=code)


def describe(exc: BaseException) -> Problem:
    """Any failure of a `/v1` request as OpenAI's error; unexpected ones are logged here."""
    if isinstance(exc, GatewayError):
        return exc.problem
    if isinstance(exc, RequestValidationError):
        return validation_problem(exc.errors(), exc.body)
    if isinstance(exc, ValidationError):
        return validation_problem(exc.errors(), None)
    if isinstance(exc, LLMRejected):  # the model server's own words: the caller can act on them
        return Problem(400, exc.detail or exc.message, code="upstream_rejected")
    if isinstance(exc, LLMError):
        return _from_app_error(llm_error_to_app_error(exc))
    if isinstance(exc, AppError):
        return _from_app_error(exc)
    if isinstance(exc, StarletteHTTPException):
        return _from_http(exc)
    if isinstance(exc, DATABASE_UNAVAILABLE):
        logger.warning("database unavailable: %s", exc)
        return _from_app_error(database_error_to_app_error(exc))
    logger.exception("unhandled error", exc_info=exc)
    return Problem(500, "Internal server error", code="internal_error")


def error_response(problem: Problem) -> Response:
    return Response(
        orjson.dumps({"error": problem.error()}),
        status_code=problem.status,
        headers=problem.headers(),
        media_type="application/json",
    )


def error_event(problem: Problem) -> bytes:
    """A failure after a stream began: one `data:` event the SDK raises `APIError` from."""
    return b"data: " + orjson.dumps({"error": problem.error()}) + b"\n\n"
