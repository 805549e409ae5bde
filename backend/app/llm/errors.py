"""Errors of the LLM library: transport-neutral, each with a message a person can act on.

    LLMError
    ├── LLMUnavailable   the server cannot be reached or failed: connection refused, DNS,
    │                    the connection dropped mid-answer, HTTP 5xx (502-504 included)
    ├── LLMTimeout       the server accepted the request but did not finish in time
    ├── LLMBadResponse   the server answered something unusable: an unparsable body, or a
    │                    4xx other than those handled (context overflow, bad key, bad model)
    ├── LLMCancelled     the generation was stopped before it finished, and the caller wants
    │                    a reply rather than an ``asyncio.CancelledError``
    ├── LLMBusy          global capacity is exhausted; try again after ``retry_after`` s
    └── LLMUserLimit     this owner already has as many requests as allowed in flight

The HTTP layer maps them to 503/504/502/429 and the MQTT bridge to error replies; nothing
here knows about either. ``asyncio.CancelledError`` is never converted into these errors:
cancellation must keep propagating for task groups and timeouts to work.
"""

from __future__ import annotations


class LLMError(Exception):
    """Base of every error the LLM library raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LLMUnavailable(LLMError):
    """The server cannot be reached, dropped the connection, or failed with HTTP 5xx."""


class LLMTimeout(LLMError):
    """The server did not finish within the configured deadline."""


class LLMBadResponse(LLMError):
    """The server answered, but with something the library cannot use."""


class LLMCancelled(LLMError):
    """The generation was stopped before it finished."""


class LLMBusy(LLMError):
    """Global capacity is exhausted; ``retry_after`` is a hint in seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LLMUserLimit(LLMError):
    """The owner has too many requests in flight; ``retry_after`` is a hint in seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after
