"""`SqlSessionStore`: the database record of chat sessions, behind the LLM library's protocol.

Each call is its own short transaction, so a streaming turn never holds a database session
open while the model writes: one stores the question when the turn is admitted (creating the
session), one the answer when it ends, complete or partial.
"""

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from app.chat.models import ChatMessage, ChatSession
from app.db import session_scope
from app.llm.store import (
    MessageStatus,
    SessionKey,
    SessionRecord,
    SessionSummary,
    StoredMessage,
    summarize,
)

LIST_LIMIT = 200


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _where(key: SessionKey) -> tuple[ColumnElement[bool], ...]:
    return (
        ChatSession.owner == key.owner,
        ChatSession.project == key.project,
        ChatSession.session_key == key.session_id,
    )


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


class SqlSessionStore:
    """Sessions and messages in SQL (SQLite or PostgreSQL): the durable record."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def _find(self, session: AsyncSession, key: SessionKey) -> ChatSession | None:
        query = select(ChatSession).where(*_where(key)).options(selectinload(ChatSession.messages))
        return (await session.execute(query)).scalar_one_or_none()

    async def get(self, key: SessionKey) -> SessionRecord | None:
        async with session_scope(self._sessionmaker) as session:
            row = await self._find(session, key)
            return None if row is None else _record(row)

    async def _session_row(self, session: AsyncSession, key: SessionKey) -> ChatSession | None:
        """The session's row without its messages (a write only adds one)."""
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

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        async with session_scope(self._sessionmaker) as session:
            row = await self._session_row(session, key)
            if row is None:
                return
            session.add(_row(row.id, message))
            row.updated_at = message.created_at

    async def delete(self, key: SessionKey) -> bool:
        async with session_scope(self._sessionmaker) as session:
            result = await session.execute(delete(ChatSession).where(*_where(key)))
            return bool(getattr(result, "rowcount", 0))

    async def list(self, owner: str, project: str) -> list[SessionSummary]:
        async with session_scope(self._sessionmaker) as session:
            query = (
                select(ChatSession)
                .where(ChatSession.owner == owner, ChatSession.project == project)
                .order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())
                .limit(LIST_LIMIT)
                .options(selectinload(ChatSession.messages))
            )
            rows = (await session.execute(query)).scalars().all()
            return [summarize(_record(row)) for row in rows]
