"""Translation of ``openai`` and ``httpx2`` failures into the library's error tree.

The cause chain is inspected rather than the outer type alone because the aiohttp
transport reports a refused connection as a *connect timeout*; telling a person "timed
out" when the server is simply not running would send them the wrong way.

Each error gets two texts (see :mod:`.errors`): the user's, which says what they can do,
and the operator's log text, which names the server and what to run or set.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import httpx2
import openai

from .errors import LLMBadResponse, LLMBusy, LLMError, LLMTimeout, LLMUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

START_HINT = "start it with `make llm` or set LLM_SERVER_URL"
OFFLINE = "The model is offline — try again in a minute"
ASK_ADMIN = "ask the administrator to check the portal's LLM settings"


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


def _is_connect_failure(exc: BaseException) -> bool:
    return any(
        isinstance(link, httpx2.ConnectError | httpx2.ConnectTimeout)
        or (isinstance(link, OSError) and not isinstance(link, TimeoutError))
        for link in _chain(exc)
    )


def is_stale_connection(exc: BaseException) -> bool:
    """A pooled keep-alive connection the server had already closed: nothing was sent."""
    return any(isinstance(link, ConnectionResetError) for link in _chain(exc))


async def resend_if_stale(request: Callable[[], Awaitable[T]], server_url: str) -> T:
    """Send, and once more if the pooled connection was closed under us.

    llama.cpp's HTTP server may close an idle connection at any moment; the client only
    learns it when writing the next request on it, which is then safe to send again. Every
    upstream call, through ``openai`` or to llama.cpp's own endpoints, goes through here.
    """
    try:
        return await request()
    except (openai.APIConnectionError, httpx2.TransportError) as exc:
        if not is_stale_connection(exc):
            raise
        logger.info("LLM server at %s closed a pooled connection; resending", server_url)
        return await request()


def _is_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(link, TimeoutError | httpx2.TimeoutException | openai.APITimeoutError)
        for link in _chain(exc)
    )


def _retry_after(response: httpx2.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _detail(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except (ValueError, httpx2.ResponseNotRead):
        return response.reason_phrase or ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message", ""))
    return str(error or body)[:300]


def from_status(response: httpx2.Response, server_url: str) -> LLMError:
    """Map an HTTP error status from the server to the error a caller can act on."""
    status, detail = response.status_code, _detail(response)
    where = f"LLM server at {server_url}"
    if status == 429:
        return LLMBusy(
            "The model is busy — try again in a few seconds",
            _retry_after(response),
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
    return LLMBadResponse(
        f"The model refused this request: {detail}",
        log_message=f"{where} rejected the request (HTTP {status}): {detail}",
    )


def translate(exc: Exception, server_url: str, timeout: float) -> LLMError:
    """Turn any failure of an upstream call into an :class:`LLMError`."""
    if isinstance(exc, LLMError):
        return exc
    if isinstance(exc, openai.APIStatusError | httpx2.HTTPStatusError):
        return from_status(exc.response, server_url)
    if _is_connect_failure(exc):
        # The operator's log keeps the transport's own words for the root cause.
        return not_answering(server_url, list(_chain(exc))[-1])
    if _is_timeout(exc):
        return LLMTimeout(
            f"The model took longer than {timeout:g} s to answer — try a shorter request, "
            "or try again later",
            log_message=f"LLM server at {server_url} did not finish within {timeout:g} s — "
            "it may be overloaded; lower max_tokens or raise LLM_TIMEOUT",
        )
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return cut_short(
            f"LLM server at {server_url} closed the connection before the answer was complete "
            f"({list(_chain(exc))[-1]!r})"
        )
    return LLMBadResponse(
        f"The model sent a reply the portal cannot read — {ASK_ADMIN}",
        log_message=f"LLM server at {server_url} sent an unusable response: {exc!r}",
    )


@contextlib.contextmanager
def upstream_errors(server_url: str, timeout: float) -> Iterator[None]:
    """Re-raise failures inside the block as library errors; cancellation passes through."""
    try:
        yield
    except (openai.OpenAIError, httpx2.HTTPError, TimeoutError, ValueError) as exc:
        raise translate(exc, server_url, timeout) from exc
