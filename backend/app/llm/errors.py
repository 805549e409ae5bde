"""Errors of the LLM library: transport-neutral, each with a message a person can act on.

    LLMError
    ├── LLMUnavailable   the server cannot be reached or failed: connection refused, DNS,
    │                    the connection dropped or the stream ended mid-answer, HTTP 5xx
    │                    (502-504 included); a retry may help
    ├── LLMTimeout       the server accepted the request but did not finish in time
    ├── LLMBadResponse   the server answered, but refused or garbled this request: an
    │   │                unparsable body, or a 4xx other than 429; retrying will not help
    │   └── LLMRejected  the server refused this request as invalid (400, 413, 422…):
    │                    its own message in ``detail``, its status in ``status``
    ├── LLMBusy          global capacity is exhausted; try again after ``retry_after`` s
    └── LLMUserLimit     this owner already has as many requests as allowed in flight

Every error has two texts. ``message`` (also ``str(exc)``) is for the person using the
portal: what happened and what they can do, never an internal address or command.
``log_message`` is for the operator's log and CLI: which server, and what to run or set.

The HTTP layer maps them to 503/504/502/429 and the MQTT bridge to error replies; nothing
here knows about either. ``asyncio.CancelledError`` is never converted into these errors:
cancellation must keep propagating for task groups and timeouts to work.
"""

from __future__ import annotations


class LLMError(Exception):
    """Base of every error the LLM library raises on purpose."""

    def __init__(self, message: str, *, log_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.log_message = log_message or message


class LLMUnavailable(LLMError):
    """The server cannot be reached, dropped the answer, or failed with HTTP 5xx."""


class LLMTimeout(LLMError):
    """The server did not finish within the configured deadline."""


class LLMBadResponse(LLMError):
    """The server answered, but refused the request or sent something unusable."""


class LLMRejected(LLMBadResponse):
    """The server refused this request as invalid (HTTP 400/413/422 and other 4xx except
    401/403/404/429): ``detail`` is the server's own message, ``status`` its status.

    A gateway relays both to its caller as they are; the portal's own routes treat it as any
    other bad response.
    """

    def __init__(
        self, message: str, *, status: int, detail: str, log_message: str | None = None
    ) -> None:
        super().__init__(message, log_message=log_message)
        self.status = status
        self.detail = detail


class LLMBusy(LLMError):
    """Global capacity is exhausted; ``retry_after`` is a hint in seconds."""

    def __init__(self, message: str, retry_after: float, *, log_message: str | None = None) -> None:
        super().__init__(message, log_message=log_message)
        self.retry_after = retry_after


class LLMUserLimit(LLMError):
    """The owner has too many requests in flight; ``retry_after`` is a hint in seconds."""

    def __init__(self, message: str, retry_after: float, *, log_message: str | None = None) -> None:
        super().__init__(message, log_message=log_message)
        self.retry_after = retry_after
