"""Chat sessions: history kept per session, trimmed to the budget, one turn at a time.

A turn locks its session for its whole length (two turns racing on one session would
each miss the other's messages), takes a gate slot, reads the history, trims it to the
token budget (see :mod:`app.llm.trimming`) and opens the upstream stream. Until the
upstream has accepted the request (its first event arrived) nothing is written: a turn
refused there (capacity, per-user cap, the LLM down or refusing) leaves no trace, and no
session. Once accepted the turn is *admitted*: the user's message is stored (creating
the session if it is new) and :class:`TurnStarted` is the first event, before any text.
The answer is stored when the turn ends: complete; ``stopped`` with the text so far when
the caller went away (generator closed, task cancelled); ``failed`` with the text so far
when the upstream broke off, whose error is then raised as usual.

Those last writes happen while the turn is being cancelled, so each runs shielded and
time-bounded (:mod:`app.llm.write_through` says why).

History sent upstream is what is stored, partial answers included (the user saw them and
their next message may refer to them); an empty answer is left out, since an empty
assistant turn reads to a model as "I had nothing to say". See
``docs/decisions/2026-11-29_stopped-turns.md``.

A turn can also rewrite the end of the history (:meth:`SessionManager.stream_rewrite`):
answer the last question again, or replace a question and what followed it. It takes the
same lock and the same slot, and drops the replaced messages only when it is admitted, in
the write that stores its question; a refused one changes nothing.

The system prompt is set when a session is created. Passing a different one on a later
turn replaces it for the session (the newest template wins); passing ``None`` keeps it.

Each edge names its gate lane (``chat`` for HTTP, ``game`` for the MQTT bridge), so one
kind of traffic cannot starve the other. The process's manager is built by
:func:`app.llm.stack.open_llm`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from .client import LLMClient
from .errors import LLMUnavailable
from .limits import ConcurrencyGate, Lane
from .results import ChatMessage, ChatResult, GenerationParams, StreamEvent, TextDelta, Usage
from .rewind import Kept, Rewind, SessionNotFound, kept_history
from .settings import LLMSettings
from .store import (
    MemoryLocks,
    MemoryStore,
    MessageStatus,
    SessionKey,
    SessionLocks,
    SessionRecord,
    SessionStore,
    SessionSummary,
    StoredMessage,
)
from .tokens import TokenCounter
from .trimming import history_budget, trim_history
from .write_through import write_through

__all__ = [
    "MemoryLocks",
    "MemoryStore",
    "Rewind",
    "SessionKey",
    "SessionLocks",
    "SessionManager",
    "SessionNotFound",
    "SessionRecord",
    "SessionStore",
    "SessionSummary",
    "StoredMessage",
    "TurnEvent",
    "TurnResult",
    "TurnStarted",
]


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TurnStarted:
    """The first event of an admitted turn: the user's message is stored.

    ``created`` says that this turn created the session (its id was new).
    """

    session_id: str
    created: bool


@dataclass(frozen=True)
class TurnResult:
    """The outcome of one turn; the last event of :meth:`SessionManager.stream_turn`."""

    session_id: str
    response: str
    usage: Usage | None
    timings: Mapping[str, Any] | None
    model: str


TurnEvent = TurnStarted | TextDelta | TurnResult
"""What :meth:`SessionManager.stream_turn` yields, in this order: one :class:`TurnStarted`,
the :class:`TextDelta` s, one :class:`TurnResult`."""


def _sent(message: StoredMessage) -> bool:
    """Whether a stored message goes upstream: an empty answer reads as "nothing to say"."""
    return message.role == "user" or bool(message.content)


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

    def _slot(self, lane: Lane, owner: str) -> contextlib.AbstractAsyncContextManager[None]:
        if self._gate is None:
            return contextlib.nullcontext()
        return self._gate.acquire(lane, owner)

    async def turn(
        self,
        key: SessionKey,
        user_message: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
        lane: Lane = "chat",
        holder: str | None = None,
    ) -> TurnResult:
        """Send ``user_message`` in the session and return the (stored) answer.

        The upstream answer is streamed here too, so admission is decided exactly as for
        :meth:`stream_turn`, and a turn cut short stores what it has.
        """
        events = self.stream_turn(
            key, user_message, system_prompt=system_prompt, params=params, lane=lane, holder=holder
        )
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TurnResult):
                    return event
        raise _ended_early()  # pragma: no cover - stream_turn always ends with a result

    def stream_turn(
        self,
        key: SessionKey,
        user_message: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
        lane: Lane = "chat",
        holder: str | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        """Run one turn: :class:`TurnStarted`, the :class:`TextDelta` s, :class:`TurnResult`.

        The turn takes a slot of ``lane``, counted against ``holder``'s per-user cap (default:
        the session's owner; a shared owner such as a game's keyless players names each one).

        An error before :class:`TurnStarted` stores nothing. Closing the generator (or
        cancelling its task) after it cancels the upstream generation and stores the text
        so far as ``stopped``; an upstream error after it stores it as ``failed``.
        """
        return self._stream(
            key, user_message, system_prompt=system_prompt, params=params, lane=lane, holder=holder
        )

    def stream_rewrite(
        self,
        key: SessionKey,
        rewind: Rewind,
        user_message: str | None,
        *,
        params: GenerationParams | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        """A turn that replaces the end of the history: regenerate, or edit and resend.

        Under the session's lock ``rewind`` says how many stored messages stay (or raises:
        then nothing happens). ``user_message`` is asked after them; ``None`` answers the
        last kept message, a question, again. The rest is dropped only once the turn is
        admitted, in the write that stores its question. Events are as for :meth:`stream_turn`.
        """
        return self._stream(
            key, user_message, system_prompt=None, params=params, lane="chat", rewind=rewind
        )

    async def _stream(
        self,
        key: SessionKey,
        user_message: str | None,
        *,
        system_prompt: str | None,
        params: GenerationParams | None,
        lane: Lane,
        holder: str | None = None,
        rewind: Rewind | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        async with self._locks.lock(key):
            kept: Kept | None = None
            if rewind is not None:  # checked before waiting for capacity
                kept = await kept_history(self._store, key, rewind, user_message)
            async with self._slot(lane, holder or key.owner):
                prompt = await self._prepare(key, user_message, system_prompt, params, kept)
                upstream = self._client.stream(prompt.messages, params)
                async with contextlib.aclosing(upstream):
                    event = await anext(upstream, None)  # the upstream accepted: admitted
                    if event is None:  # pragma: no cover - the client always ends with one
                        raise _ended_early()
                    user = None
                    if user_message is not None:
                        user = StoredMessage("user", user_message, prompt.user_tokens)
                    created = await write_through(self._start(key, user, system_prompt, kept))
                    parts: list[str] = []
                    try:
                        yield TurnStarted(key.session_id, created)
                        while isinstance(event, TextDelta):
                            parts.append(event.text)
                            yield event
                            event = await anext(upstream, None)
                        if event is None:  # pragma: no cover - the client always ends with one
                            raise _ended_early()
                    except BaseException as exc:
                        await self._store_partial(key, upstream, "".join(parts), exc)
                        raise
                    await write_through(self._store.append_message(key, _answer(event)))
        yield _turn_result(key, event)

    async def _start(
        self,
        key: SessionKey,
        user: StoredMessage | None,
        system_prompt: str | None,
        kept: Kept | None,
    ) -> bool:
        """The admitted turn's first write; ``True`` if it created the session. A rewriting
        turn whose session was deleted while it waited raises :class:`SessionNotFound`."""
        if kept is None:
            assert user is not None  # a plain turn always has a question
            return await self._store.start_turn(key, user, system_prompt=system_prompt)
        if not await self._store.start_turn_after(key, kept.keep, user):
            raise SessionNotFound(key.session_id)
        return False

    async def _store_partial(
        self,
        key: SessionKey,
        upstream: AsyncGenerator[StreamEvent, None],
        text: str,
        exc: BaseException,
    ) -> None:
        """Close the upstream first (the server stops generating), then store the text."""
        status: MessageStatus = "failed" if isinstance(exc, Exception) else "stopped"
        try:
            await upstream.aclose()
        finally:
            message = StoredMessage("assistant", text, status=status)
            await write_through(self._store.append_message(key, message))
            logger.info(
                "turn %s in session %s after %d characters", status, key.session_id, len(text)
            )

    async def history(self, key: SessionKey) -> SessionRecord | None:
        """The stored session, or ``None``."""
        return await self._store.get(key)

    async def delete(self, key: SessionKey) -> bool:
        """Delete the session (a store may keep it restorable for a while)."""
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
        """The documented one-call API: send a message in a session, get the answer text."""
        key = SessionKey(owner=owner, project=project, session_id=session_id)
        result = await self.turn(key, user_message, system_prompt=system_prompt)
        return result.response

    async def _history(
        self, key: SessionKey, system_prompt: str | None
    ) -> tuple[str, list[StoredMessage]]:
        """The system prompt this turn uses and the stored messages to send; writes nothing."""
        record = await self._store.get(key)
        if record is None:
            return system_prompt or "", []
        if system_prompt is None:
            system_prompt = record.system_prompt
        return system_prompt, list(record.messages)

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
        user_message: str | None,
        system_prompt: str | None,
        params: GenerationParams | None,
        kept: Kept | None,
    ) -> _Prompt:
        if kept is None:
            system, stored = await self._history(key, system_prompt)
        else:
            system, stored = kept.system_prompt, list(kept.messages)
        if user_message is None:  # answer the kept history's last question again
            question = stored.pop()
            user = await self._count(question)
        else:
            user = _Counted("user", user_message, await self._counter.count(user_message))
        history = [await self._count(message) for message in stored if _sent(message)]
        kept_turns = trim_history(
            [*history, user],
            system_tokens=await self._counter.count(system),
            budget=await self._budget(params),
            keep_ratio=self._settings.history_keep_ratio,
        )
        messages: list[ChatMessage] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend({"role": m.role, "content": m.content} for m in kept_turns)
        return _Prompt(messages, user.tokens)


def _ended_early() -> LLMUnavailable:
    return LLMUnavailable("The model stopped answering midway — try again")


def _answer(result: ChatResult) -> StoredMessage:
    tokens = result.usage.completion_tokens if result.usage else None
    return StoredMessage("assistant", result.text, tokens)


def _turn_result(key: SessionKey, result: ChatResult) -> TurnResult:
    return TurnResult(
        session_id=key.session_id,
        response=result.text,
        usage=result.usage,
        timings=result.timings,
        model=result.model,
    )
