"""The prompt template a chat session's system prompt was rendered from, as its row records it.

A session names a template version (or a label, resolved when it starts) and the variables it
was filled with; the rendered text is the session's stored system prompt. The reference is
kept beside it (`chat_session.template_*`) so the history can say which template and version
the session runs, and so a later turn can tell whether it names the same one (then the stored
prompt is reused as it is: moving a label does not change a running session).
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.chat.models import ChatSession
from app.templates.models import PromptTemplate


@dataclass(frozen=True)
class TemplateUse:
    """A template version a session's system prompt was rendered from.

    ``label`` is the label the session asked by (``None``: a version number, or the latest);
    ``variables`` the values it was filled with, as :func:`canonical_variables` writes them.
    ``title`` is the template's title when it was read with it.
    """

    template_id: int
    version: int
    label: str | None
    variables: str
    title: str | None = None


def canonical_variables(values: Mapping[str, object] | None) -> str:
    """Variable values as one JSON text, equal for equal values whatever their order."""
    return json.dumps(dict(values or {}), sort_keys=True, ensure_ascii=False)


def use_of(row: ChatSession, titles: Mapping[int, str] | None = None) -> TemplateUse | None:
    """The template ``row`` records, or ``None`` when its prompt is plain text or none."""
    if row.template_id is None or row.template_version is None:
        return None
    return TemplateUse(
        template_id=row.template_id,
        version=row.template_version,
        label=row.template_label,
        variables=row.template_variables or "{}",
        title=(titles or {}).get(row.template_id),
    )


async def template_titles(session: AsyncSession, rows: Iterable[ChatSession]) -> dict[int, str]:
    """The titles of the templates ``rows`` record (archived ones too), in one query."""
    ids = {row.template_id for row in rows if row.template_id is not None}
    if not ids:
        return {}
    query = select(PromptTemplate.id, PromptTemplate.title).where(PromptTemplate.id.in_(ids))
    return {row.id: row.title for row in await session.execute(query)}
