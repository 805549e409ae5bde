"""Request dependencies of the chat routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.chat.store import SqlSessionStore


async def get_chat_store(request: Request) -> SqlSessionStore:
    """The SQL record of sessions, for what only it holds: titles, ids, search, undo."""
    return SqlSessionStore(request.app.state.sessionmaker)


ChatStore = Annotated[SqlSessionStore, Depends(get_chat_store)]
