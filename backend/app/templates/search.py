"""Listing templates: what a caller may see, filtered, searched and cut into pages."""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import Principal
from app.db import like_pattern
from app.templates.models import PromptTemplate, TemplateTag, TemplateVersion
from app.templates.schemas import TemplatePage
from app.templates.service import summaries


@dataclass(frozen=True)
class TemplateFilter:
    """`q` matches title, description or the latest content, ignoring case."""

    q: str | None = None
    project: str | None = None
    tag: str | None = None
    mine: bool = False
    archived: bool = False


def visible_to(user: Principal, *, archived: bool) -> ColumnElement[bool]:
    """Active templates the caller may see; archived ones only those the caller may change."""
    if archived:
        archived_own = PromptTemplate.archived_at.is_not(None)
        return (
            archived_own
            if user.is_admin
            else and_(archived_own, PromptTemplate.owner_id == user.id)
        )
    active = PromptTemplate.archived_at.is_(None)
    if user.is_admin:
        return active
    return and_(
        active, or_(PromptTemplate.owner_id == user.id, PromptTemplate.visibility == "shared")
    )


def matches_text(q: str) -> ColumnElement[bool]:
    pattern = like_pattern(q)
    in_latest = exists().where(
        TemplateVersion.template_id == PromptTemplate.id,
        TemplateVersion.version == PromptTemplate.latest_version,
        TemplateVersion.content.ilike(pattern, escape="\\"),
    )
    return or_(
        PromptTemplate.title.ilike(pattern, escape="\\"),
        PromptTemplate.description.ilike(pattern, escape="\\"),
        in_latest,
    )


def filtered(user: Principal, wanted: TemplateFilter) -> Select[PromptTemplate]:
    conditions: list[ColumnElement[bool]] = [visible_to(user, archived=wanted.archived)]
    if wanted.mine:
        conditions.append(PromptTemplate.owner_id == user.id)
    if wanted.project is not None:
        conditions.append(PromptTemplate.project == wanted.project)
    if wanted.tag is not None:
        tag = wanted.tag.strip().lower()
        conditions.append(
            exists().where(TemplateTag.template_id == PromptTemplate.id, TemplateTag.tag == tag)
        )
    if wanted.q:
        conditions.append(matches_text(wanted.q))
    return select(PromptTemplate).where(and_(true(), *conditions))


async def list_templates(
    db: AsyncSession, *, user: Principal, wanted: TemplateFilter, page: int, page_size: int
) -> TemplatePage:
    """One page of the templates the caller may see, most recently changed first."""
    query = filtered(user, wanted)
    total = await db.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(PromptTemplate.updated_at.desc(), PromptTemplate.id.desc())
    rows = list(await db.scalars(ordered.offset((page - 1) * page_size).limit(page_size)))
    items = await summaries(db, templates=rows, viewer=user)
    return TemplatePage(items=items, total=int(total or 0), page=page, page_size=page_size)
