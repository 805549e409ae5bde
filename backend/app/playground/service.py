"""A playground run as one stream of events, stored as it goes; stored runs read back.

The stream (its events are listed in `app.playground.router`):

1. the run row is stored, with the cells whose values did not fit (already `failed`), and
   `event: run` names every cell;
2. every other cell runs as a task of its own (`app.playground.cells`); their deltas and
   outcomes are merged into one queue, and each cell is stored when it ends;
3. the run is stored `complete` and `event: done` ends the stream.

When the client goes away the response's task is cancelled: every cell task is cancelled
(closing its upstream request and giving its gate slot back), the cells not yet stored are
stored `stopped` with their text so far, and the run `cancelled`. That clean-up runs while
the stream is being cancelled, so it goes through `write_through` (shielded, time-bounded).
No database connection is held while a cell waits for the model.
"""

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import ServerSentEvent

from app.auth.cache import Principal
from app.db import session_scope
from app.errors import NotFound
from app.llm.results import GenerationParams
from app.llm.stack import LLMStack
from app.llm.write_through import write_through
from app.playground import store
from app.playground.cells import CellDelta, CellEvent, CellJob, Crowd, run_cell
from app.playground.plan import RunPlan
from app.playground.schedule import primers
from app.playground.schemas import PlaygroundRunRead, PlaygroundRunRequest, RunPage
from app.playground.store import CellOutcome

logger = logging.getLogger(__name__)
Sessions = async_sessionmaker[AsyncSession]


def _event(name: str, payload: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(payload, ensure_ascii=False), event=name)


def run_event(run_id: int, plan: RunPlan) -> ServerSentEvent:
    cells = [
        {"v": c.outcome.v, "i": c.outcome.i, "template_id": c.outcome.template_id}
        | {"version": c.outcome.version}
        for c in plan.cells
    ]
    versions = [version.model_dump() for version in plan.versions]
    return _event("run", {"run_id": run_id, "cells": cells, "versions": versions})


def outcome_event(outcome: CellOutcome) -> ServerSentEvent:
    """`cell_done` for a complete cell, `cell_error` (with the text so far) otherwise."""
    values = asdict(outcome)
    if outcome.status == "complete":
        keys = ("v", "i", "text", "usage", "ttft_ms", "total_ms", "cache_n")
        return _event("cell_done", {key: values[key] for key in keys})
    return _event("cell_error", {key: values[key] for key in ("v", "i", "error", "code", "text")})


def _params(data: PlaygroundRunRequest) -> GenerationParams:
    return GenerationParams(
        temperature=data.temperature, top_p=data.top_p, max_tokens=data.max_tokens
    )


class _Run:
    """One run's cell tasks, and which of the cells are stored."""

    def __init__(self, sessions: Sessions, run_id: int, jobs: list[CellJob]) -> None:
        self.sessions = sessions
        self.run_id = run_id
        self.queue: asyncio.Queue[CellEvent] = asyncio.Queue()
        self.tasks: dict[tuple[int, int], asyncio.Task[None]] = {}
        self.unstored = {(job.outcome.v, job.outcome.i): job for job in jobs}
        self.finished = False

    def start(self, llm: LLMStack, owner: str, params: GenerationParams) -> None:
        # The owner's allowance of requests at once; the gate refuses anything past it.
        limit = asyncio.Semaphore(llm.settings.per_user_concurrency)
        crowd = Crowd()
        waits = primers(list(self.unstored.values()))
        # Cells are in (v, i) order, so a version's primer is started before its followers.
        for key, job in self.unstored.items():
            primer = self.tasks[waits[key]] if key in waits else None
            cell = run_cell(
                job,
                client=llm.client,
                gate=llm.gate,
                owner=owner,
                params=params,
                limit=limit,
                crowd=crowd,
                queue=self.queue,
                after=primer,
            )
            self.tasks[key] = asyncio.create_task(cell)

    async def store_cell(self, outcome: CellOutcome) -> None:
        async with session_scope(self.sessions) as db:
            await store.add_cells(db, self.run_id, [outcome])
        del self.unstored[(outcome.v, outcome.i)]

    async def events(self) -> AsyncGenerator[ServerSentEvent, None]:
        while self.unstored:
            item = await self.queue.get()
            if isinstance(item, CellDelta):
                yield _event("cell", {"v": item.v, "i": item.i, "delta": item.text})
                continue
            await self.store_cell(item)
            yield outcome_event(item)
        async with session_scope(self.sessions) as db:
            await store.finish_run(db, self.run_id, "complete")
        self.finished = True

    def _ended_by_itself(self, key: tuple[int, int]) -> bool:
        """The cell finished (complete or failed) before the run was cancelled."""
        task = self.tasks.get(key)
        return task is not None and not task.cancelled() and task.exception() is None

    async def cancel(self) -> None:
        """Stop every cell, store those not stored yet (`stopped`), and the run `cancelled`."""
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        outcomes = [
            job.outcome if self._ended_by_itself(key) else job.stopped()
            for key, job in self.unstored.items()
        ]
        async with session_scope(self.sessions) as db:
            await store.add_cells(db, self.run_id, outcomes)
            await store.finish_run(db, self.run_id, "cancelled")
        self.unstored.clear()
        self.finished = True


async def stream_run(
    *, sessions: Sessions, llm: LLMStack, user: Principal, data: PlaygroundRunRequest, plan: RunPlan
) -> AsyncGenerator[ServerSentEvent, None]:
    """The run's events; see the module docstring for what is stored when."""
    refused = [cell.outcome for cell in plan.cells if not cell.ready]
    async with session_scope(sessions) as db:
        run_id = await store.create_run(db, user.id, data, plan.versions)
        await store.add_cells(db, run_id, refused)
    jobs = [CellJob(cell.outcome, cell.messages) for cell in plan.cells if cell.ready]
    run = _Run(sessions, run_id, jobs)
    started = time.perf_counter()
    try:
        yield run_event(run_id, plan)
        for outcome in refused:
            yield outcome_event(outcome)
        run.start(llm, str(user.id), _params(data))
        async for event in run.events():
            yield event
    finally:
        if not run.finished:
            await write_through(run.cancel())
    wall_ms = round((time.perf_counter() - started) * 1000, 2)
    yield _event("done", {"run_id": run_id, "status": "complete", "wall_ms": wall_ms})


async def read_run(db: AsyncSession, user: Principal, run_id: int) -> PlaygroundRunRead:
    found = await store.read_run(db, user.id, run_id)
    if found is None:
        raise NotFound("No such playground run", code="run_not_found")
    return found


async def list_runs(db: AsyncSession, user: Principal, *, page: int, page_size: int) -> RunPage:
    items, total = await store.list_runs(db, user.id, page=page, page_size=page_size)
    return RunPage(items=items, total=total, page=page, page_size=page_size)
