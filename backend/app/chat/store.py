"""`SqlSessionStore`: the database record of chat sessions, behind the LLM library's protocol.

Each call is its own short transaction, so a streaming turn never holds a database session
open while the model writes: one stores the question when the turn is admitted (creating the
session, or for a regenerate or an edit dropping the messages it replaces), one the answer
when it ends, complete or partial.

Deleting hides a session (`deleted_at`): from then on no reader sees it, and a turn that
names its id starts a new session, as for any unknown id. Within the undo window
:meth:`SqlSessionStore.restore` brings it back; :meth:`SqlSessionStore.purge_deleted`
removes hidden sessions for good once the window has passed.

The prompt template a session runs is recorded on its row (:mod:`app.chat.session_templates`):
:meth:`SqlSessionStore.record_template` writes it once a turn that names one is admitted, and
histories and listings carry it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from app.chat.models import ChatMessage, ChatSession
from app.chat.session_templates import TemplateUse, template_titles, use_of
from app.db import like_pattern, session_scope, utcnow
from app.llm.store import (
    MessageStatus,
    SessionKey,
    SessionRecord,
    SessionSummary,
    StoredMessage,
    summarize,
)

LIST_LIMIT = 200


@dataclass(frozen=True)
class StoredHistory:
    """A session's record with the database id of each message, in the same order."""

    record: SessionRecord
    message_ids: tuple[int, ...]
    template: TemplateUse | None = None


@dataclass(frozen=True)
class ChatSummary(SessionSummary):
    """A listing entry with the prompt template the session runs, if any."""

    template: TemplateUse | None = None


@dataclass(frozen=True)
class MessagePlace:
    """Where a message stands in its session: how many messages come before it, its role."""

    index: int
    role: str


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _where(key: SessionKey) -> tuple[ColumnElement[bool], ...]:
    return (
        ChatSession.owner == key.owner,
        ChatSession.project == key.project,
        ChatSession.session_key == key.session_id,
    )


def _visible(key: SessionKey) -> tuple[ColumnElement[bool], ...]:
    return (*_where(key), ChatSession.deleted_at.is_(None))


def _stored(row: ChatMessage) -> StoredMessage:
    status = cast(MessageStatus, row.status)  # the table's check constraint holds it to these
    return StoredMessage(row.role, row.content, row.token_count, _aware(row.created_at), status)


def _row(session_id: int, message: StoredMessage) -> ChatMessage:
    return ChatMessage(
        session_id=session_id,
        role=message.role,
        content=message.content,
        token_count=message.token_count,
        created_at=message.created_at,
        status=message.status,
    )


def _record(row: ChatSession) -> SessionRecord:
    messages = tuple(_stored(m) for m in row.messages)
    key = SessionKey(owner=row.owner, project=row.project, session_id=row.session_key)
    return SessionRecord(
        key, row.system_prompt or "", messages, _aware(row.created_at), _aware(row.updated_at)
    )


def _summary(row: ChatSession, titles: dict[int, str]) -> ChatSummary:
    """The listing entry: the owner's title when they gave one, else the first question."""
    summary = summarize(_record(row))
    title = summary.title if row.title is None else row.title
    return ChatSummary(
        key=summary.key,
        title=title,
        message_count=summary.message_count,
        created_at=summary.created_at,
        updated_at=summary.updated_at,
        template=use_of(row, titles),
    )


