"""Templates as JSON files: export one (or all of the caller's) with every version and label,
and import them back as new templates of the importer.

An import keeps version numbers, notes, creation times and labels, so a label that pointed at
version 3 still does; the ids are new, and the importer becomes the owner and the author.
"""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import Principal
from app.db import utcnow
from app.errors import BadRequest
from app.templates.models import PromptTemplate, TemplateLabel, TemplateTag, TemplateVersion
from app.templates.render import schema_problems
from app.templates.schemas import (
    TemplateBundle,
    TemplateExport,
    TemplateImportResult,
    VersionExport,
)
from app.templates.service import read_template
from app.templates.versions import dump_variables, labels_of, load_variables


def template_export(
    template: PromptTemplate, versions: Sequence[TemplateVersion]
) -> TemplateExport:
    """`template` as a file entry, with `versions` (all of its versions, oldest first)."""
    return TemplateExport.model_validate(
        {
            "title": template.title,
            "description": template.description,
            "project": template.project,
            "tags": [row.tag for row in template.tags],
            "visibility": template.visibility,
            "versions": [
                VersionExport(
                    version=row.version,
                    content=row.content,
                    variables=load_variables(row.variables),
                    note=row.note,
                    created_at=row.created_at,
                )
                for row in versions
            ],
            "labels": labels_of(template),
        }
    )


async def export_template(db: AsyncSession, *, template: PromptTemplate) -> TemplateExport:
    rows = await db.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.version)
    )
    return template_export(template, list(rows))


async def export_mine(db: AsyncSession, *, user: Principal) -> TemplateBundle:
    """Every template the caller owns that is not archived, oldest first.

    The versions of all of them come in one query, not one per template.
    """
    templates = list(
        await db.scalars(
            select(PromptTemplate)
            .where(PromptTemplate.owner_id == user.id, PromptTemplate.archived_at.is_(None))
            .order_by(PromptTemplate.id)
        )
    )
    # All the owner's versions (archived ones too): a template archived between the two
    # queries still finds its versions.
    rows = await db.scalars(
        select(TemplateVersion)
        .join(PromptTemplate, PromptTemplate.id == TemplateVersion.template_id)
        .where(PromptTemplate.owner_id == user.id)
        .order_by(TemplateVersion.template_id, TemplateVersion.version)
    )
    versions: dict[int, list[TemplateVersion]] = defaultdict(list)
    for row in rows:
        versions[row.template_id].append(row)
    exports = [template_export(template, versions[template.id]) for template in templates]
    return TemplateBundle(templates=exports)


def check_versions(index: int, entry: TemplateExport) -> None:
    """Each version must pass the checks a save would: 400 naming the template and version."""
    for version in entry.versions:
        unknown, unused = schema_problems(version.content, version.variables)
        if unknown or unused:
            raise BadRequest(
                f"Template {index + 1} ({entry.title!r}), version {version.version}: the content "
                "and its variables do not match",
                code="variable_mismatch",
                details={
                    "unknown": unknown,
                    "unused": unused,
                    "template": index,
                    "version": version.version,
                },
            )


async def import_one(db: AsyncSession, *, user: Principal, entry: TemplateExport) -> PromptTemplate:
    template = PromptTemplate(
        owner_id=user.id,
        title=entry.title,
        description=entry.description,
        project=entry.project,
        visibility=entry.visibility,
        latest_version=max(version.version for version in entry.versions),
        tags=[TemplateTag(tag=tag) for tag in entry.tags],
        labels=[TemplateLabel(label=label, version=n) for label, n in sorted(entry.labels.items())],
    )
    db.add(template)
    await db.flush()
    for version in sorted(entry.versions, key=lambda version: version.version):
        db.add(
            TemplateVersion(
                template_id=template.id,
                version=version.version,
                content=version.content,
                variables=dump_variables(version.variables),
                note=version.note,
                created_by=user.id,
                created_at=version.created_at or utcnow(),
            )
        )
    await db.flush()
    return template


async def import_templates(
    db: AsyncSession, *, user: Principal, data: TemplateBundle | TemplateExport
) -> TemplateImportResult:
    """All or nothing: one bad template refuses the whole import."""
    entries: Sequence[TemplateExport] = (
        data.templates if isinstance(data, TemplateBundle) else [data]
    )
    for index, entry in enumerate(entries):
        check_versions(index, entry)
    created = [await import_one(db, user=user, entry=entry) for entry in entries]
    items = [await read_template(db, template=template, viewer=user) for template in created]
    return TemplateImportResult(items=items)
