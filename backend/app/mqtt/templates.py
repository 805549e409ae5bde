"""The template text each game session chose, remembered between its messages.

A game sets a session's template once (``P/template/{sid}``, or ``systemPrompt`` /
``prompt_template`` in a request) and then sends messages without it, so the text must be
kept; the newest one wins. Entries are keyed by the whole :class:`SessionKey` (owner,
project, session id), so two players' templates never meet, even with equal session ids.

The store is a bounded LRU: a session forgotten here falls back to the system prompt kept
with its stored history, so eviction (or a restart) changes nothing a player can see.
"""

from __future__ import annotations

from cachetools import LRUCache

from app.llm.store import SessionKey

DEFAULT_SESSIONS = 10_000


class SessionTemplates:
    """Template text per game session, at most ``size`` sessions (least recent dropped)."""

    def __init__(self, size: int = DEFAULT_SESSIONS) -> None:
        self._texts: LRUCache[SessionKey, str] = LRUCache(maxsize=size)

    def __len__(self) -> int:
        return len(self._texts)

    def get(self, key: SessionKey) -> str | None:
        """The session's template text, or ``None`` when it chose none (or was forgotten)."""
        return self._texts.get(key)

    def set(self, key: SessionKey, text: str) -> None:
        self._texts[key] = text

    def forget(self, key: SessionKey) -> None:
        self._texts.pop(key, None)
