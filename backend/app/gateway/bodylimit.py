"""A `/v1` body that declares more than the cap gets 413 in OpenAI's shape.

The app-wide :class:`app.bodylimit.BodySizeLimit` refuses such a body before any route runs,
in the portal's shape; this pure ASGI layer sits just outside it and answers `/v1` first. A
body that does not declare its length is counted by the app-wide limit while the route reads
it, and that 413 is rendered by the `/v1` route itself.
"""

from app.bodylimit import ASGIApp, Receive, Scope, Send
from app.gateway.errors import Problem, error_response

PREFIX = "/v1"


def is_gateway_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class GatewayBodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_gateway_path(scope["path"]):
            declared = declared_length(scope)
            if declared is not None and declared > self.max_bytes:
                message = f"Request body is larger than {self.max_bytes} bytes"
                response = error_response(Problem(413, message, code="payload_too_large"))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
