"""Portal prompt templates for game sessions: the game handler's ``TemplateResolver``.

A game names a template (``P/template/{sid}`` or a request's ``template`` without text) and
this renders it through the same code as the HTTP API (``render_reference``), as the request's
owner may see it: a key's user sees their own templates and shared ones; a keyless client
(owner ``mqtt:<project>``) is anonymous and sees shared templates only. Failures become the
error replies games understand: ``unknown_template`` (no such template, version or label, or
not visible), ``template_archived``, ``invalid_variables``.

Each rendering is one short transaction, ended before the bridge asks the model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.db import session_scope
from app.errors import DATABASE_UNAVAILABLE, AppError, BadRequest, Conflict, NotFound
from app.mqtt.owners import KEYLESS_OWNER_PREFIX
from app.mqtt.prompts import BAD_REFERENCE, Refused, ResolvedTemplate
from app.mqtt.templates import PortalRef
from app.templates.schemas import TemplateRefIn
from app.templates.service import render_reference
from app.users.models import User

logger = logging.getLogger(__name__)

UNAVAILABLE = "The portal cannot read its templates right now — try again in a minute"


def _refusal(error: AppError) -> Refused:
    """The game's error code for a templates error of the HTTP API."""
    if isinstance(error, NotFound):
        return Refused("unknown_template", error.message)
    if isinstance(error, Conflict):
        return Refused("template_archived", error.message)
    if isinstance(error, BadRequest) and error.error_code == "invalid_variables":
        return Refused("invalid_variables", error.message)
    return Refused("invalid_request", error.message)


class PortalTemplates:
    """Renders portal template references for the game handler (see the module's text)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def resolve(
        self, owner: str, ref: PortalRef, variables: Mapping[str, object], /
    ) -> ResolvedTemplate:
        try:
            asked = TemplateRefIn(id=ref.id, version=ref.version, label=ref.label)
        except ValidationError as exc:
            raise Refused("invalid_request", BAD_REFERENCE) from exc
        try:
            async with session_scope(self._sessionmaker) as db:
                viewer = await _viewer(db, owner)
                rendered = await render_reference(db, viewer, asked, variables)
        except AppError as exc:
            raise _refusal(exc) from exc
        except DATABASE_UNAVAILABLE as exc:
            logger.warning("template %s not rendered, database unavailable: %s", ref.id, exc)
            raise Refused("unavailable", UNAVAILABLE) from exc
        return ResolvedTemplate(rendered.prompt, rendered.template_id, rendered.version)


async def _viewer(db: AsyncSession, owner: str) -> Principal | None:
    """Who the templates are read as: the key's user, or nobody (shared templates only)."""
    if owner.startswith(KEYLESS_OWNER_PREFIX) or not owner.isdigit():
        return None
    user = await db.get(User, int(owner))
    if user is None or not user.is_active:
        return None
    return Principal.model_validate(user)
