"""Filling a template's `{{ name }}` placeholders with typed values: pure, no I/O.

A rendered template becomes a session's system prompt, and llama.cpp reuses its KV cache
only while that prompt is byte-for-byte the same. So rendering guarantees:

- the same content, variables and values give the same bytes (no clock, no randomness, no
  dict-order or locale effects: numbers are formatted with `str`/`repr`);
- one pass: a value that itself contains `{{ x }}` is inserted as it is, never expanded, so a
  user's text cannot pull other variables (or itself) into the prompt;
- values are checked against their declared type before anything is produced: every missing
  and every invalid value is reported at once, by name, so a form can mark all its fields.
- a prompt is at most `MAX_PROMPT_CHARS` long: a placeholder repeated thousands of times and
  filled with a long value is refused (naming the value) instead of built.
"""

import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

VARIABLE_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
PLACEHOLDER = re.compile(r"\{\{\s*(" + VARIABLE_NAME_PATTERN + r")\s*\}\}")
MAX_TEXT_VALUE_CHARS = 32_000
MAX_PROMPT_CHARS = 100_000
# The largest integer a double (a browser's JSON number) holds without turning into Infinity.
MAX_FINITE_INT = int(sys.float_info.max)
NOT_A_VARIABLE = "not a variable of this template"
VariableType = Literal["text", "number", "choice", "boolean"]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class VariableSpec(Protocol):
    """What rendering reads of a declared variable (`TemplateVariable` on the wire)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> VariableType: ...
    @property
    def required(self) -> bool: ...
    @property
    def default(self) -> str | int | float | bool | None: ...
    @property
    def choices(self) -> Sequence[str] | None: ...


@dataclass
class InvalidVariables(Exception):
    """Values that cannot fill the template: `missing` names, `invalid` {name, reason}."""

    missing: list[str] = field(default_factory=list)
    invalid: list[dict[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        if self.missing:
            parts.append("missing: " + ", ".join(self.missing))
        if self.invalid:
            parts.append("invalid: " + ", ".join(item["name"] for item in self.invalid))
        return "; ".join(parts) or "invalid variables"


def placeholders(content: str) -> list[str]:
    """The distinct placeholder names in `content`, in the order they first appear."""
    return list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(content)))


def schema_problems(content: str, variables: Sequence[VariableSpec]) -> tuple[list[str], list[str]]:
    """(placeholders no variable declares, declared variables no placeholder uses)."""
    used = placeholders(content)
    declared = [variable.name for variable in variables]
    unknown = [name for name in used if name not in declared]
    unused = [name for name in declared if name not in used]
    return unknown, unused


def value_problem(variable: VariableSpec, value: object) -> str | None:
    """Why `value` cannot fill `variable`, or None when it can."""
    if variable.type == "text":
        return _text_problem(value)
    if variable.type == "number":
        # bool is an int in Python, and "3" is text: neither is a number here.
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
        return None if _finite(value) else "must be a finite number"
    if variable.type == "boolean":
        return None if isinstance(value, bool) else "must be true or false"
    choices = variable.choices or ()
    if not isinstance(value, str) or value not in choices:
        return "must be one of: " + ", ".join(choices)
    return None


def _finite(value: int | float) -> bool:
    # Python ints are unbounded, and `math.isfinite` cannot convert one past the double range.
    if isinstance(value, int):
        return abs(value) <= MAX_FINITE_INT
    return math.isfinite(value)


def _text_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return "must be text"
    if len(value) > MAX_TEXT_VALUE_CHARS:
        return f"must be at most {MAX_TEXT_VALUE_CHARS} characters"
    if "\x00" in value or _LONE_SURROGATE.search(value):
        return "must be valid Unicode text without NUL characters"
    return None


def format_value(value: object) -> str:
    """The text a checked value puts in the prompt, the same on every machine."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value if isinstance(value, str) else str(value)


def resolve_values(
    variables: Sequence[VariableSpec], values: Mapping[str, object]
) -> dict[str, str]:
    """Each variable's text: its value, else its default, else "" when optional.

    Raises `InvalidVariables` naming every missing and invalid value.
    """
    problem = InvalidVariables()
    declared = {variable.name for variable in variables}
    for name in values:
        if name not in declared:
            problem.invalid.append({"name": str(name), "reason": NOT_A_VARIABLE})
    resolved: dict[str, str] = {}
    for variable in variables:
        if variable.name in values:
            value = values[variable.name]
        elif variable.default is not None:
            value = variable.default
        elif variable.required:
            problem.missing.append(variable.name)
            continue
        else:
            resolved[variable.name] = ""
            continue
        reason = value_problem(variable, value)
        if reason is not None:
            problem.invalid.append({"name": variable.name, "reason": reason})
            continue
        resolved[variable.name] = format_value(value)
    if problem.missing or problem.invalid:
        raise problem
    return resolved


def render(content: str, variables: Sequence[VariableSpec], values: Mapping[str, object]) -> str:
    """`content` with every placeholder replaced by its variable's text, in one pass.

    A placeholder no variable declares is left as written (saving refuses such content, so
    only a caller that skipped `schema_problems` meets it). A prompt over `MAX_PROMPT_CHARS`
    is refused before it is built, naming the values that fill it.
    """
    resolved = resolve_values(variables, values)

    def fill(match: re.Match[str]) -> str:
        return resolved.get(match.group(1), match.group(0))

    _require_prompt_fits(content, fill)
    return PLACEHOLDER.sub(fill, content)


def _require_prompt_fits(content: str, fill: Callable[[re.Match[str]], str]) -> None:
    """Refuse a prompt too long to send before building it.

    Content and each text value are bounded, but a placeholder repeated thousands of times,
    each filled with a long value, would multiply them into hundreds of megabytes.
    """
    length = len(content)
    filled: dict[str, int] = {}
    for match in PLACEHOLDER.finditer(content):
        added = len(fill(match)) - len(match.group(0))
        length += added
        filled[match.group(1)] = filled.get(match.group(1), 0) + added
    if length <= MAX_PROMPT_CHARS:
        return
    reason = (
        f"makes the prompt {length} characters long, over the limit of {MAX_PROMPT_CHARS}: "
        "use a shorter value"
    )
    raise InvalidVariables(
        invalid=[{"name": name, "reason": reason} for name, added in filled.items() if added > 0]
    )
