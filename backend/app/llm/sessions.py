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
turn replaces it for the session (the newest template wins); passing ``None`` keeps it, and a
session that turn creates then gets ``new_session_prompt`` (a game project's default): the
turn reads the session anyway, under its lock, so the caller need not read it first.

Each edge names its gate lane (``chat`` for HTTP, ``game`` for the MQTT bridge), so one
kind of traffic cannot starve the other. The process's manager is built by
:func:`app.llm.stack.open_llm`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from .client import LLMClient
from .limits import ConcurrencyGate, Lane
from .results import ChatMessage, GenerationParams, StreamEvent, TextDelta
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
from .turns import TurnEvent, TurnResult, TurnStarted, answer_message, ended_early, turn_result
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


def _sent(message: StoredMessage) -> bool:
    """Whether a stored message goes upstream: an empty answer reads as "nothing to say"."""
    return message.role == "user" or bool(message.content)


@dataclass(frozen=True)
class _Ask:
    """The system prompt a turn was given, and the one for a session it creates."""

    system_prompt: str | None
    new_session: str | None


@dataclass(frozen=True)
class _Counted:
    role: str
    content: str
    tokens: int


@dataclass(frozen=True)
class _Prompt:
    messages: list[ChatMessage]
    user_tokens: int
    stored_system: str | None
    """The system prompt the turn's first write stores (``None``: the session keeps its own)."""


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
        new_session_prompt: str | None = None,
    ) -> TurnResult:
        """Send ``user_message`` in the session and return the (stored) answer.

        The upstream answer is streamed here too, so admission is decided exactly as for
        :meth:`stream_turn`, and a turn cut short stores what it has.
        """
        events = self.stream_turn(
            key,
            user_message,
            system_prompt=system_prompt,
            params=params,
            lane=lane,
            holder=holder,
            new_session_prompt=new_session_prompt,
        )
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, TurnResult):
                    return event
        raise ended_early()  # pragma: no cover - stream_turn always ends with a result

    def stream_turn(
        self,
        key: SessionKey,
        user_message: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
        lane: Lane = "chat",
        holder: str | None = None,
        new_session_prompt: str | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        """Run one turn: :class:`TurnStarted`, the :class:`TextDelta` s, :class:`TurnResult`.

        The turn takes a slot of ``lane``, counted against ``holder``'s per-user cap (default:
        the session's owner; a shared owner such as a game's keyless players names each one).
        With ``system_prompt`` ``None``, a session this turn creates gets ``new_session_prompt``.

        An error before :class:`TurnStarted` stores nothing. Closing the generator (or
        cancelling its task) after it cancels the upstream generation and stores the text
        so far as ``stopped``; an upstream error after it stores it as ``failed``.
        """
        return self._stream(
            key,
            user_message,
            system_prompt=system_prompt,
            params=params,
            lane=lane,
            holder=holder,
            new_session_prompt=new_session_prompt,
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
        new_session_prompt: str | None = None,
    ) -> AsyncGenerator[TurnEvent, None]:
        async with self._locks.lock(key):
            kept: Kept | None = None
            if rewind is not None:  # checked before waiting for capacity
                kept = await kept_history(self._store, key, rewind, user_message)
            async with self._slot(lane, holder or key.owner):
                ask = _Ask(system_prompt, new_session_prompt)
                prompt = await self._prepare(key, user_message, ask, params, kept)
                upstream = self._client.stream(prompt.messages, params)
                async with contextlib.aclosing(upstream):
                    event = await anext(upstream, None)  # the upstream accepted: admitted
                    if event is None:  # pragma: no cover - the client always ends with one
                        raise ended_early()
                    user = None
                    if user_message is not None:
                        user = StoredMessage("user", user_message, prompt.user_tokens)
                    start = self._start(key, user, prompt.stored_system, kept)
                    created = await write_through(start)
                    parts: list[str] = []
                    try:
                        yield TurnStarted(key.session_id, created)
                        while isinstance(event, TextDelta):
                            parts.append(event.text)
                            yield event
                            event = await anext(upstream, None)
                        if event is None:  # pragma: no cover - the client always ends with one
                            raise ended_early()
                    except BaseException as exc:
                        await self._store_partial(key, upstream, "".join(parts), exc)
                        raise
                    await write_through(self._store.append_message(key, answer_message(event)))
        yield turn_result(key, event)

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
        self, key: SessionKey, ask: _Ask
    ) -> tuple[str, list[StoredMessage], str | None]:
        """The system prompt this turn sends, the stored messages to send, and the system
        prompt its first write stores (``None``: keep the session's); writes nothing."""
        record = await self._store.get(key)
        if record is None:
            stored = ask.system_prompt if ask.system_prompt is not None else ask.new_session
            return stored or "", [], stored
        if ask.system_prompt is None:
            return record.system_prompt, list(record.messages), None
        return ask.system_prompt, list(record.messages), ask.system_prompt

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
        ask: _Ask,
        params: GenerationParams | None,
        kept: Kept | None,
    ) -> _Prompt:
        if kept is None:
            system, stored, stored_system = await self._history(key, ask)
        else:
            system, stored, stored_system = kept.system_prompt, list(kept.messages), None
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
        return _Prompt(messages, user.tokens, stored_system)
