"""Refuse request bodies over the global cap with 413, before a handler reads them.

Pure ASGI on purpose: `BaseHTTPMiddleware` would buffer streams and break cancellation.

The 413 is in the portal's error shape, except under a prefix given its own renderer (`/v1`
answers in OpenAI's shape; `app.main` passes that renderer, so this module knows no
surface). A body that declares its length is refused here before any route runs. One that
does not is counted while the route reads it: the route renders that 413 itself, as any of
its errors, and this layer renders it only if the route let it through.
"""

import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
ErrorRenderer = Callable[[str], dict[str, Any]]
"""A 413's JSON body, made from its message."""


class BodyTooLarge(StarletteHTTPException):
    """Raised inside `receive` when a body without Content-Length grows past the cap.

    An HTTPException so that FastAPI's body reader passes it on as it is; it turns any
    other exception raised while reading into a 400 "error parsing the body".
    """

    code = "payload_too_large"

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"Request body is larger than {max_bytes} bytes")


def _portal_refusal(message: str) -> dict[str, Any]:
    return error_body(message, code=BodyTooLarge.code)


def _is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


class BodySizeLimit:
    """Check Content-Length up front, and count the bytes of bodies that do not declare it.

    ``renderers`` maps a path prefix to the body of its 413, for a surface that has its own
    error shape; other paths get the portal's.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, renderers: Mapping[str, ErrorRenderer] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.renderers = dict(renderers or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = self._declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._reject(scope, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._reject(scope, send)

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                return int(value) if value.isdigit() else None
        return None

    def _renderer(self, path: str) -> ErrorRenderer:
        for prefix, render in self.renderers.items():
            if _is_under(path, prefix):
                return render
        return _portal_refusal

    async def _reject(self, scope: Scope, send: Send) -> None:
        refusal = BodyTooLarge(self.max_bytes)
        body = json.dumps(self._renderer(scope["path"])(refusal.detail)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
