"""Chat sessions: history kept per session, trimmed to the budget, one turn at a time.

A turn locks its session for its whole length (two turns racing on one session would
each miss the other's messages), loads or creates the session, trims the history to the
token budget (see :mod:`app.llm.trimming`), asks the client, and stores the user message
and the answer together only when the answer is complete. A cancelled or failed turn
stores no message, so history never holds half an answer; the session itself and its
system prompt are kept, so a retry does not have to send the system prompt again.

The system prompt is set when a session is created. Passing a different one on a later
turn replaces it for the session (the newest template wins); passing ``None`` keeps it.

The process has one manager, created by the app's lifespan or by the deploy script and
reached with :func:`get_session_manager`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from .client import LLMClient
from .limits import ConcurrencyGate
from .results import ChatMessage, ChatResult, GenerationParams, TextDelta, Usage
from .settings import LLMSettings
from .store import (
    MemoryLocks,
    MemoryStore,
    SessionKey,
    SessionLocks,
    SessionRecord,
    SessionStore,
    SessionSummary,
    StoredMessage,
    utc_now,
)
from .tokens import TokenCounter
from .trimming import history_budget, trim_history

__all__ = [
    "MemoryLocks",
    "MemoryStore",
    "SessionKey",
    "SessionLocks",
    "SessionManager",
    "SessionRecord",
    "SessionStore",
    "SessionSummary",
    "StoredMessage",
    "TurnEvent",
    "TurnResult",
    "get_session_manager",
    "set_session_manager",
]


@dataclass(frozen=True)
class TurnResult:
    """The outcome of one turn; the last event of :meth:`SessionManager.stream_turn`."""

    session_id: str
    response: str
    usage: Usage | None
    timings: Mapping[str, Any] | None
    model: str


TurnEvent = TextDelta | TurnResult


@dataclass(frozen=True)
class _Counted:
    role: str
    content: str
    tokens: int


@dataclass(frozen=True)
class _Prompt:
    messages: list[ChatMessage]
    user_tokens: int


class SessionManager:
    """Runs turns of stored chat sessions against one :class:`LLMClient`."""

    def __init__(
        self,
        client: LLMClient,
        store: SessionStore,
        *,
        settings: LLMSettings,
        locks: SessionLocks | None = None,
        counter: TokenCounter | None = None,
        gate: ConcurrencyGate | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._settings = settings
        self._locks = locks or MemoryLocks()
        self._counter = counter or TokenCounter(client, cache_size=settings.token_cache_size)
        self._gate = gate

    def _slot(self, owner: str) -> contextlib.AbstractAsyncContextManager[None]:
        if self._gate is None:
            return contextlib.nullcontext()
        return self._gate.acquire("chat", owner)

    async def turn(
        self,
        key: SessionKey,
        user_message: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
    ) -> TurnResult:
        """Send ``user_message`` in the session and return the (stored) answer."""
        async with self._locks.lock(key), self._slot(key.owner):
            prompt = await self._prepare(key, user_message, system_prompt, params)
            result = await self._client.chat(prompt.messages, params)
            await self._store_turn(key, user_message, prompt.user_tokens, result)
        return _turn_result(key, result)

    async def stream_turn(
        self,
        key: SessionKey,
        user_message: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        """Like :meth:`turn`, yielding :class:`TextDelta`s, then the :class:`TurnResult`.

        Closing the generator early cancels the upstream generation and stores nothing.
        """
        async with self._locks.lock(key), self._slot(key.owner):
            prompt = await self._prepare(key, user_message, system_prompt, params)
            result: ChatResult | None = None
            events = self._client.stream(prompt.messages, params)
            async with contextlib.aclosing(events):
                async for event in events:
                    if isinstance(event, ChatResult):
                        result = event
                    else:
                        yield event
            if result is None:  # pragma: no cover - the client always ends with a result
                return
            await self._store_turn(key, user_message, prompt.user_tokens, result)
        yield _turn_result(key, result)

    async def history(self, key: SessionKey) -> SessionRecord | None:
        """The stored session, or ``None``."""
        return await self._store.get(key)

    async def delete(self, key: SessionKey) -> bool:
        """Delete the session; a turn still running for it then stores nothing."""
        return await self._store.delete(key)

    async def list_sessions(self, owner: str, project: str) -> list[SessionSummary]:
        """The owner's sessions in ``project``, most recent first."""
        return await self._store.list(owner, project)

    async def process_message(
        self,
        *,
        session_id: str,
        system_prompt: str,
        user_message: str,
        owner: str = "local",
        project: str = "general",
    ) -> str:
        """The prototype's one-call API: send a message in a session, get the answer text."""
        key = SessionKey(owner=owner, project=project, session_id=session_id)
        result = await self.turn(key, user_message, system_prompt=system_prompt)
        return result.response

    async def _load(self, key: SessionKey, system_prompt: str | None) -> SessionRecord:
        record = await self._store.get(key)
        if record is None:
            return await self._store.create(key, system_prompt or "")
        if system_prompt is not None and system_prompt != record.system_prompt:
            await self._store.set_system_prompt(key, system_prompt)
            return SessionRecord(
                key, system_prompt, record.messages, record.created_at, record.updated_at
            )
        return record

    async def _count(self, message: StoredMessage) -> _Counted:
        tokens = message.token_count
        if tokens is None:
            tokens = await self._counter.count(message.content)
        return _Counted(message.role, message.content, tokens)

    async def _budget(self, params: GenerationParams | None) -> int:
        max_tokens = (params.max_tokens if params else None) or self._settings.max_tokens
        return history_budget(
            max_history_tokens=self._settings.max_history_tokens,
            slot_context=await self._client.slot_context(),
            max_tokens=max_tokens,
            margin=self._settings.history_margin_tokens,
        )

    async def _prepare(
        self,
        key: SessionKey,
        user_message: str,
        system_prompt: str | None,
        params: GenerationParams | None,
    ) -> _Prompt:
        record = await self._load(key, system_prompt)
        user = _Counted("user", user_message, await self._counter.count(user_message))
        history = [await self._count(message) for message in record.messages]
        kept = trim_history(
            [*history, user],
            system_tokens=await self._counter.count(record.system_prompt),
            budget=await self._budget(params),
            keep_ratio=self._settings.history_keep_ratio,
        )
        messages: list[ChatMessage] = []
        if record.system_prompt:
            messages.append({"role": "system", "content": record.system_prompt})
        messages.extend({"role": m.role, "content": m.content} for m in kept)
        return _Prompt(messages, user.tokens)

    async def _store_turn(
        self, key: SessionKey, user_message: str, user_tokens: int, result: ChatResult
    ) -> None:
        now = utc_now()
        answer_tokens = result.usage.completion_tokens if result.usage else None
        await self._store.append_turn(
            key,
            StoredMessage("user", user_message, user_tokens, now),
            StoredMessage("assistant", result.text, answer_tokens, now),
        )


def _turn_result(key: SessionKey, result: ChatResult) -> TurnResult:
    return TurnResult(
        session_id=key.session_id,
        response=result.text,
        usage=result.usage,
        timings=result.timings,
        model=result.model,
    )


_manager: SessionManager | None = None


def set_session_manager(manager: SessionManager | None) -> None:
    """Install (or with ``None`` remove) the process's manager; the lifespan calls this."""
    global _manager  # the one process-wide instance, by design
    _manager = manager


def get_session_manager() -> SessionManager:
    """The process's manager, as installed by the app lifespan or the deploy script."""
    if _manager is None:
        raise RuntimeError(
            "No SessionManager is set for this process — the app lifespan or the deploy "
            "script must call app.llm.set_session_manager() at start-up"
        )
    return _manager
