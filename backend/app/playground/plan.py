"""Turning a run request into its cells, before anything streams.

Each version reference is resolved once, with the templates' own rules (what `render_reference`
does per call): its label (or "latest") is pinned to one version row and every input renders
that row, so all cells of a version use the same text. A reference that does not resolve
(unknown, someone else's private template, archived) fails the whole request with the
templates' 404 / 409 before anything streams; values that do not fit one input fail only that
input's cells (`invalid_variables`), which are stored and reported but never sent to the model.

All of it runs in one short unit of work, released before the first cell reaches the model.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import Principal
from app.errors import AppError, BadRequest
from app.playground.schemas import PlaygroundInput, PlaygroundRunRequest, RunVersionRead, VersionRef
from app.playground.store import CellOutcome
from app.templates.access import find_template
from app.templates.models import PromptTemplate, TemplateVersion
from app.templates.service import usable_version
from app.templates.versions import load_variables, render_version


@dataclass
class PlannedCell:
    """One cell: the messages to send, or the outcome it already has (bad values)."""

    outcome: CellOutcome
    messages: list[dict[str, str]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.outcome.status == "complete" and bool(self.messages)


@dataclass(frozen=True)
class RunPlan:
    versions: list[RunVersionRead]
    cells: list[PlannedCell]


def messages_for(prompt: str, row: PlaygroundInput) -> list[dict[str, str]]:
    """Without a message the rendered template is the user's turn; with one, the system's."""
    if row.message is None:
        return [{"role": "user", "content": prompt}]
    return [{"role": "system", "content": prompt}, {"role": "user", "content": row.message}]


def _invalid(outcome: CellOutcome, exc: AppError) -> PlannedCell:
    outcome.status, outcome.error, outcome.code = "failed", exc.message, exc.error_code
    return PlannedCell(outcome)


def declared_names(row: TemplateVersion) -> set[str]:
    return {variable.name for variable in load_variables(row.variables)}


def values_for(
    declared: set[str], elsewhere: set[str], variables: Mapping[str, object]
) -> dict[str, object]:
    """An input's values as one version sees them.

    An input is shared by every version of the run, and versions under comparison often
    declare different variables: a name that only another version declares is left out
    here. A name that no version of the run declares stays, so a typo is still refused.
    """
    return {
        name: value
        for name, value in variables.items()
        if name in declared or name not in elsewhere
    }


def _plan_cells(
    v: int,
    template: PromptTemplate,
    row: TemplateVersion,
    inputs: list[PlaygroundInput],
    run_names: set[str],
) -> list[PlannedCell]:
    declared = declared_names(row)
    cells: list[PlannedCell] = []
    for i, values in enumerate(inputs):
        outcome = CellOutcome(v=v, i=i, template_id=template.id, version=row.version)
        try:
            prompt = render_version(row, values_for(declared, run_names, values.variables))
        except BadRequest as exc:
            cells.append(_invalid(outcome, exc))
            continue
        cells.append(PlannedCell(outcome, messages_for(prompt, values)))
    return cells


async def _resolve(
    db: AsyncSession, viewer: Principal, ref: VersionRef
) -> tuple[PromptTemplate, TemplateVersion]:
    template = await find_template(db, viewer=viewer, template_id=ref.template_id)
    row = await usable_version(db, template=template, version=ref.version, label=ref.label)
    return template, row


async def plan_run(db: AsyncSession, viewer: Principal, data: PlaygroundRunRequest) -> RunPlan:
    """Resolve every version and render every cell; raises for a reference that fails."""
    resolved = [await _resolve(db, viewer, ref) for ref in data.versions]
    run_names = set().union(*(declared_names(row) for _, row in resolved))
    versions: list[RunVersionRead] = []
    cells: list[PlannedCell] = []
    for v, (template, row) in enumerate(resolved):
        versions.append(
            RunVersionRead(template_id=template.id, version=row.version, title=template.title)
        )
        cells.extend(_plan_cells(v, template, row, data.inputs, run_names))
    return RunPlan(versions=versions, cells=cells)
