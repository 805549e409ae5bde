"""Who may see and change a template: the rules every route and every other domain share.

A private template is seen by its owner and admins only (anyone else gets 404, as if it did
not exist); a shared one is read, rendered and used by every signed-in user and changed only by
its owner or an admin. An archived template stays readable but is not used or changed.
"""

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.cache import Principal
from app.db import utcnow
from app.errors import Conflict, Forbidden, NotFound
from app.templates.models import PromptTemplate


def can_edit(template: PromptTemplate, viewer: Principal | None) -> bool:
    return viewer is not None and (viewer.is_admin or viewer.id == template.owner_id)


def can_see(template: PromptTemplate, viewer: Principal | None) -> bool:
    return template.visibility == "shared" or can_edit(template, viewer)


def template_not_found(template_id: int) -> NotFound:
    return NotFound(f"No template {template_id}", code="template_not_found")


async def find_template(
    db: AsyncSession, *, viewer: Principal | None, template_id: int, for_update: bool = False
) -> PromptTemplate:
    """The template `viewer` may see, or `template_not_found` (also for someone else's)."""
    query = select(PromptTemplate).where(PromptTemplate.id == template_id)
    if for_update:
        # Two edits at once must not both write version n+1.
        query = query.with_for_update(of=PromptTemplate)
    template = (await db.execute(query)).scalar_one_or_none()
    if template is None or not can_see(template, viewer):
        raise template_not_found(template_id)
    return template


def require_editable(template: PromptTemplate, viewer: Principal | None) -> None:
    """Writes need the owner or an admin, and a template that is not archived."""
    require_owner_or_admin(template, viewer)
    require_active(template)


def require_owner_or_admin(template: PromptTemplate, viewer: Principal | None) -> None:
    if not can_edit(template, viewer):
        raise Forbidden(
            "This template is shared read-only: only its owner or an admin can change it",
            code="read_only",
        )


def require_active(template: PromptTemplate) -> None:
    if template.archived_at is not None:
        raise Conflict(
            f"Template {template.id} is archived: it can be read but not used or changed",
            code="template_archived",
        )


async def begin_write(db: AsyncSession, *, template: PromptTemplate) -> None:
    """Make this request the template's only writer until it commits, then re-read the state
    the write depends on (labels, latest version, archived) and refuse an archived one.

    The first write takes the lock: PostgreSQL's row lock, or SQLite's database write lock
    (SQLite reads outside write transactions, so a `FOR UPDATE` read would lock nothing).
    Without it, two requests that both saw label `staging` missing would both insert it.
    """
    await db.execute(
        update(PromptTemplate)
        .where(PromptTemplate.id == template.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    await db.refresh(template, attribute_names=["labels", "latest_version", "archived_at"])
    require_active(template)
