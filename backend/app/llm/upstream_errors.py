"""Translation of transport failures and error statuses into the library's error tree, and
the rules for sending a failed request again.

The cause chain is inspected rather than the outer type alone: aiohttp wraps the socket's
own error (a refused connection, a reset) in its own types, and the operator's log should
name the root cause.

A request is sent again only when the server cannot have worked on it: a stale pooled
connection (:func:`resend_if_stale`), a connection never taken, an error status
(:func:`may_send_again`). A connection dropped after the request went out is reported, never
resent: the server may have generated the answer already.

Each error gets two texts (see :mod:`.errors`): the user's, which says what they can do,
and the operator's log text, which names the server and what to run or set.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
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
STALE_SECONDS = 1.0
"""A pooled connection the server had already closed fails as soon as a request is written
on it; a failure later than this came from a server that had the request in hand."""
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


@dataclass
class Sending:
    """One sending of a request: ``reused_at`` is the loop time its connection was taken
    from the pool (noted by :func:`pool_watch`), ``None`` for a new connection."""

    reused_at: float | None = None


def is_stale_connection(exc: BaseException) -> bool:
    """The failure a pooled keep-alive connection the server had closed shows.

    aiohttp reports it as a disconnect before any byte of an answer, or as a reset while
    writing the request. A connection that could not be opened at all is never stale, nor one
    that had started to answer.
    """
    if isinstance(exc, aiohttp.ClientConnectorError):
        return False
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return isinstance(exc.message, str)  # otherwise the head of an answer had come
    return any(_is_reset(link) for link in _chain(exc))


def _went_stale(exc: BaseException, sending: Sending) -> bool:
    if sending.reused_at is None:
        return False
    took = asyncio.get_running_loop().time() - sending.reused_at
    return took <= STALE_SECONDS and is_stale_connection(exc)


async def resend_if_stale(request: Callable[[Sending], Awaitable[T]], server_url: str) -> T:
    """Send, and once more if the request went out on a pooled connection the server had
    already closed.

    llama.cpp's HTTP server (and uvicorn in front of vLLM) close an idle connection at any
    moment; the client only learns it when writing the next request on it, which then fails
    at once and is safe to send again. Any other failure (on a new connection, or later) may
    come from a server that read the request and worked on it: sending it again would
    generate the answer twice. Every upstream request goes through here.
    """
    sending = Sending()
    try:
        return await request(sending)
    except aiohttp.ClientConnectionError as exc:
        if not _went_stale(exc, sending):
            raise
        logger.info("LLM server at %s closed a pooled connection; resending", server_url)
        return await request(Sending())


async def _note_reused(
    _session: aiohttp.ClientSession,
    context: SimpleNamespace,
    _params: aiohttp.TraceConnectionReuseconnParams,
) -> None:
    if isinstance(context.trace_request_ctx, Sending):
        context.trace_request_ctx.reused_at = asyncio.get_running_loop().time()


async def _note_created(
    _session: aiohttp.ClientSession,
    context: SimpleNamespace,
    _params: aiohttp.TraceConnectionCreateEndParams,
) -> None:
    if isinstance(context.trace_request_ctx, Sending):
        context.trace_request_ctx.reused_at = None


def pool_watch() -> aiohttp.TraceConfig:
    """Notes on each :class:`Sending` whether its request went out on a connection reused
    from the pool: only such a request may be resent (see :func:`resend_if_stale`)."""
    config = aiohttp.TraceConfig()
    config.on_connection_reuseconn.append(_note_reused)
    config.on_connection_create_end.append(_note_created)
    config.freeze()
    return config


def _is_connect_failure(exc: BaseException) -> bool:
    """The server never took the connection: refused, unresolvable, not accepted in time.

    A connection dropped after the request went out (a disconnect, a reset) is not one: the
    server may have read the request and worked on it.
    """
    links = list(_chain(exc))
    if any(
        isinstance(
            link,
            aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError | aiohttp.InvalidURL,
        )
        for link in links
    ):
        return True
    if any(isinstance(link, aiohttp.ServerDisconnectedError) or _is_reset(link) for link in links):
        return False
    return any(isinstance(link, OSError) and not isinstance(link, TimeoutError) for link in links)


def may_send_again(exc: LLMError) -> bool:
    """Whether a failed request may be sent again: the server was busy (429), failed with a
    5xx status, or never took the connection. Never one it may have been working on."""
    if isinstance(exc, LLMBusy):
        return True
    if not isinstance(exc, LLMUnavailable):
        return False
    return exc.__cause__ is None or _is_connect_failure(exc.__cause__)


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


def unusable(server_url: str, what: str) -> LLMBadResponse:
    """The error for an answer the portal cannot read; ``what`` says why, for the log."""
    return LLMBadResponse(
        f"The model sent a reply the portal cannot read — {ASK_ADMIN}",
        log_message=f"LLM server at {server_url} sent an unusable response: {what}",
    )


def unsendable(server_url: str, exc: Exception) -> LLMRejected:
    """The error for a body that cannot be encoded as JSON (nesting past 254 levels, an
    integer past 64 bits): the caller's request is at fault, as with the server's 400."""
    detail = f"the request cannot be sent as JSON: {exc}"
    return LLMRejected(
        f"The model cannot be sent this request: {detail}",
        status=400,
        detail=detail,
        log_message=f"A request to LLM server at {server_url} was not sent: {detail}",
    )


def closed_pool(server_url: str) -> LLMUnavailable:
    """The error for a request made after the portal closed its connections (shutdown)."""
    return LLMUnavailable(
        "The portal is shutting down — try again in a minute",
        log_message=f"A request to LLM server at {server_url} came after its pool was closed",
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
    return unusable(server_url, repr(exc))


@contextlib.contextmanager
def upstream_errors(server_url: str, timeout: float) -> Iterator[None]:
    """Re-raise failures inside the block as library errors; cancellation passes through.

    ``ValueError`` covers bodies that are not JSON or not shaped as OpenAI's.
    """
    try:
        yield
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise translate(exc, server_url, timeout) from exc
