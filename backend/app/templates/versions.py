"""A template's immutable versions: how their variables are stored, found and rendered.

A version is written once and never changed, so a session, playground run or game result that
names version N keeps meaning the same text; edits and restores add version n+1.
"""

import json
from collections.abc import Mapping, Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.db import utcnow
from app.errors import BadRequest, NotFound
from app.templates.models import PromptTemplate, TemplateVersion
from app.templates.render import InvalidVariables, render, schema_problems
from app.templates.schemas import TemplateVariable


def dump_variables(variables: Sequence[TemplateVariable]) -> str:
    """Canonical JSON, so equal schemas are equal text (and compare without parsing)."""
    return json.dumps([v.model_dump(mode="json") for v in variables], sort_keys=True)


def load_variables(text: str) -> list[TemplateVariable]:
    return [TemplateVariable.model_validate(item) for item in json.loads(text)]


def check_schema(content: str, variables: Sequence[TemplateVariable]) -> None:
    """400 naming each placeholder without a variable and each variable without a placeholder."""
    unknown, unused = schema_problems(content, variables)
    if unknown or unused:
        parts = []
        if unknown:
            parts.append("placeholders without a variable: " + ", ".join(unknown))
        if unused:
            parts.append("variables no placeholder uses: " + ", ".join(unused))
        raise BadRequest(
            "The content and its variables do not match — " + "; ".join(parts),
            code="variable_mismatch",
            details={"unknown": unknown, "unused": unused},
        )


def new_version(
    template: PromptTemplate,
    *,
    number: int,
    content: str,
    variables: Sequence[TemplateVariable],
    note: str,
    author: int | None,
) -> TemplateVersion:
    return TemplateVersion(
        template_id=template.id,
        version=number,
        content=content,
        variables=dump_variables(variables),
        note=note,
        created_by=author,
    )


async def find_version(
    db: AsyncSession, *, template: PromptTemplate, number: int
) -> TemplateVersion:
    query = select(TemplateVersion).where(
        TemplateVersion.template_id == template.id, TemplateVersion.version == number
    )
    row = (await db.execute(query)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No version {number} of template {template.id}", code="template_not_found")
    return row


def labels_of(template: PromptTemplate) -> dict[str, int]:
    return {row.label: row.version for row in template.labels}


async def resolve_version(
    db: AsyncSession, *, template: PromptTemplate, version: int | None, label: str | None
) -> TemplateVersion:
    """The version a reference names: by number, by label, or else the latest."""
    if label is not None:
        number = labels_of(template).get(label)
        if number is None:
            raise NotFound(
                f"Template {template.id} has no label {label!r}", code="template_not_found"
            )
        return await find_version(db, template=template, number=number)
    return await find_version(db, template=template, number=version or template.latest_version)


def render_version(row: TemplateVersion, values: Mapping[str, object]) -> str:
    try:
        return render(row.content, load_variables(row.variables), values)
    except InvalidVariables as problem:
        raise BadRequest(
            f"The variables do not fit version {row.version} of this template — {problem}",
            code="invalid_variables",
            details={"missing": problem.missing, "invalid": problem.invalid},
        ) from None


async def claim_next_number(db: AsyncSession, *, template: PromptTemplate) -> int:
    """The number of the version about to be written, claimed in one statement.

    Reading `latest_version` and writing n+1 separately would let two edits at once both
    claim the same n+1 (SQLite reads outside the write transaction); the atomic increment
    makes the second wait for the first and take n+2.
    """
    claimed = await db.scalar(
        update(PromptTemplate)
        .where(PromptTemplate.id == template.id)
        .values(latest_version=PromptTemplate.latest_version + 1, updated_at=utcnow())
        .returning(PromptTemplate.latest_version)
        .execution_options(synchronize_session=False)
    )
    number = int(claimed or 0)
    set_committed_value(template, "latest_version", number)
    return number
