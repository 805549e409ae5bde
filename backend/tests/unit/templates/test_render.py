"""Rendering fills placeholders with checked, typed values, the same bytes every time."""

import math
import sys
from typing import Any

import pytest

from app.templates.render import (
    MAX_PROMPT_CHARS,
    NOT_A_VARIABLE,
    InvalidVariables,
    placeholders,
    render,
    schema_problems,
)
from app.templates.schemas import TemplateVariable


def var(name: str, type_: str = "text", **fields: Any) -> TemplateVariable:
    return TemplateVariable.model_validate({"name": name, "type": type_, **fields})


def refused(content: str, variables: list[TemplateVariable], values: dict[str, Any]) -> Any:
    with pytest.raises(InvalidVariables) as caught:
        render(content, variables, values)
    return caught.value


class TestPlaceholders:
    def test_names_are_distinct_in_first_seen_order(self) -> None:
        assert placeholders("{{b}} {{ a }} {{b}} {{  c_1  }}") == ["b", "a", "c_1"]

    def test_whitespace_inside_the_braces_is_allowed(self) -> None:
        assert placeholders("{{\tname\n}}") == ["name"]

    @pytest.mark.parametrize(
        "content",
        ["{{1abc}}", "{{ a-b }}", "{ {a} }", "{{}}", "{{ a b }}", "{a}", "{{a}", "{{é}}"],
    )
    def test_text_that_is_not_a_placeholder_is_ignored(self, content: str) -> None:
        assert placeholders(content) == []

    def test_a_name_is_at_most_64_characters(self) -> None:
        assert placeholders("{{" + "a" * 64 + "}}") == ["a" * 64]
        assert placeholders("{{" + "a" * 65 + "}}") == []

    def test_triple_braces_find_the_inner_placeholder(self) -> None:
        assert placeholders("{{{x}}}") == ["x"]


class TestSchemaProblems:
    def test_a_matching_schema_has_none(self) -> None:
        assert schema_problems("Hi {{name}}", [var("name")]) == ([], [])

    def test_unknown_placeholders_and_unused_variables_are_named(self) -> None:
        unknown, unused = schema_problems("{{a}} {{b}} {{a}}", [var("a"), var("c"), var("d")])
        assert unknown == ["b"]
        assert unused == ["c", "d"]

    def test_content_without_placeholders_and_no_variables_is_fine(self) -> None:
        assert schema_problems("plain text", []) == ([], [])


class TestText:
    def test_values_fill_every_occurrence(self) -> None:
        assert render("{{a}}-{{ a }}", [var("a")], {"a": "x"}) == "x-x"

    def test_non_text_is_invalid(self) -> None:
        problem = refused("{{a}}", [var("a")], {"a": 3})
        assert problem.invalid == [{"name": "a", "reason": "must be text"}]

    def test_text_over_the_limit_is_invalid(self) -> None:
        problem = refused("{{a}}", [var("a")], {"a": "x" * 32_001})
        assert problem.invalid[0]["name"] == "a"

    @pytest.mark.parametrize("value", ["\ud800", "a\x00b"])
    def test_text_the_model_cannot_receive_is_invalid(self, value: str) -> None:
        assert refused("{{a}}", [var("a")], {"a": value}).invalid[0]["name"] == "a"

    def test_empty_text_is_a_value(self) -> None:
        assert render("[{{a}}]", [var("a")], {"a": ""}) == "[]"


class TestNumber:
    @pytest.mark.parametrize(
        ("value", "text"), [(3, "3"), (-12, "-12"), (0.5, "0.5"), (1e20, "1e+20"), (2.0, "2.0")]
    )
    def test_ints_and_floats_render_as_python_writes_them(self, value: Any, text: str) -> None:
        assert render("{{n}}", [var("n", "number")], {"n": value}) == text

    @pytest.mark.parametrize("value", ["3", True, False, None, [1], math.nan, math.inf])
    def test_anything_else_is_invalid(self, value: Any) -> None:
        problem = refused("{{n}}", [var("n", "number")], {"n": value})
        assert [item["name"] for item in problem.invalid] == ["n"]


class TestHugeNumbers:
    @pytest.mark.parametrize("value", [10**400, -(10**309), 2**1024])
    def test_an_int_beyond_every_float_is_invalid_not_a_crash(self, value: int) -> None:
        problem = refused("{{n}}", [var("n", "number")], {"n": value})
        assert problem.invalid == [{"name": "n", "reason": "must be a finite number"}]

    def test_the_largest_int_a_float_holds_renders_exactly(self) -> None:
        largest = int(sys.float_info.max)
        assert render("{{n}}", [var("n", "number")], {"n": largest}) == str(largest)


