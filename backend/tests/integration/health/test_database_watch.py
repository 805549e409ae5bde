"""`/api/health` reports the database as its own probe last found it, without a query per poll."""

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.db import create_engine
from app.health.service import DatabaseWatch

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word: a database that hangs."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()


async def wait_for_report(watch: DatabaseWatch, database: str, *, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while watch.report().database != database:
        assert asyncio.get_running_loop().time() < deadline, f"still {watch.report().database}"
        await asyncio.sleep(0.02)


async def test_polls_are_answered_without_querying_the_database(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    watch: DatabaseWatch = app.state.database_watch
    before = watch.probes
    answers = await asyncio.gather(*(client.get("/api/health") for _ in range(200)))
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["status"] for answer in answers} == {"ok"}
    # The background probe runs once a second; 200 polls must not add 200 queries.
    assert watch.probes - before <= 3


async def test_the_report_follows_the_database_going_away_and_coming_back(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    engine = create_engine(f"sqlite+aiosqlite:///{folder}/portal.db", pool_size=1, pre_ping=False)
    folder.rmdir()  # made by create_engine: the database cannot be opened until it is back
    try:
        async with DatabaseWatch(engine, interval=0.05).running() as watch:
            report = watch.report()  # the first probe ran before serving: no folder, no file
            assert (report.status, report.database) == ("degraded", "unavailable")
            folder.mkdir()
            await wait_for_report(watch, "ok")
            assert watch.report().status == "ok"
            # The pooled connection would keep the removed file open: close the pool too.
            shutil.rmtree(folder)
            await engine.dispose()
            await wait_for_report(watch, "unavailable")
            folder.mkdir()
            await wait_for_report(watch, "ok")
    finally:
        await engine.dispose()


async def test_a_database_that_stops_answering_is_reported_within_the_probe_timeout() -> None:
    async with silent_server() as port:
        hanging = create_engine(
            f"postgresql+asyncpg://postgres@127.0.0.1:{port}/test", pool_size=1, pre_ping=False
        )
        try:
            watch = DatabaseWatch(hanging, interval=0.05, timeout=0.3)
            started = asyncio.get_running_loop().time()
            assert await watch.probe() is False
            assert asyncio.get_running_loop().time() - started < 2.0
            assert watch.report().database == "unavailable"
        finally:
            await hanging.dispose()
