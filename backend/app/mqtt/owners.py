"""Who a game message belongs to, and where game results go: the handler's two seams.

The portal answers both from its database (``app/mqtt/portal.py``: API keys, the results
table); the deploy script, which has no database, serves every message as its project's
(:class:`KeylessOwners`) and keeps no results.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

KEYLESS_OWNER_PREFIX = "mqtt:"


def keyless_owner(project: str) -> str:
    """The owner of a project's requests that carry no key (shared by its keyless players)."""
    return f"{KEYLESS_OWNER_PREFIX}{project}"


def slot_holder(owner: str, session_id: str) -> str:
    """Whom a turn's gate slot counts against: the user, or for keyless players (one owner
    for a whole project) each game session, so one busy project cannot use up the per-user
    cap for all of its players."""
    return f"{owner}/{session_id}" if owner.startswith(KEYLESS_OWNER_PREFIX) else owner


class NotServed(Exception):
    """A message the owner policy refuses (no key where one is needed, a wrong key...).

    ``code`` goes into the error reply (``api_key_required``, ``invalid_api_key``...);
    ``message`` says what the player can do.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OwnerPolicy(Protocol):
    async def owner_of(self, project: str, api_key: str | None, /) -> str:
        """The owner of a message of ``project`` carrying ``api_key``; raises NotServed."""
        ...


class KeylessOwners:
    """Every message belongs to its project, whatever key it carries (the deploy script).

    With ``projects`` given, messages of other projects are refused.
    """

    def __init__(self, projects: Iterable[str] | None = None) -> None:
        self._projects = frozenset(projects) if projects is not None else None

    async def owner_of(self, project: str, _api_key: str | None, /) -> str:
        if self._projects is not None and project not in self._projects:
            raise NotServed("unknown_project", f"Project {project!r} is not served here")
        return keyless_owner(project)


class ResultSink(Protocol):
    async def store(
        self,
        *,
        project: str,
        owner: str,
        session_id: str,
        template: str | None,
        template_id: int | None,
        template_version: int | None,
        payload: dict[str, Any],
    ) -> None:
        """Keep one game result, raw as received, with the template text in use and the
        portal template version it was rendered from (``None`` for plain text)."""
        ...
