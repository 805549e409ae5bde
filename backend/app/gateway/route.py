"""The `/v1` routes' own handling: OpenAI's error JSON, the log line, and what OpenAPI says.

:class:`OpenAIRoute` wraps each route's handler (authentication, validation, the work) so
every failure under `/v1` is rendered by :func:`app.gateway.errors.describe`, while the app's
handlers keep answering every other route in the portal's shape. It also opens the request's
log line and writes it when a JSON answer or an error goes out; a stream writes its own when it
ends.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.errors import ERROR_DESCRIPTIONS
from app.gateway.errors import describe, error_response
from app.gateway.request_log import RequestLog
from app.gateway.schemas import OpenAIErrorResponse
from app.gateway.wire import EventStream

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_SECONDS = {"description": "Seconds to wait", "schema": {"type": "integer"}}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": _SECONDS},
    503: {"Retry-After": _SECONDS},
}
DESCRIPTIONS = {
    **ERROR_DESCRIPTIONS,
    401: "The bearer token is missing, wrong, expired or revoked (`invalid_api_key`)",
    404: "No such model (`model_not_found`), template or other object",
    409: "The named template is archived (`template_archived`)",
    429: "Too many requests of yours are running (`rate_limit_exceeded`): wait the seconds "
    "`Retry-After` says",
    502: "The model server sent an answer that could not be read",
}


def openai_errors(
    *statuses: int, descriptions: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """FastAPI `responses=` for these statuses, each with OpenAI's error JSON."""
    own = {**DESCRIPTIONS, **(descriptions or {})}
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        response: dict[str, Any] = {"model": OpenAIErrorResponse, "description": own[status]}
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses


class OpenAIRoute(APIRoute):
    """A `/v1` route: errors in OpenAI's shape, one log line per request."""

    def get_route_handler(self) -> Handler:
        handle = super().get_route_handler()

        async def handle_openai(request: Request) -> Response:
            log = RequestLog.begin(request, request.scope["path"])
            request.state.gateway_log = log
            try:
                response = await handle(request)
            except Exception as exc:
                problem = describe(exc)
                log.finish(problem.status, "stopped" if problem.status == 499 else "failed")
                return error_response(problem)
            if not isinstance(response, EventStream):  # a stream logs when it ends
                log.finish(response.status_code)
            return response

        return handle_openai


async def get_request_log(request: Request) -> RequestLog:
    log: RequestLog = request.state.gateway_log
    return log
