"""Loaders of the template routes: fetch the template in the URL and check the caller's
rights once, before the route runs."""

from typing import Annotated

from fastapi import Depends

from app.auth.deps import CurrentUser
from app.deps import DbSession
from app.templates.access import find_template, require_editable
from app.templates.models import PromptTemplate
from app.templates.schemas import TemplateIdPath


async def load_visible_template(
    template_id: TemplateIdPath, user: CurrentUser, db: DbSession
) -> PromptTemplate:
    return await find_template(db, viewer=user, template_id=template_id)


async def load_editable_template(
    template_id: TemplateIdPath, user: CurrentUser, db: DbSession
) -> PromptTemplate:
    template = await find_template(db, viewer=user, template_id=template_id, for_update=True)
    require_editable(template, user)
    return template


VisibleTemplate = Annotated[PromptTemplate, Depends(load_visible_template)]
"""The template in the URL, if the caller may see it (else 404 `template_not_found`)."""
EditableTemplate = Annotated[PromptTemplate, Depends(load_editable_template)]
"""The template in the URL, if the caller may change it (403 `read_only`, 409 if archived)."""
