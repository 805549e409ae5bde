"""The history budget and which old turns to leave out of a prompt. Pure functions.

llama.cpp reuses its KV cache for the longest prompt prefix it has already seen. Dropping
one old turn whenever history overflows would shift the prefix on every turn and make the
server re-read the whole history each time. Instead the history is cut only at fixed
*block boundaries*, laid out from the oldest turn onward, each block about
``1 - keep_ratio`` of the budget. Because history only grows at the end, those boundaries
never move: the cut stays put until the kept part overflows again, then jumps one block,
leaving about ``keep_ratio`` of the budget. The prompt prefix is therefore byte-stable
for the several turns it takes to fill a block.

The system prompt and the new user message are always kept. A turn starts at a user
message and is dropped whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens a chat template adds around each message (role markers, separators)."""


class Counted(Protocol):
    """A message with a known size."""

    @property
    def role(self) -> str: ...

    @property
    def tokens(self) -> int: ...


M = TypeVar("M", bound=Counted)


def history_budget(
    *, max_history_tokens: int, slot_context: int, max_tokens: int, margin: int
) -> int:
    """Tokens the prompt may use: the cap, or what the slot leaves after the answer."""
    return max(0, min(max_history_tokens, slot_context - max_tokens - margin))


def _cost(message: Counted) -> int:
    return message.tokens + MESSAGE_OVERHEAD_TOKENS


def block_boundaries(history: Sequence[Counted], block_tokens: int) -> list[int]:
    """Indexes where a turn starts and a block of about ``block_tokens`` has filled.

    Depends only on the messages before each boundary, so appending never moves one.
    """
    boundaries: list[int] = []
    filled = 0
    for index, message in enumerate(history):
        if message.role == "user" and index > 0 and filled >= block_tokens:
            boundaries.append(index)
            filled = 0
        filled += _cost(message)
    return boundaries


def first_kept_index(
    messages: Sequence[Counted], *, system_tokens: int, budget: int, keep_ratio: float = 0.7
) -> int:
    """Index of the first message to send; ``messages`` ends with the new user message.

    When even the newest history block does not fit, only the new message is kept.
    """
    total = system_tokens + sum(_cost(message) for message in messages)
    if total <= budget or len(messages) <= 1:
        return 0
    history = messages[:-1]
    block_tokens = max(1, int(budget * (1 - keep_ratio)))
    start = 0
    for boundary in block_boundaries(history, block_tokens):
        total -= sum(_cost(message) for message in history[start:boundary])
        start = boundary
        if total <= budget:
            return boundary
    return len(messages) - 1


def trim_history(
    messages: Sequence[M], *, system_tokens: int, budget: int, keep_ratio: float = 0.7
) -> list[M]:
    """The messages to send: whole old turns dropped in blocks until the prompt fits."""
    start = first_kept_index(
        messages, system_tokens=system_tokens, budget=budget, keep_ratio=keep_ratio
    )
    return list(messages[start:])
