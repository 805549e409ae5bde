"""The HTTP server: uvicorn, plus a deadline for request headers and 400s in the error shape.

Uvicorn closes idle keep-alive connections, but not a request whose line or headers stop
arriving: a client that sends `GET / HTTP/1.1\\r\\nHost: x\\r\\n` and nothing more holds its
connection (a socket, a file descriptor, a slot in `limit_concurrency`) for ever, and a few
thousand such clients exhaust the server. Here a connection has `HEADER_TIMEOUT_SECONDS`, from
its opening and from the first bytes of each later request, to deliver a complete header
block; otherwise it is closed. The clock never runs while the server is answering a request,
so a slow model never cuts a connection; the time the client takes to send a body is the app's
concern, not this one's.

Uvicorn answers requests it cannot parse (a bad Content-Length, an oversized request line)
itself, before the app sees them; its plain-text 400 is replaced by the API's error shape.

`make run` starts it as `python -m app.server` (`--help` lists the options); tests build
`ServerConfig` directly. Under the plain uvicorn CLI, `--http app.server:HttpToolsProtocol`
gives the same protection, with the deadline read from the settings.
"""

import argparse
import asyncio
import json
from collections.abc import Callable
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http import h11_impl, httptools_impl
from uvicorn.server import ServerState
from uvicorn.supervisors import ChangeReload, Multiprocess

from app.config import get_settings
from app.errors import error_body


class ServerConfig(uvicorn.Config):
    """Uvicorn's configuration plus the header deadline our protocols read from it."""

    def __init__(self, app: Any, *, header_timeout: float | None = None, **options: Any) -> None:
        super().__init__(app, **options)
        self.header_timeout = header_timeout


def header_timeout(config: uvicorn.Config) -> float:
    """The config's deadline, else the setting (as under `uvicorn --http app.server:...`)."""
    if isinstance(config, ServerConfig) and config.header_timeout is not None:
        return config.header_timeout
    return get_settings().header_timeout_seconds


def invalid_request_body(message: str) -> bytes:
    """Uvicorn's message ("Invalid HTTP request received.") in the API's error shape."""
    return json.dumps(error_body(message, code="bad_request"), separators=(",", ":")).encode()


class HeaderClock:
    """One connection's deadline for the request head it owes; `expire` runs when it passes."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, seconds: float, expire: Callable[[], None]
    ) -> None:
        self._loop = loop
        self._seconds = seconds
        self._expire = expire
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Start counting, unless already counting: trickled bytes never reset the clock."""
        if self._timer is None:
            self._timer = self._loop.call_later(self._seconds, self._fire)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self) -> None:
        self._timer = None
        self._expire()


class _HeaderDeadline:
    """The header clock's wiring, shared by both protocols (listed first among their bases).

    The clock starts when a connection opens and when bytes arrive while no response is being
    sent (they begin or continue the next request's head); each protocol stops it once its
    parser has read a whole head.
    """

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)  # type: ignore[call-arg]
        self.header_clock = HeaderClock(self.loop, header_timeout(config), self.headers_too_late)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.header_clock.start()

    def connection_lost(self, exc: Exception | None) -> None:
        self.header_clock.stop()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if not self.answering():
            self.header_clock.start()
        super().data_received(data)  # type: ignore[misc]

    def answering(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def headers_too_late(self) -> None:
        if not self.answering() and not self.transport.is_closing():
            self.transport.close()


class HttpToolsProtocol(_HeaderDeadline, httptools_impl.HttpToolsProtocol):
    """Uvicorn's httptools protocol with the header deadline and a JSON 400."""

    def on_headers_complete(self) -> None:
        self.header_clock.stop()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        body = invalid_request_body(msg)
        head = [httptools_impl.STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
            ]
        )
        self.transport.write(b"".join([*head, body]))
        self.transport.close()


class H11Protocol(_HeaderDeadline, h11_impl.H11Protocol):
    """Uvicorn's h11 protocol with the header deadline and a JSON 400."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # h11 has read a whole request head
            self.header_clock.stop()

    def send_400_response(self, msg: str) -> None:
        body = invalid_request_body(msg)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()


PROTOCOLS: dict[str, type[asyncio.Protocol]] = {
    "httptools": HttpToolsProtocol,
    "h11": H11Protocol,
}


def run(config: ServerConfig) -> None:
    """Serve until interrupted: one process, several workers, or restarted on code changes."""
    server = uvicorn.Server(config)
    if config.should_reload:
        ChangeReload(config, target=server.run, sockets=[config.bind_socket()]).run()
    elif config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        server.run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m app.server",
        description="Serve Prompt Portal: uvicorn with a deadline for request headers "
        "(HEADER_TIMEOUT_SECONDS) and JSON 400s for unparsable requests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--http", choices=sorted(PROTOCOLS), default="httptools")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--reload", action="store_true", help="restart on code changes")
    parser.add_argument("--access-log", action="store_true", help="one log line per request")
    args = parser.parse_args(argv)
    config = ServerConfig(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        http=PROTOCOLS[args.http],
        workers=args.workers,
        reload=args.reload,
        access_log=args.access_log,
    )
    run(config)


if __name__ == "__main__":
    main()
