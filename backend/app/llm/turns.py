"""What a session turn yields (:class:`TurnStarted`, the text, :class:`TurnResult`), and how
its answer is stored; the turn itself is run by :class:`~app.llm.sessions.SessionManager`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import LLMUnavailable
from .results import ChatResult, TextDelta, Usage
from .store import SessionKey, StoredMessage


@dataclass(frozen=True)
class TurnStarted:
    """The first event of an admitted turn: the user's message is stored.

    ``created`` says that this turn created the session (its id was new).
    """

    session_id: str
    created: bool


@dataclass(frozen=True)
class TurnResult:
    """The outcome of one turn; the last event of :meth:`SessionManager.stream_turn`.

    ``finish_reason`` is the server's (``"stop"``, ``"length"`` when cut by ``max_tokens``),
    ``None`` when it did not say.
    """

    session_id: str
    response: str
    usage: Usage | None
    timings: Mapping[str, Any] | None
    model: str
    finish_reason: str | None = None


TurnEvent = TurnStarted | TextDelta | TurnResult
"""What :meth:`SessionManager.stream_turn` yields, in this order: one :class:`TurnStarted`,
the :class:`TextDelta` s, one :class:`TurnResult`."""


def ended_early() -> LLMUnavailable:
    return LLMUnavailable("The model stopped answering midway — try again")


def answer_message(result: ChatResult) -> StoredMessage:
    """The stored answer of a turn that ended complete."""
    tokens = result.usage.completion_tokens if result.usage else None
    return StoredMessage("assistant", result.text, tokens)


def turn_result(key: SessionKey, result: ChatResult) -> TurnResult:
    return TurnResult(
        session_id=key.session_id,
        response=result.text,
        usage=result.usage,
        timings=result.timings,
        model=result.model,
        finish_reason=result.finish_reason,
    )
