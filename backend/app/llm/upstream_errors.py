"""Translation of transport failures and error statuses into the library's error tree.

The cause chain is inspected rather than the outer type alone: aiohttp wraps the socket's
own error (a refused connection, a reset) in its own types, and the operator's log should
name the root cause.

Each error gets two texts (see :mod:`.errors`): the user's, which says what they can do,
and the operator's log text, which names the server and what to run or set.
"""

from __future__ import annotations

import contextlib
import errno
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, TypeVar

import aiohttp
import orjson

from .errors import LLMBadResponse, LLMBusy, LLMError, LLMRejected, LLMTimeout, LLMUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

START_HINT = "start it with `make llm` or set LLM_SERVER_URL"
OFFLINE = "The model is offline — try again in a minute"
ASK_ADMIN = "ask the administrator to check the portal's LLM settings"
DETAIL_LIMIT = 300
_RESET_ERRNOS = (errno.ECONNRESET, errno.EPIPE)


def not_answering(server_url: str, cause: BaseException | None = None) -> LLMUnavailable:
    """The error for a server that refuses or never accepts connections."""
    because = f" ({cause!r})" if cause is not None else ""
    return LLMUnavailable(
        OFFLINE,
        log_message=f"LLM server at {server_url} is not answering — {START_HINT}{because}",
    )


def cut_short(log_message: str) -> LLMUnavailable:
    """The error for an answer that stopped midway: the server or a proxy went away."""
    return LLMUnavailable(
        "The model stopped answering before the reply was complete — try again in a minute",
        log_message=log_message,
    )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _root_cause(exc: BaseException) -> BaseException:
    return list(_chain(exc))[-1]


def _is_reset(link: BaseException) -> bool:
    return isinstance(link, ConnectionResetError | BrokenPipeError) or (
        isinstance(link, OSError) and link.errno in _RESET_ERRNOS
    )


def is_stale_connection(exc: BaseException) -> bool:
    """A pooled keep-alive connection the server had already closed: nothing was answered.

    aiohttp reports it as a disconnect before any response, or as a reset while writing the
    request. A connection that could not be opened at all is never stale.
    """
    if isinstance(exc, aiohttp.ClientConnectorError):
        return False
    return isinstance(exc, aiohttp.ServerDisconnectedError) or any(
        _is_reset(link) for link in _chain(exc)
    )


async def resend_if_stale(request: Callable[[], Awaitable[T]], server_url: str) -> T:
    """Send, and once more if the pooled connection was closed under us.

    llama.cpp's HTTP server (and uvicorn in front of vLLM) close an idle connection at any
    moment; the client only learns it when writing the next request on it, which is then
    safe to send again. Every upstream request goes through here.
    """
    try:
        return await request()
    except aiohttp.ClientConnectionError as exc:
        if not is_stale_connection(exc):
            raise
        logger.info("LLM server at %s closed a pooled connection; resending", server_url)
        return await request()


def _is_connect_failure(exc: BaseException) -> bool:
    return any(
        isinstance(
            link,
            aiohttp.ClientConnectorError
            | aiohttp.ConnectionTimeoutError
            | aiohttp.ServerDisconnectedError
            | aiohttp.InvalidURL,
        )
        or (isinstance(link, OSError) and not isinstance(link, TimeoutError))
        for link in _chain(exc)
    )


def _is_timeout(exc: BaseException) -> bool:
    return any(isinstance(link, TimeoutError) for link in _chain(exc))


def retry_after_of(headers: Mapping[str, str]) -> float:
    """Seconds a busy server asked the client to wait (``Retry-After``), 1 s if unsaid."""
    try:
        return max(0.0, float(headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def message_of(body: Any) -> str | None:
    """The human message inside an error body: OpenAI's ``{"error": {"message"}}``, vLLM's
    top-level ``message``, FastAPI's ``detail``; ``None`` when the body has none."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict) and "message" in error:
        return str(error["message"])
    if isinstance(error, str):
        return error
    for key in ("message", "detail"):
        if isinstance(body.get(key), str):
            return str(body[key])
    return None


def error_detail(body: bytes, reason: str | None) -> str:
    """The server's own words about an error status: its JSON message, else the reason."""
    try:
        parsed = orjson.loads(body)
    except ValueError:
        return reason or ""
    message = message_of(parsed)
    return message if message is not None else str(parsed)[:DETAIL_LIMIT]


def from_status(status: int, detail: str, server_url: str, *, retry_after: float = 1.0) -> LLMError:
    """Map an HTTP error status from the server to the error a caller can act on."""
    where = f"LLM server at {server_url}"
    if status == 429:
        return LLMBusy(
            "The model is busy — try again in a few seconds",
            retry_after,
            log_message=f"{where} is busy: {detail}",
        )
    if status >= 500:
        return LLMUnavailable(
            "The model failed to answer — try again in a minute",
            log_message=f"{where} failed with HTTP {status}: {detail}",
        )
    if status in (401, 403):
        return LLMBadResponse(
            f"The model refused the portal's credentials — {ASK_ADMIN}",
            log_message=f"{where} refused the API key (HTTP {status}) — check LLM_API_KEY",
        )
    if status == 404:
        return LLMBadResponse(
            f"The model is not available on its server — {ASK_ADMIN}",
            log_message=f"{where} has no such endpoint or model (HTTP 404): {detail} "
            "— check LLM_SERVER_URL and LLM_MODEL",
        )
    return LLMRejected(
        f"The model refused this request: {detail}",
        status=status,
        detail=detail,
        log_message=f"{where} rejected the request (HTTP {status}): {detail}",
    )


def from_stream_error(chunk: Mapping[str, Any], server_url: str) -> LLMError:
    """The error for an ``{"error": …}`` event inside a stream (the status was 200 by then):
    its ``code`` when it is an HTTP status, else a server failure."""
    error = chunk.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    status = code if type(code) is int and 400 <= code <= 599 else 500
    detail = message_of(chunk) or str(error)[:DETAIL_LIMIT]
    return from_status(status, detail, server_url)


def translate(exc: Exception, server_url: str, timeout: float) -> LLMError:
    """Turn any failure of an upstream call into an :class:`LLMError`."""
    if isinstance(exc, LLMError):
        return exc
    if any(isinstance(link, aiohttp.ClientPayloadError) for link in _chain(exc)):
        return cut_short(
            f"LLM server at {server_url} closed the connection before the answer was complete "
            f"({_root_cause(exc)!r})"
        )
    if _is_connect_failure(exc):
        # The operator's log keeps the transport's own words for the root cause.
        return not_answering(server_url, _root_cause(exc))
    if _is_timeout(exc):
        return LLMTimeout(
            f"The model took longer than {timeout:g} s to answer — try a shorter request, "
            "or try again later",
            log_message=f"LLM server at {server_url} did not finish within {timeout:g} s — "
            "it may be overloaded; lower max_tokens or raise LLM_TIMEOUT",
        )
    if isinstance(exc, aiohttp.ClientError):
        return cut_short(
            f"LLM server at {server_url} closed the connection before the answer was complete "
            f"({_root_cause(exc)!r})"
        )
    return LLMBadResponse(
        f"The model sent a reply the portal cannot read — {ASK_ADMIN}",
        log_message=f"LLM server at {server_url} sent an unusable response: {exc!r}",
    )


@contextlib.contextmanager
def upstream_errors(server_url: str, timeout: float) -> Iterator[None]:
    """Re-raise failures inside the block as library errors; cancellation passes through.

    ``ValueError`` covers bodies that are not JSON or not shaped as OpenAI's.
    """
    try:
        yield
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise translate(exc, server_url, timeout) from exc
