"""Turns that rewrite the end of a session's history: where they cut it, checked under its lock.

A regenerate keeps everything up to the last question and answers it again; an edit keeps
what came before one question and sends a new one in its place. The caller says where to cut
(a :data:`Rewind`); :func:`kept_history` reads the session, asks it, and checks the answer.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from .store import SessionKey, SessionRecord, SessionStore, StoredMessage

Rewind = Callable[[SessionRecord], Awaitable[int]]
"""Where a rewriting turn cuts a session's history (see :meth:`SessionManager.stream_rewrite`):
given the stored session, read under its lock, how many of its messages stay. It raises to
refuse the turn, which then changes nothing."""


class SessionNotFound(LookupError):
    """A turn that rewrites history was asked for a session that does not exist."""


@dataclass(frozen=True)
class Kept:
    """The history a rewriting turn keeps: its first ``keep`` stored messages."""

    keep: int
    system_prompt: str
    messages: Sequence[StoredMessage]


async def kept_history(
    store: SessionStore, key: SessionKey, rewind: Rewind, user_message: str | None
) -> Kept:
    record = await store.get(key)
    if record is None:
        raise SessionNotFound(key.session_id)
    keep = await rewind(record)
    messages = record.messages[:keep]
    if not 0 <= keep <= len(record.messages):
        raise ValueError(f"cannot keep {keep} of {len(record.messages)} messages")
    if user_message is None and (not messages or messages[-1].role != "user"):
        raise ValueError("answering again needs a kept history that ends with a question")
    return Kept(keep, record.system_prompt, messages)
