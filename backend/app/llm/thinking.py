"""Removal of ``<think>…</think>`` reasoning blocks from answers and streams.

Even when asked not to think (``chat_template_kwargs``), some models emit a block, often
empty. Users must never see it and history must never store it, because it would cost
context on every later turn.

The streaming stripper holds back only what could still be the start of a tag (at most
``len("</think>") - 1`` characters), so ordinary text reaches the user as soon as it arrives.
Whitespace right after a closing tag is dropped as part of the block. A block that never
closes is treated as thinking to the end and dropped.
"""

from __future__ import annotations

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


def _partial_tag_length(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    for length in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:length]):
            return length
    return 0


class ThinkingStripper:
    """Incremental remover: ``feed`` each chunk, then ``flush`` once at the end."""

    def __init__(self) -> None:
        self._pending = ""
        self._inside = False
        self._after_block = False

    def feed(self, chunk: str) -> str:
        """Return the part of the stream so far that is certainly visible text."""
        self._pending += chunk
        visible: list[str] = []
        while True:
            tag = CLOSE_TAG if self._inside else OPEN_TAG
            index = self._pending.find(tag)
            if index < 0:
                break
            if not self._inside:
                visible.append(self._take_visible(self._pending[:index]))
            self._pending = self._pending[index + len(tag) :]
            self._inside = not self._inside
            self._after_block = not self._inside
        keep = _partial_tag_length(self._pending, CLOSE_TAG if self._inside else OPEN_TAG)
        settled, self._pending = (
            self._pending[: len(self._pending) - keep],
            self._pending[len(self._pending) - keep :],
        )
        if not self._inside:
            visible.append(self._take_visible(settled))
        return "".join(visible)

    def flush(self) -> str:
        """Return what was held back; an unclosed block is dropped."""
        rest, self._pending = self._pending, ""
        if self._inside:
            return ""
        return self._take_visible(rest)

    def _take_visible(self, text: str) -> str:
        if self._after_block and text:
            text = text.lstrip()
            self._after_block = not text
        return text


def strip_thinking(text: str) -> str:
    """Remove every ``<think>…</think>`` block from a complete answer."""
    if OPEN_TAG not in text:
        return text
    stripper = ThinkingStripper()
    return stripper.feed(text) + stripper.flush()
