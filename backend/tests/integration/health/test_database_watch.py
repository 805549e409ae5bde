"""`/api/health` reports the database as its own probe last found it, without a query per poll."""

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

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
    queries: list[str] = []
    engine = app.state.engine.sync_engine
    listener = event.listens_for(engine, "before_cursor_execute")(
        lambda _conn, _cursor, statement, *_rest: queries.append(statement)
    )
    before = watch.probes
    try:
        answers = await asyncio.gather(*(client.get("/api/health") for _ in range(200)))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert {answer.status_code for answer in answers} == {200}
    assert {answer.json()["status"] for answer in answers} == {"ok"}
    assert queries == []  # the request pool was never asked
    # The probe runs once a second on its own connection, however many polls come in.
    assert watch.probes - before < 20


async def test_the_first_probe_runs_before_serving(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, pre_ping=False)
    try:
        async with DatabaseWatch(engine, interval=3600).running() as watch:
            assert watch.probes == 1
            assert watch.report().status == "ok"
    finally:
        await engine.dispose()


async def test_the_report_follows_the_database_going_away_and_coming_back(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    engine = create_engine(f"sqlite+aiosqlite:///{folder}/portal.db", pool_size=1, pre_ping=False)
    folder.rmdir()  # made by create_engine: the database cannot be opened until it is back
    try:
        async with DatabaseWatch(engine, interval=0.05).running() as watch:
            report = watch.report()
            assert (report.status, report.database) == ("degraded", "unavailable")
            folder.mkdir()
            await wait_for_report(watch, "ok")  # the background probe noticed
        # Away and back again, probed by hand: the pooled connection would keep the removed
        # file open, so the pool is closed too, with no probe holding it.
        shutil.rmtree(folder)
        await engine.dispose()
        assert await watch.probe() is False
        assert watch.report().database == "unavailable"
        folder.mkdir()
        assert await watch.probe() is True
        assert watch.report().status == "ok"
    finally:
        await engine.dispose()


async def test_an_unexpected_error_counts_as_a_failure_and_probing_goes_on(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(database_url, pool_size=1, pre_ping=False)
    failing = True

    def connect(*_args: object) -> None:
        if failing:
            raise RuntimeError("driver bug")

    event.listen(engine.sync_engine, "checkout", connect)
    try:
        async with DatabaseWatch(engine, interval=0.05).running() as watch:
            assert watch.report().database == "unavailable"
            assert "driver bug" in caplog.text
            failing = False
            await wait_for_report(watch, "ok")
    finally:
        await engine.dispose()


async def test_a_database_that_stops_answering_is_reported_within_the_probe_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
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
            assert "TimeoutError" in caplog.text
        finally:
            await hanging.dispose()
