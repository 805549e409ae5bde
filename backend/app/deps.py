"""Shared request dependencies as named `Annotated` aliases (no domain imports here)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import session_scope
from app.llm.stack import LLMStack


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session per request, committed when the route returns without error.

    Used with `scope="function"` so the commit happens before the response is sent:
    a client that gets 201 from register can log in at once.
    """
    async with session_scope(request.app.state.sessionmaker) as session:
        yield session


# The largest id an SQL INTEGER primary key holds (PostgreSQL's int4; SQLite allows more).
# Bounding path ids here answers a crafted id with 400, before it can overflow a driver.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A row id")]
AppSettings = Annotated[Settings, Depends(get_app_settings)]
DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]


async def get_llm_stack(request: Request) -> LLMStack:
    stack: LLMStack = request.app.state.llm_stack
    return stack


LLM = Annotated[LLMStack, Depends(get_llm_stack)]
"""The process's LLM stack: ``.client``, ``.gate``, ``.sessions`` (one typed container)."""
