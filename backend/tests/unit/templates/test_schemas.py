"""Variable schemas, references and tags are checked before anything is stored."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.templates.schemas import (
    TemplateCreate,
    TemplateExport,
    TemplateRefIn,
    TemplateVariable,
)


def variable(**fields: Any) -> TemplateVariable:
    return TemplateVariable.model_validate({"name": "v", **fields})


class TestTemplateVariable:
    def test_text_is_the_default_type_and_required_the_default(self) -> None:
        plain = variable()
        assert (plain.type, plain.required, plain.default) == ("text", True, None)

    @pytest.mark.parametrize("name", ["1a", "a-b", "", "a" * 65, "é"])
    def test_a_name_must_be_an_identifier(self, name: str) -> None:
        with pytest.raises(ValidationError):
            variable(name=name)

    def test_a_choice_needs_choices(self) -> None:
        with pytest.raises(ValidationError, match="choice"):
            variable(type="choice")

    def test_only_a_choice_has_choices(self) -> None:
        with pytest.raises(ValidationError, match="only a choice"):
            variable(type="text", choices=["a"])

    def test_choices_are_distinct_and_at_most_50(self) -> None:
        with pytest.raises(ValidationError, match="distinct"):
            variable(type="choice", choices=["a", "a"])
        with pytest.raises(ValidationError):
            variable(type="choice", choices=[str(n) for n in range(51)])

    @pytest.mark.parametrize(
        ("type_", "default", "choices"),
        [("number", "3", None), ("boolean", 1, None), ("choice", "z", ["a"]), ("text", 2, None)],
    )
    def test_a_default_must_fit_the_type(self, type_: str, default: Any, choices: Any) -> None:
        with pytest.raises(ValidationError, match="default"):
            variable(type=type_, default=default, choices=choices)

    @pytest.mark.parametrize(
        ("type_", "default", "choices"),
        [
            ("number", 3, None),
            ("number", 2.5, None),
            ("boolean", False, None),
            ("choice", "a", ["a"]),
        ],
    )
    def test_a_fitting_default_is_kept_with_its_type(
        self, type_: str, default: Any, choices: Any
    ) -> None:
        kept = variable(type=type_, default=default, choices=choices).default
        assert kept == default
        assert type(kept) is type(default)


class TestTemplateCreate:
    def test_tags_are_lower_cased_kept_once_and_sorted(self) -> None:
        data = TemplateCreate(title="t", content="c", tags=["NPC", "maze ", "Maze", "npc"])
        assert data.tags == ["maze", "npc"]

    def test_a_tag_is_at_most_40_characters_once_lower_cased(self) -> None:
        # "İ" lower-cases to "i" and a combining dot: 40 of them become 80 characters.
        with pytest.raises(ValidationError, match="once lower-cased"):
            TemplateCreate(title="t", content="c", tags=["\u0130" * 40])
        kept = TemplateCreate(title="t", content="c", tags=["\u0130" * 20])
        assert kept.tags == ["i\u0307" * 20]

    def test_variable_names_are_distinct(self) -> None:
        with pytest.raises(ValidationError, match="distinct"):
            TemplateCreate(title="t", content="{{a}}", variables=[{"name": "a"}, {"name": "a"}])

    @pytest.mark.parametrize("text", ["\ud800", "a\x00"])
    def test_text_the_database_cannot_keep_is_refused(self, text: str) -> None:
        with pytest.raises(ValidationError):
            TemplateCreate(title=text, content="c")
        with pytest.raises(ValidationError):
            TemplateCreate(title="t", content=text)

    def test_at_most_50_variables_and_20_tags(self) -> None:
        with pytest.raises(ValidationError):
            TemplateCreate(title="t", content="c", variables=[{"name": f"v{n}"} for n in range(51)])
        with pytest.raises(ValidationError):
            TemplateCreate(title="t", content="c", tags=[f"t{n}" for n in range(21)])


class TestTemplateRefIn:
    def test_a_version_or_a_label_or_neither(self) -> None:
        assert TemplateRefIn(id=1).version is None
        assert TemplateRefIn(id=1, version=2).version == 2
        assert TemplateRefIn(id=1, label="production").label == "production"

    def test_both_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="not both"):
            TemplateRefIn(id=1, version=2, label="production")

    @pytest.mark.parametrize("label", ["Production", "-x", "", "a" * 41, "a b"])
    def test_labels_follow_the_pattern(self, label: str) -> None:
        with pytest.raises(ValidationError):
            TemplateRefIn(id=1, label=label)

    @pytest.mark.parametrize("number", [0, 2**31])
    def test_ids_fit_a_database_integer(self, number: int) -> None:
        with pytest.raises(ValidationError):
            TemplateRefIn(id=number)


class TestTemplateExport:
    @pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
    def test_a_creation_time_outside_the_utc_calendar_is_refused(self, moment: str) -> None:
        versions = [{"version": 1, "content": "c", "created_at": moment}]
        with pytest.raises(ValidationError, match="years 1 and 9999"):
            TemplateExport.model_validate({"title": "t", "versions": versions})

    def test_labels_must_point_at_versions_it_has(self) -> None:
        with pytest.raises(ValidationError, match="production"):
            TemplateExport.model_validate(
                {
                    "title": "t",
                    "versions": [{"version": 1, "content": "c"}],
                    "labels": {"production": 2},
                }
            )

    def test_version_numbers_are_distinct(self) -> None:
        with pytest.raises(ValidationError, match="distinct"):
            TemplateExport.model_validate(
                {
                    "title": "t",
                    "versions": [{"version": 1, "content": "a"}, {"version": 1, "content": "b"}],
                }
            )
