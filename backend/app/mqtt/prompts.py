"""Which system prompt a game turn uses, and which template a result is attributed to.

A turn's prompt is, in this order: the request's own text (``systemPrompt``, or a template
with ``content``), which then stays the session's; a portal template the request names; the
prompt the session chose before (:class:`~app.mqtt.templates.SessionTemplates`); what its
stored history was started with; the project's default (:class:`PromptSource`). The last two
are left to the turn (``None`` here, and :meth:`SessionPrompts.new_session` for a session the
turn creates): it reads the stored session anyway, under the session's lock, so reading it here
first would be a second read per turn (and could be stale by the time the turn runs).

A portal template reference (``{id, version?|label?}`` without ``content``, plus
``variables``) is rendered by a :class:`TemplateResolver` as the request's owner may see
it. The portal's resolver reads its templates (``app.games.templates``); the deploy script
has no portal and uses :class:`NoPortalTemplates`, which refuses them (``unknown_template``).
A session keeps the version it was given: a later request naming the same reference with the
same variables reuses the text without rendering again (a moved label does not change a
running game, and llama.cpp's KV cache for the prompt stays warm).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from app.llm.sessions import SessionManager
from app.llm.store import SessionKey
from app.mqtt.contract import TemplateField, TemplateRequest, TemplateText, template_content
from app.mqtt.projects import PromptSource
from app.mqtt.templates import ChosenPrompt, PortalRef, SessionTemplates

NOT_SERVED = (
    "Portal template references are not served here — send the template text "
    "(or use the portal's bridge)"
)
NO_TEXT = "Send the template text in template, system_prompt or prompt_template"
BAD_REFERENCE = (
    "A portal template reference is {id, version} or {id, label} (or just id for the "
    "latest version): id and version are positive whole numbers, and not both version and label"
)


class Refused(Exception):
    """A message that cannot be served as asked (a template the session cannot use, a state
    the game cannot be given); becomes an error reply with ``code`` (``unknown_template``,
    ``template_archived``, ``invalid_variables``, ``invalid_request``, ``invalid_state``…)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ResolvedTemplate:
    """A portal template version rendered with the request's variables."""

    text: str
    template_id: int
    version: int


class TemplateResolver(Protocol):
    async def resolve(
        self, owner: str, ref: PortalRef, variables: Mapping[str, object], /
    ) -> ResolvedTemplate:
        """Render ``ref`` as ``owner`` may see it; raises :class:`Refused`."""
        ...


class NoPortalTemplates:
    """The resolver of a bridge without the portal (the deploy script): refuses every ref."""

    async def resolve(
        self, _owner: str, _ref: PortalRef, _variables: Mapping[str, object], /
    ) -> ResolvedTemplate:
        raise Refused("unknown_template", NOT_SERVED)


def _whole(value: object) -> int | None:
    """A positive whole number sent as a number or digits; ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and value >= 1 else None


def portal_ref(value: TemplateField) -> PortalRef | None:
    """The portal template ``value`` names, or ``None`` when it is text or no reference."""
    if not isinstance(value, TemplateText) or value.content or value.id is None:
        return None
    template_id, version = _whole(value.id), _whole(value.version)
    if template_id is None or (value.version is not None and version is None):
        raise Refused("invalid_request", BAD_REFERENCE)
    if version is not None and value.label is not None:
        raise Refused("invalid_request", BAD_REFERENCE)
    return PortalRef(template_id, version, value.label)


def _values(template: TemplateField, variables: Mapping[str, object] | None) -> dict[str, object]:
    """The variables a request gives: beside the template, else inside it."""
    if variables is not None:
        return dict(variables)
    if isinstance(template, TemplateText) and template.variables is not None:
        return dict(template.variables)
    return {}


def _canonical(values: Mapping[str, object]) -> str:
    return json.dumps(dict(values), sort_keys=True, ensure_ascii=False)


class SessionPrompts:
    """The prompt of each game session, by the rules in the module's text."""

    def __init__(
        self, sessions: SessionManager, defaults: PromptSource, resolver: TemplateResolver
    ) -> None:
        self._sessions = sessions
        self._defaults = defaults
        self._resolver = resolver
        self._chosen = SessionTemplates()

    async def for_turn(
        self,
        key: SessionKey,
        explicit: str | None,
        template: TemplateField,
        variables: Mapping[str, object] | None,
    ) -> str | None:
        """The prompt for this turn; ``None`` keeps the one the stored session has (a new
        session gets :meth:`new_session`)."""
        if explicit:
            self._chosen.set(key, ChosenPrompt(explicit))  # the newest template wins
            return explicit
        ref = portal_ref(template)
        if ref is not None:
            return (await self._portal(key, ref, _values(template, variables))).text
        chosen = self._chosen.get(key)
        return None if chosen is None else chosen.text

    def new_session(self, key: SessionKey) -> str:
        """The prompt of a session a turn creates without one of its own: the project's."""
        return self._defaults.default_prompt(key.project)

    async def for_template_message(self, key: SessionKey, request: TemplateRequest) -> ChosenPrompt:
        """What a ``P/template/{sid}`` message asks for, rendered (not yet in effect)."""
        asked = request.chosen()
        ref = portal_ref(asked)
        if ref is not None:
            values = _values(asked, request.variables)
            resolved = await self._resolver.resolve(key.owner, ref, values)
            return _chosen(resolved, ref, values)
        text = template_content(asked)
        if not text:
            raise Refused("invalid_request", NO_TEXT)
        return ChosenPrompt(text)

    def choose(self, key: SessionKey, chosen: ChosenPrompt) -> None:
        self._chosen.set(key, chosen)

    def forget(self, key: SessionKey) -> None:
        self._chosen.forget(key)

    async def in_use(self, key: SessionKey) -> ChosenPrompt:
        """The prompt the session runs now (what a result is attributed to)."""
        chosen = self._chosen.get(key)
        if chosen is not None:
            return chosen
        record = await self._sessions.history(key)
        if record is not None and record.system_prompt:
            return ChosenPrompt(record.system_prompt)
        return ChosenPrompt(self._defaults.default_prompt(key.project))

    async def _portal(
        self, key: SessionKey, ref: PortalRef, values: Mapping[str, object]
    ) -> ChosenPrompt:
        """The session's rendering of ``ref``: the one it has when asked the same way."""
        current = self._chosen.get(key)
        if current is not None and current.ref == ref and current.variables == _canonical(values):
            return current
        chosen = _chosen(await self._resolver.resolve(key.owner, ref, values), ref, values)
        self._chosen.set(key, chosen)
        return chosen


def _chosen(
    resolved: ResolvedTemplate, ref: PortalRef, values: Mapping[str, object]
) -> ChosenPrompt:
    return ChosenPrompt(
        resolved.text, resolved.template_id, resolved.version, ref, _canonical(values)
    )
