"""Prompt templates: create, find, edit, version, label, archive and render them.

The rules of who may see or change a template are in `access`, those of versions in
`versions`; this module is what the routes (and other domains) call.

`render_reference` is how chat, the playground and game sessions turn a reference into a
prompt. Callers without a request session wrap it in `session_scope` and release the connection
before they ask the model.
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import Principal
from app.db import utcnow
from app.errors import BadRequest, Forbidden, NotFound
from app.templates.access import (
    begin_write,
    can_edit,
    find_template,
    require_active,
    require_owner_or_admin,
)
from app.templates.diff import template_diff
from app.templates.models import PromptTemplate, TemplateLabel, TemplateTag, TemplateVersion
from app.templates.schemas import (
    LabelsRead,
    RenderRequest,
    RestoreRequest,
    TemplateCreate,
    TemplateDiff,
    TemplateRead,
    TemplateRefIn,
    TemplateSummary,
    TemplateUpdate,
    VersionPage,
    VersionRead,
    VersionSummary,
)
from app.templates.versions import (
    check_schema,
    claim_next_number,
    dump_variables,
    find_version,
    labels_of,
    load_variables,
    new_version,
    render_version,
    resolve_version,
)
from app.users.models import User

PRODUCTION = "production"
MAX_LABELS = 20


@dataclass(frozen=True)
class RenderedTemplate:
    """A template version filled with values: the prompt, and what it came from."""

    template_id: int
    version: int
    label: str | None
    title: str
    prompt: str


async def usable_version(
    db: AsyncSession, *, template: PromptTemplate, version: int | None, label: str | None
) -> TemplateVersion:
    """The version a reference names (the latest without one), of a template still in use:
    the one rule every edge resolves by (render, chat, games, the playground)."""
    require_active(template)
    return await resolve_version(db, template=template, version=version, label=label)


async def render_template(
    db: AsyncSession,
    *,
    template: PromptTemplate,
    version: int | None,
    label: str | None,
    values: Mapping[str, object],
) -> RenderedTemplate:
    row = await usable_version(db, template=template, version=version, label=label)
    return RenderedTemplate(
        template_id=template.id,
        version=row.version,
        label=label,
        title=template.title,
        prompt=render_version(row, values),
    )


async def render_reference(
    db: AsyncSession,
    viewer: Principal | None,
    ref: TemplateRefIn,
    values: Mapping[str, object],
) -> RenderedTemplate:
    """The prompt `ref` names, filled with `values`, as `viewer` may use it.

    `viewer` None is an anonymous game client: only shared templates are visible. Raises
    `template_not_found` (404), `template_archived` (409) or `invalid_variables` (400).
    """
    template = await find_template(db, viewer=viewer, template_id=ref.id)
    return await render_template(
        db, template=template, version=ref.version, label=ref.label, values=values
    )


async def render_request(
    db: AsyncSession, *, template: PromptTemplate, data: RenderRequest
) -> RenderedTemplate:
    return await render_template(
        db, template=template, version=data.version, label=data.label, values=data.variables
    )


async def owner_names(db: AsyncSession, owner_ids: set[int]) -> dict[int, str]:
    """How each owner is shown: their display name, else "user N" — never part of an email
    address, which readers of a shared template have no business seeing."""
    if not owner_ids:
        return {}
    rows = await db.execute(select(User.id, User.display_name).where(User.id.in_(owner_ids)))
    return {row.id: row.display_name or f"user {row.id}" for row in rows}


def summary(
    template: PromptTemplate, *, viewer: Principal | None, owner_name: str
) -> TemplateSummary:
    return TemplateSummary.model_validate(
        {
            "id": template.id,
            "title": template.title,
            "description": template.description,
            "project": template.project,
            "tags": [row.tag for row in template.tags],
            "visibility": template.visibility,
            "owner_id": template.owner_id,
            "owner_name": owner_name,
            "version": template.latest_version,
            "labels": labels_of(template),
            "archived": template.archived_at is not None,
            "created_at": template.created_at,
            "updated_at": template.updated_at,
            "can_edit": can_edit(template, viewer),
        }
    )


async def summaries(
    db: AsyncSession, *, templates: Sequence[PromptTemplate], viewer: Principal | None
) -> list[TemplateSummary]:
    names = await owner_names(db, {template.owner_id for template in templates})
    return [
        summary(template, viewer=viewer, owner_name=names.get(template.owner_id, ""))
        for template in templates
    ]


async def read_template(
    db: AsyncSession, *, template: PromptTemplate, viewer: Principal | None
) -> TemplateRead:
    """The template with its latest version's content, variables and note."""
    latest = await find_version(db, template=template, number=template.latest_version)
    [head] = await summaries(db, templates=[template], viewer=viewer)
    return TemplateRead(
        **head.model_dump(),
        content=latest.content,
        variables=load_variables(latest.variables),
        note=latest.note,
    )


async def create_template(
    db: AsyncSession, *, user: Principal, data: TemplateCreate
) -> TemplateRead:
    check_schema(data.content, data.variables)
    template = PromptTemplate(
        owner_id=user.id,
        title=data.title,
        description=data.description,
        project=data.project,
        visibility=data.visibility,
        latest_version=1,
        tags=[TemplateTag(tag=tag) for tag in data.tags],
        labels=[],
    )
    db.add(template)
    await db.flush()
    db.add(
        new_version(
            template,
            number=1,
            content=data.content,
            variables=data.variables,
            note=data.note,
            author=user.id,
        )
    )
    await db.flush()
    return await read_template(db, template=template, viewer=user)