class SqlSessionStore:
    """Sessions and messages in SQL (SQLite or PostgreSQL): the durable record."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def _find(self, session: AsyncSession, key: SessionKey) -> ChatSession | None:
        query = (
            select(ChatSession).where(*_visible(key)).options(selectinload(ChatSession.messages))
        )
        return (await session.execute(query)).scalar_one_or_none()

    async def get(self, key: SessionKey) -> SessionRecord | None:
        async with session_scope(self._sessionmaker) as session:
            row = await self._find(session, key)
            return None if row is None else _record(row)

    async def _session_row(self, session: AsyncSession, key: SessionKey) -> ChatSession | None:
        """The session's row without its messages (a write only adds one), hidden or not."""
        return (await session.execute(select(ChatSession).where(*_where(key)))).scalar_one_or_none()

    async def start_turn(
        self, key: SessionKey, user: StoredMessage, *, system_prompt: str | None
    ) -> bool:
        try:
            return await self._start_turn(key, user, system_prompt)
        except IntegrityError:  # another worker created the session meanwhile: add to it
            return await self._start_turn(key, user, system_prompt)

    async def _start_turn(
        self, key: SessionKey, user: StoredMessage, system_prompt: str | None
    ) -> bool:
        async with session_scope(self._sessionmaker) as session:
            row = await self._session_row(session, key)
            if row is not None and row.deleted_at is not None:
                # A deleted session's id names no session: this turn starts a new one.
                await session.delete(row)
                await session.flush()
                row = None
            created = row is None
            if row is None:
                row = ChatSession(
                    owner=key.owner,
                    project=key.project,
                    session_key=key.session_id,
                    system_prompt=system_prompt or "",
                    created_at=user.created_at,
                )
                session.add(row)
                await session.flush()
            elif system_prompt is not None:
                row.system_prompt = system_prompt
            session.add(_row(row.id, user))
            row.updated_at = user.created_at
            return created

    async def start_turn_after(
        self, key: SessionKey, keep: int, user: StoredMessage | None
    ) -> bool:
        """``False`` (and nothing written) if the session is hidden or gone: a turn that
        rewrites a deleted session's history must not leave half a turn for the undo."""
        async with session_scope(self._sessionmaker) as session:
            row = (await session.execute(select(ChatSession).where(*_visible(key)))).scalar()
            if row is None:
                return False
            ids = select(ChatMessage.id).where(ChatMessage.session_id == row.id)
            dropped = list(
                (await session.execute(ids.order_by(ChatMessage.id).offset(keep))).scalars()
            )
            if dropped:
                await session.execute(delete(ChatMessage).where(ChatMessage.id.in_(dropped)))
            if user is not None:
                session.add(_row(row.id, user))
            row.updated_at = user.created_at if user is not None else utcnow()
            return True

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        """Also into a hidden session: a turn that ends after a delete is kept for the undo."""
        async with session_scope(self._sessionmaker) as session:
            row = await self._session_row(session, key)
            if row is None:
                return
            session.add(_row(row.id, message))
            row.updated_at = message.created_at

    async def delete(self, key: SessionKey) -> bool:
        """Hide the session (see the module's text); ``False`` if there is none to hide."""
        async with session_scope(self._sessionmaker) as session:
            hide = (
                update(ChatSession)
                .where(*_visible(key))
                .values(deleted_at=utcnow(), updated_at=ChatSession.updated_at)
            )
            result = await session.execute(hide)
            return bool(getattr(result, "rowcount", 0))

    async def list(
        self, owner: str, project: str, *, query: str | None = None
    ) -> list[SessionSummary]:
        """Visible sessions, most recently used first; with ``query``, only those whose title
        or any message contains it, ignoring case (on SQLite, case of ASCII letters only)."""
        async with session_scope(self._sessionmaker) as session:
            select_rows = (
                select(ChatSession)
                .where(
                    ChatSession.owner == owner,
                    ChatSession.project == project,
                    ChatSession.deleted_at.is_(None),
                )
                .order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())
                .limit(LIST_LIMIT)
                .options(selectinload(ChatSession.messages))
            )
            if query:
                pattern = like_pattern(query)
                in_messages = exists().where(
                    ChatMessage.session_id == ChatSession.id,
                    ChatMessage.content.ilike(pattern, escape="\\"),
                )
                select_rows = select_rows.where(
                    ChatSession.title.ilike(pattern, escape="\\") | in_messages
                )
            rows = (await session.execute(select_rows)).scalars().all()
            titles = await template_titles(session, rows)
            summaries: list[SessionSummary] = [_summary(row, titles) for row in rows]
            return summaries

    async def history(self, key: SessionKey) -> StoredHistory | None:
        """The visible session with its messages' ids (what a client edits by)."""
        async with session_scope(self._sessionmaker) as session:
            row = await self._find(session, key)
            if row is None:
                return None
            template = use_of(row, await template_titles(session, [row]))
            return StoredHistory(_record(row), tuple(m.id for m in row.messages), template)

    async def summary(self, key: SessionKey) -> ChatSummary | None:
        async with session_scope(self._sessionmaker) as session:
            row = await self._find(session, key)
            return None if row is None else _summary(row, await template_titles(session, [row]))

    async def recorded_template(self, key: SessionKey) -> TemplateUse | None:
        """The template the visible session records, without reading its messages."""
        async with session_scope(self._sessionmaker) as session:
            row = (await session.execute(select(ChatSession).where(*_visible(key)))).scalar()
            return None if row is None else use_of(row)

    async def record_template(self, key: SessionKey, use: TemplateUse | None) -> None:
        """Record the template the session's system prompt now comes from (``None``: plain
        text); ``updated_at`` stays, as the turn that changed it set it."""
        values = {
            "template_id": use.template_id if use else None,
            "template_version": use.version if use else None,
            "template_label": use.label if use else None,
            "template_variables": use.variables if use else None,
            "updated_at": ChatSession.updated_at,
        }
        where = _where(key)
        if use is None:  # the usual plain-prompt turn finds nothing to clear and writes nothing
            where = (*where, ChatSession.template_id.is_not(None))
        async with session_scope(self._sessionmaker) as session:
            await session.execute(update(ChatSession).where(*where).values(**values))

    async def place_of(self, key: SessionKey, message_id: int) -> MessagePlace | None:
        """Where message ``message_id`` stands in the visible session, or ``None``."""
        async with session_scope(self._sessionmaker) as session:
            row = (await session.execute(select(ChatSession.id).where(*_visible(key)))).scalar()
            if row is None:
                return None
            message = await session.get(ChatMessage, message_id)
            if message is None or message.session_id != row:
                return None
            before = select(func.count()).where(
                ChatMessage.session_id == row, ChatMessage.id < message_id
            )
            return MessagePlace(
                index=(await session.execute(before)).scalar_one(), role=message.role
            )

    async def rename(self, key: SessionKey, title: str) -> ChatSummary | None:
        """Give the visible session a title; its place in the list (``updated_at``) stays."""
        async with session_scope(self._sessionmaker) as session:
            named = (
                update(ChatSession)
                .where(*_visible(key))
                .values(title=title, updated_at=ChatSession.updated_at)
            )
            if not getattr(await session.execute(named), "rowcount", 0):
                return None
        return await self.summary(key)

    async def restore(self, key: SessionKey, *, deleted_since: datetime) -> ChatSummary | None:
        """Show a session hidden at or after ``deleted_since`` again; ``None`` if there is none."""
        async with session_scope(self._sessionmaker) as session:
            shown = (
                update(ChatSession)
                .where(*_where(key), ChatSession.deleted_at >= deleted_since)
                .values(deleted_at=None, updated_at=ChatSession.updated_at)
            )
            if not getattr(await session.execute(shown), "rowcount", 0):
                return None
        return await self.summary(key)

    async def purge_deleted(self, *, deleted_before: datetime) -> int:
        """Remove (with their messages) the sessions hidden before ``deleted_before``.

        A cheap indexed read first, so the usual call (nothing to purge) writes nothing.
        """
        expired = ChatSession.deleted_at < deleted_before
        async with session_scope(self._sessionmaker) as session:
            if (await session.execute(select(ChatSession.id).where(expired).limit(1))).first():
                result = await session.execute(delete(ChatSession).where(expired))
                return int(getattr(result, "rowcount", 0))
        return 0
