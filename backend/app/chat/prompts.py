"""The system prompt a chat turn uses when it names a prompt template.

A template reference is rendered in a short transaction of its own, before the turn asks
the gate or the model for anything: no pooled connection is held while the model writes, and
a reference that fails (404 `template_not_found`, 409 `template_archived`, 400
`invalid_variables`) refuses the turn before anything is stored.

A session runs one template version (decisions: the rendered prompt is the session's system
prompt, fixed for it, so every turn reuses llama.cpp's KV cache). The version a label (or
"the latest") names is resolved when the session starts and recorded on it; a later turn
that names the same template the same way with the same variables keeps the recorded version
and the stored prompt, even if the label has moved since. Anything else (another template,
another version or label, other variables) renders again and records the new one. A turn
with a plain `system_prompt` replaces the prompt and drops the recorded template.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.chat.schemas import ChatRequest, SessionChatRequest
from app.chat.session_templates import TemplateUse, canonical_variables
from app.chat.store import SqlSessionStore
from app.db import session_scope
from app.llm.results import ChatMessage
from app.llm.store import SessionKey
from app.templates.schemas import TemplateRefIn
from app.templates.service import RenderedTemplate, render_reference


@dataclass(frozen=True)
class SessionPrompt:
    """What a session turn does with the system prompt.

    ``system_prompt`` is sent and stored (``None``: the session keeps the one it has);
    when ``records`` is set, the turn records ``template`` on the session once admitted
    (``None`` there: the prompt is plain text, no template).
    """

    system_prompt: str | None
    records: bool = False
    template: TemplateUse | None = None


KEEP = SessionPrompt(system_prompt=None)


async def render(
    sessionmaker: async_sessionmaker[AsyncSession],
    user: Principal,
    ref: TemplateRefIn,
    values: Mapping[str, object] | None,
) -> RenderedTemplate:
    """Render ``ref`` for ``user`` in a transaction that ends before the model is asked."""
    async with session_scope(sessionmaker) as db:
        return await render_reference(db, user, ref, values or {})


async def one_shot_messages(
    sessionmaker: async_sessionmaker[AsyncSession], user: Principal, data: ChatRequest
) -> list[ChatMessage]:
    """The messages of a one-shot chat: the rendered template first, as the system prompt."""
    messages: list[ChatMessage] = [{"role": m.role, "content": m.content} for m in data.messages]
    if data.template is None:
        return messages
    rendered = await render(sessionmaker, user, data.template, data.variables)
    return [{"role": "system", "content": rendered.prompt}, *messages]


def _keeps(recorded: TemplateUse, ref: TemplateRefIn, variables: str) -> bool:
    """Whether ``ref`` with ``variables`` names what the session already runs."""
    if recorded.template_id != ref.id or recorded.variables != variables:
        return False
    if ref.version is not None:
        return ref.version == recorded.version
    return ref.label == recorded.label


async def session_prompt(
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    store: SqlSessionStore,
    user: Principal,
    key: SessionKey,
    data: SessionChatRequest,
) -> SessionPrompt:
    """The system prompt of a session turn, by the rule in the module's text."""
    if data.template is None:
        if data.system_prompt is None:
            return KEEP
        return SessionPrompt(data.system_prompt, records=True)
    variables = canonical_variables(data.variables)
    # A turn without a session id starts a new session: it has nothing recorded to read.
    recorded = None if data.session_id is None else await store.recorded_template(key)
    if recorded is not None and _keeps(recorded, data.template, variables):
        return KEEP
    rendered = await render(sessionmaker, user, data.template, data.variables)
    use = TemplateUse(rendered.template_id, rendered.version, data.template.label, variables)
    return SessionPrompt(rendered.prompt, records=True, template=use)
