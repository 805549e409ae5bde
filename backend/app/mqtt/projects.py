"""The built-in game projects and their default system prompts, kept as data.

Each project's prompt is a Markdown file in ``app/mqtt/projects/`` (``maze.md``,
``driving.md``...), so adding a game or rewording its prompt is a file change, never a
code branch. A session's own template (sent by the game) replaces the default for that
session only; the handler asks a :class:`PromptSource` for the default.

The deploy script uses :class:`ProjectPrompts` as it is; the portal may wrap it to serve
project-wide defaults kept in its database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from typing import Protocol

PROMPT_PACKAGE = "app.mqtt"
PROMPT_FOLDER = "projects"
_PROJECT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class PromptSource(Protocol):
    """Where the handler finds a project's default system prompt."""

    def default_prompt(self, project: str) -> str:
        """The project's default prompt; raises :class:`UnknownProject` if it has none."""
        ...

    def projects(self) -> list[str]:
        """The projects served, in a stable order."""
        ...


class UnknownProject(LookupError):
    """A project without a built-in prompt: the operator named a game that does not exist."""

    def __init__(self, project: str, known: Iterable[str]) -> None:
        self.project = project
        self.known = sorted(known)
        super().__init__(
            f"No default prompt for project {project!r} — choose among "
            f"{', '.join(self.known)} (MQTT_PROJECTS or --projects), or add "
            f"app/mqtt/projects/{project}.md"
        )


def builtin_projects() -> list[str]:
    """Every project that has a prompt file, sorted."""
    folder = resources.files(PROMPT_PACKAGE).joinpath(PROMPT_FOLDER)
    names = (entry.name.removesuffix(".md") for entry in folder.iterdir())
    return sorted(name for name in names if _PROJECT_NAME.match(name) and name != "__init__")


def _read_prompt(project: str) -> str | None:
    if not _PROJECT_NAME.match(project):  # never a path outside the folder
        return None
    entry = resources.files(PROMPT_PACKAGE).joinpath(PROMPT_FOLDER, f"{project}.md")
    if not entry.is_file():
        return None
    return entry.read_text(encoding="utf-8").strip()


class ProjectPrompts:
    """The built-in prompts of ``projects`` (default: all), read once at construction.

    An unknown project is refused here, at start, rather than on its first message.
    """

    def __init__(self, projects: Iterable[str] | None = None) -> None:
        names = list(dict.fromkeys(projects)) if projects is not None else builtin_projects()
        prompts: dict[str, str] = {}
        for name in names:
            text = _read_prompt(name)
            if text is None:
                raise UnknownProject(name, builtin_projects())
            prompts[name] = text
        self._prompts = prompts

    def default_prompt(self, project: str) -> str:
        try:
            return self._prompts[project]
        except KeyError:
            raise UnknownProject(project, self._prompts) from None

    def projects(self) -> list[str]:
        return list(self._prompts)
