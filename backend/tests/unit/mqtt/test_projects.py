"""Each game's default prompt is a data file; an unknown project is refused at start."""

import pytest

from app.mqtt.projects import ProjectPrompts, UnknownProject, builtin_projects
from app.mqtt.settings import GAME_PROJECTS


class TestBuiltinProjects:
    def test_every_project_of_the_settings_has_a_prompt_file(self) -> None:
        assert builtin_projects() == sorted(GAME_PROJECTS)

    @pytest.mark.parametrize("project", GAME_PROJECTS)
    def test_each_prompt_is_substantial_text(self, project: str) -> None:
        prompt = ProjectPrompts([project]).default_prompt(project)
        assert len(prompt) > 80
        assert prompt == prompt.strip()

    def test_maze_prompt_asks_for_the_hint_object(self) -> None:
        prompt = ProjectPrompts(["maze"]).default_prompt("maze")
        assert '"hint"' in prompt
        assert "JSON" in prompt


class TestProjectPrompts:
    def test_defaults_to_every_builtin_project(self) -> None:
        assert ProjectPrompts().projects() == builtin_projects()

    def test_serves_the_projects_asked_for_in_order(self) -> None:
        prompts = ProjectPrompts(["racing", "maze", "racing"])
        assert prompts.projects() == ["racing", "maze"]

    def test_projects_have_different_prompts(self) -> None:
        prompts = ProjectPrompts()
        texts = {prompts.default_prompt(p) for p in prompts.projects()}
        assert len(texts) == len(prompts.projects())

    def test_an_unknown_project_is_refused_at_start(self) -> None:
        with pytest.raises(UnknownProject, match="chess") as refused:
            ProjectPrompts(["maze", "chess"])
        assert "maze" in refused.value.known

    @pytest.mark.parametrize("name", ["../settings", "maze/../x", "", "projects"])
    def test_names_never_reach_outside_the_prompt_folder(self, name: str) -> None:
        with pytest.raises(UnknownProject):
            ProjectPrompts([name])

    def test_a_project_not_served_has_no_prompt(self) -> None:
        with pytest.raises(UnknownProject):
            ProjectPrompts(["maze"]).default_prompt("driving")
