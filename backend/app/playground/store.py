"""Stored runs: each function is one short unit of work on a session it is given.

The run row is written before its stream's first event, each cell when it ends, and the
run's status at the end; nothing here is held while the model answers.
"""

import json
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.playground.models import PlaygroundCell, PlaygroundRun
from app.playground.schemas import (
    CellRead,
    PlaygroundRunRead,
    PlaygroundRunRequest,
    RunSummaryRead,
    RunVersionRead,
)

RESOLVED_KEY = "resolved"
"""Beside the request body in `playground_run.request`: each version as resolved then."""


@dataclass
class CellOutcome:
    """How one cell ended, as stored and as its `cell_done` / `cell_error` event says."""

    v: int
    i: int
    template_id: int
    version: int
    text: str = ""
    status: str = "complete"
    error: str | None = None
    code: str | None = None
    usage: dict[str, int] | None = None
    ttft_ms: float | None = None
    total_ms: float | None = None
    cache_n: int | None = None


async def create_run(
    db: AsyncSession, owner_id: int, data: PlaygroundRunRequest, versions: list[RunVersionRead]
) -> int:
    stored = {
        **data.model_dump(mode="json"),
        RESOLVED_KEY: [version.model_dump() for version in versions],
    }
    run = PlaygroundRun(
        owner_id=owner_id, status="running", request=json.dumps(stored, ensure_ascii=False)
    )
    db.add(run)
    await db.flush()
    return run.id


def _cell_row(run_id: int, outcome: CellOutcome) -> PlaygroundCell:
    values: dict[str, Any] = asdict(outcome)
    values["usage"] = json.dumps(outcome.usage) if outcome.usage is not None else None
    return PlaygroundCell(run_id=run_id, **values)


async def add_cells(db: AsyncSession, run_id: int, outcomes: list[CellOutcome]) -> None:
    db.add_all([_cell_row(run_id, outcome) for outcome in outcomes])
    await db.flush()


async def finish_run(db: AsyncSession, run_id: int, status: str) -> None:
    await db.execute(
        update(PlaygroundRun)
        .where(PlaygroundRun.id == run_id)
        .values(status=status, finished_at=utcnow())
    )


def _versions(stored: dict[str, Any]) -> list[RunVersionRead]:
    """The versions a stored request resolved to (kept beside the request as accepted)."""
    return [RunVersionRead.model_validate(version) for version in stored.get(RESOLVED_KEY, [])]


def _cell_read(cell: PlaygroundCell) -> CellRead:
    return CellRead.model_validate(
        {
            "v": cell.v,
            "i": cell.i,
            "template_id": cell.template_id,
            "version": cell.version,
            "text": cell.text,
            "status": cell.status,
            "error": cell.error,
            "code": cell.code,
            "usage": json.loads(cell.usage) if cell.usage else None,
            "ttft_ms": cell.ttft_ms,
            "total_ms": cell.total_ms,
            "cache_n": cell.cache_n,
        }
    )


async def read_run(db: AsyncSession, owner_id: int, run_id: int) -> PlaygroundRunRead | None:
    """The owner's run with its cells; `None` when there is none (or it is someone else's)."""
    run = await db.scalar(
        select(PlaygroundRun).where(PlaygroundRun.id == run_id, PlaygroundRun.owner_id == owner_id)
    )
    if run is None:
        return None
    cells = await db.scalars(
        select(PlaygroundCell)
        .where(PlaygroundCell.run_id == run_id)
        .order_by(PlaygroundCell.v, PlaygroundCell.i)
    )
    stored = json.loads(run.request)
    return PlaygroundRunRead(
        run_id=run.id,
        status=run.status,
        created_at=run.created_at,
        finished_at=run.finished_at,
        request=PlaygroundRunRequest.model_validate(stored),
        versions=_versions(stored),
        cells=[_cell_read(cell) for cell in cells],
    )


async def list_runs(
    db: AsyncSession, owner_id: int, *, page: int, page_size: int
) -> tuple[list[RunSummaryRead], int]:
    """The owner's runs, newest first, one page of them, and how many there are in all."""
    total = await db.scalar(
        select(func.count()).select_from(PlaygroundRun).where(PlaygroundRun.owner_id == owner_id)
    )
    runs = await db.scalars(
        select(PlaygroundRun)
        .where(PlaygroundRun.owner_id == owner_id)
        .order_by(PlaygroundRun.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return [_summary(run) for run in runs], total or 0


def _summary(run: PlaygroundRun) -> RunSummaryRead:
    stored = json.loads(run.request)
    return RunSummaryRead(
        run_id=run.id,
        status=run.status,
        created_at=run.created_at,
        finished_at=run.finished_at,
        versions=_versions(stored),
        input_count=len(stored.get("inputs", [])),
    )
