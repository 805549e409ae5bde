"""Request dependencies of the chat routes."""

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.chat.store import SqlSessionStore


async def get_chat_store(request: Request) -> SqlSessionStore:
    """The SQL record of sessions, for what only it holds: titles, ids, search, undo."""
    return SqlSessionStore(request.app.state.sessionmaker)


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """The factory of short transactions: a turn that renders a template opens one and
    closes it before the model is asked, so no request session spans the model's answer."""
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessionmaker


ChatStore = Annotated[SqlSessionStore, Depends(get_chat_store)]
Sessionmaker = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
