"""The prompt each game session chose, remembered between its messages.

A game sets a session's template once (``P/template/{sid}``, or ``systemPrompt`` /
``prompt_template`` / a portal ``template`` reference in a request) and then sends messages
without it, so the choice must be kept; the newest one wins. Entries are keyed by the whole
:class:`SessionKey` (owner, project, session id), so two players' templates never meet, even
with equal session ids.

The store is a bounded LRU: a session forgotten here falls back to the system prompt kept
with its stored history, so eviction (or a restart) changes nothing a player hears; only the
portal template a later result is attributed to is lost with it (the result keeps the text).
"""

from __future__ import annotations

from dataclasses import dataclass

from cachetools import LRUCache

from app.llm.store import SessionKey

DEFAULT_SESSIONS = 10_000


@dataclass(frozen=True)
class PortalRef:
    """A portal template named by a game: ``version``, ``label``, or neither (the latest)."""

    id: int
    version: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class ChosenPrompt:
    """A session's prompt text, and the portal template version it was rendered from.

    ``ref`` and ``variables`` (canonical JSON) are what the game asked for: the same ask
    later reuses ``text`` without rendering again, so a moved label does not change a
    running session and its KV cache stays warm.
    """

    text: str
    template_id: int | None = None
    version: int | None = None
    ref: PortalRef | None = None
    variables: str | None = None


class SessionTemplates:
    """The chosen prompt per game session, at most ``size`` sessions (least recent dropped)."""

    def __init__(self, size: int = DEFAULT_SESSIONS) -> None:
        self._chosen: LRUCache[SessionKey, ChosenPrompt] = LRUCache(maxsize=size)

    def __len__(self) -> int:
        return len(self._chosen)

    def get(self, key: SessionKey) -> ChosenPrompt | None:
        """The session's chosen prompt, or ``None`` when it chose none (or was forgotten)."""
        return self._chosen.get(key)

    def set(self, key: SessionKey, chosen: ChosenPrompt) -> None:
        self._chosen[key] = chosen

    def forget(self, key: SessionKey) -> None:
        self._chosen.pop(key, None)