def apply_metadata(template: PromptTemplate, data: TemplateUpdate) -> None:
    """The fields that change the template without a new version."""
    for field in ("title", "description", "visibility"):
        value = getattr(data, field)
        if value is not None:
            setattr(template, field, value)
    if "project" in data.model_fields_set:
        template.project = data.project
    if data.tags is not None:
        template.tags = [TemplateTag(tag=tag) for tag in data.tags]


async def update_template(
    db: AsyncSession, *, user: Principal, template: PromptTemplate, data: TemplateUpdate
) -> TemplateRead:
    """Metadata changes in place; changed content or variables add version n+1.

    Sending the latest content and variables again adds no version.
    """
    await begin_write(db, template=template)
    apply_metadata(template, data)
    if data.content is not None or data.variables is not None:
        latest = await find_version(db, template=template, number=template.latest_version)
        content = latest.content if data.content is None else data.content
        variables = load_variables(latest.variables) if data.variables is None else data.variables
        if content != latest.content or dump_variables(variables) != latest.variables:
            check_schema(content, variables)
            db.add(
                new_version(
                    template,
                    number=await claim_next_number(db, template=template),
                    content=content,
                    variables=variables,
                    note=data.note,
                    author=user.id,
                )
            )
    template.updated_at = utcnow()
    await db.flush()
    return await read_template(db, template=template, viewer=user)


async def archive_template(db: AsyncSession, *, user: Principal, template: PromptTemplate) -> None:
    """Hide it from lists and new use; its versions stay for whoever names them.

    Archiving an archived template again changes nothing (a repeated DELETE is 204 too).
    """
    require_owner_or_admin(template, user)
    if template.archived_at is None:
        template.archived_at = utcnow()
        template.updated_at = template.archived_at
        await db.flush()


async def list_versions(
    db: AsyncSession, *, template: PromptTemplate, page: int, page_size: int
) -> VersionPage:
    query = (
        select(TemplateVersion)
        .where(TemplateVersion.template_id == template.id)
        .order_by(TemplateVersion.version.desc())
    )
    total = await db.scalar(select(func.count()).where(TemplateVersion.template_id == template.id))
    rows = await db.scalars(query.offset((page - 1) * page_size).limit(page_size))
    items = [VersionSummary.model_validate(row, from_attributes=True) for row in rows]
    return VersionPage(items=items, total=int(total or 0), page=page, page_size=page_size)


def version_read(row: TemplateVersion) -> VersionRead:
    return VersionRead(
        template_id=row.template_id,
        version=row.version,
        content=row.content,
        variables=load_variables(row.variables),
        note=row.note,
        created_at=row.created_at,
    )


async def read_version(db: AsyncSession, *, template: PromptTemplate, number: int) -> VersionRead:
    return version_read(await find_version(db, template=template, number=number))


async def diff_versions(
    db: AsyncSession, *, template: PromptTemplate, old: int, new: int
) -> TemplateDiff:
    before = await find_version(db, template=template, number=old)
    after = await find_version(db, template=template, number=new)
    # Up to a second of CPU for two long versions: off the event loop, so other requests run.
    return await asyncio.to_thread(
        template_diff, before.content, after.content, old_number=old, new_number=new
    )


async def restore_version(
    db: AsyncSession,
    *,
    user: Principal,
    template: PromptTemplate,
    number: int,
    data: RestoreRequest | None,
) -> TemplateRead:
    """Version `number`'s content and variables again, as a new latest version."""
    await begin_write(db, template=template)
    source = await find_version(db, template=template, number=number)
    note = data.note if data is not None and data.note is not None else None
    db.add(
        new_version(
            template,
            number=await claim_next_number(db, template=template),
            content=source.content,
            variables=load_variables(source.variables),
            note=note if note is not None else f"Restored from version {number}",
            author=user.id,
        )
    )
    template.updated_at = utcnow()
    await db.flush()
    return await read_template(db, template=template, viewer=user)


async def begin_label_write(
    db: AsyncSession, *, template: PromptTemplate, user: Principal, label: str
) -> None:
    """Labels are changed by the owner or an admin; `production` says so in its own code."""
    if can_edit(template, user):
        await begin_write(db, template=template)
        return
    if label == PRODUCTION:
        raise Forbidden(
            "Only the template's owner or an admin can move the production label",
            code="label_forbidden",
        )
    raise Forbidden(
        "This template is shared read-only: only its owner or an admin can change its labels",
        code="read_only",
    )


async def set_label(
    db: AsyncSession, *, user: Principal, template: PromptTemplate, label: str, version: int
) -> LabelsRead:
    await begin_label_write(db, template=template, user=user, label=label)
    await find_version(db, template=template, number=version)
    existing = next((row for row in template.labels if row.label == label), None)
    if existing is not None:
        existing.version = version
    elif len(template.labels) >= MAX_LABELS:
        raise BadRequest(
            f"A template has at most {MAX_LABELS} labels: remove one first",
            code="too_many_labels",
        )
    else:
        template.labels.append(TemplateLabel(label=label, version=version))
    template.updated_at = utcnow()
    await db.flush()
    return LabelsRead(labels=labels_of(template))


async def delete_label(
    db: AsyncSession, *, user: Principal, template: PromptTemplate, label: str
) -> LabelsRead:
    await begin_label_write(db, template=template, user=user, label=label)
    existing = next((row for row in template.labels if row.label == label), None)
    if existing is None:
        raise NotFound(f"Template {template.id} has no label {label!r}", code="label_not_found")
    template.labels.remove(existing)
    template.updated_at = utcnow()
    await db.flush()
    return LabelsRead(labels=labels_of(template))
