"""Shared request dependencies as named `Annotated` aliases (no domain imports here)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.db import session_scope
from app.llm.client import LLMClient
from app.llm.limits import ConcurrencyGate
from app.llm.sessions import SessionManager


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


async def get_llm_client(request: Request) -> LLMClient:
    client: LLMClient = request.app.state.llm
    return client


async def get_sessions(request: Request) -> SessionManager:
    manager: SessionManager = request.app.state.sessions
    return manager


async def get_gate(request: Request) -> ConcurrencyGate:
    gate: ConcurrencyGate = request.app.state.gate
    return gate


LLM = Annotated[LLMClient, Depends(get_llm_client)]
Sessions = Annotated[SessionManager, Depends(get_sessions)]
Gate = Annotated[ConcurrencyGate, Depends(get_gate)]