class TestPromptSize:
    def test_a_repeated_placeholder_cannot_blow_up_the_prompt(self) -> None:
        content = "{{a}}" * 6_000
        problem = refused(content, [var("a"), var("b")], {"a": "x" * 1_000, "b": "y"})
        assert [item["name"] for item in problem.invalid] == ["a"]
        assert str(MAX_PROMPT_CHARS) in problem.invalid[0]["reason"]

    def test_a_prompt_of_exactly_the_limit_renders(self) -> None:
        content = "{{a}}" * 4
        value = "x" * (MAX_PROMPT_CHARS // 4)
        assert len(render(content, [var("a")], {"a": value})) == MAX_PROMPT_CHARS
        assert refused(content + ".", [var("a")], {"a": value}).invalid[0]["name"] == "a"


class TestChoice:
    def test_one_of_the_choices_renders(self) -> None:
        variables = [var("c", "choice", choices=["red", "blue"])]
        assert render("{{c}}", variables, {"c": "blue"}) == "blue"

    @pytest.mark.parametrize("value", ["green", "Blue", 1, True])
    def test_anything_else_is_invalid_and_lists_the_choices(self, value: Any) -> None:
        variables = [var("c", "choice", choices=["red", "blue"])]
        problem = refused("{{c}}", variables, {"c": value})
        assert problem.invalid == [{"name": "c", "reason": "must be one of: red, blue"}]


class TestBoolean:
    @pytest.mark.parametrize(("value", "text"), [(True, "true"), (False, "false")])
    def test_booleans_render_as_json_writes_them(self, value: bool, text: str) -> None:
        assert render("{{b}}", [var("b", "boolean")], {"b": value}) == text

    @pytest.mark.parametrize("value", ["true", 1, 0, None])
    def test_anything_else_is_invalid(self, value: Any) -> None:
        problem = refused("{{b}}", [var("b", "boolean")], {"b": value})
        assert problem.invalid == [{"name": "b", "reason": "must be true or false"}]


class TestDefaultsAndMissing:
    def test_a_missing_value_takes_the_default(self) -> None:
        variables = [var("n", "number", default=7), var("t", default="x")]
        assert render("{{n}}{{t}}", variables, {}) == "7x"

    def test_a_given_value_wins_over_the_default(self) -> None:
        assert render("{{t}}", [var("t", default="x")], {"t": "y"}) == "y"

    def test_a_required_variable_without_default_is_missing(self) -> None:
        problem = refused("{{a}}{{b}}", [var("a"), var("b")], {"b": "x"})
        assert problem.missing == ["a"]
        assert problem.invalid == []

    def test_an_optional_variable_without_default_renders_empty(self) -> None:
        assert render("[{{a}}]", [var("a", required=False)], {}) == "[]"

    def test_every_problem_is_reported_at_once(self) -> None:
        variables = [var("a"), var("b", "number"), var("c", "boolean")]
        problem = refused("{{a}}{{b}}{{c}}", variables, {"b": "x", "c": "y", "zzz": 1})
        assert problem.missing == ["a"]
        assert problem.invalid == [
            {"name": "zzz", "reason": NOT_A_VARIABLE},
            {"name": "b", "reason": "must be a number"},
            {"name": "c", "reason": "must be true or false"},
        ]
        assert "a" in str(problem)

    def test_values_for_names_that_are_not_variables_are_invalid(self) -> None:
        problem = refused("hi", [], {"ghost": "x"})
        assert problem.invalid == [{"name": "ghost", "reason": NOT_A_VARIABLE}]


class TestOnePass:
    def test_a_value_that_looks_like_a_placeholder_is_not_expanded(self) -> None:
        variables = [var("a"), var("b")]
        assert render("{{a}} {{b}}", variables, {"a": "{{b}}", "b": "B"}) == "{{b}} B"

    def test_a_value_naming_itself_is_inserted_once(self) -> None:
        assert render("{{a}}", [var("a")], {"a": "{{a}}{{a}}"}) == "{{a}}{{a}}"

    def test_regex_replacement_syntax_in_values_is_literal(self) -> None:
        assert render("{{a}}", [var("a")], {"a": r"\1 \g<0> $1"}) == r"\1 \g<0> $1"

    def test_an_undeclared_placeholder_is_left_as_written(self) -> None:
        assert render("{{ a }} {{x}}", [var("a")], {"a": "A"}) == "A {{x}}"


class TestDeterminism:
    def test_the_same_inputs_give_the_same_bytes(self) -> None:
        variables = [var("a"), var("n", "number"), var("c", "choice", choices=["x", "y"])]
        first = render("{{c}}|{{n}}|{{a}}", variables, {"a": "é🙂", "n": 0.1, "c": "y"})
        values_in_other_order = {"c": "y", "n": 0.1, "a": "é🙂"}
        second = render("{{c}}|{{n}}|{{a}}", variables, values_in_other_order)
        assert first.encode() == second.encode() == "y|0.1|é🙂".encode()

    def test_content_around_placeholders_is_kept_byte_for_byte(self) -> None:
        content = "  line one\r\n\t{{a}}  \n\n{ not } }} {{"
        assert render(content, [var("a")], {"a": "A"}) == "  line one\r\n\tA  \n\n{ not } }} {{"
