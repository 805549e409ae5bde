"""Ghost-text cleaning: chatter, quotes, echo, spacing and boundaries."""

import pytest

from app.completion.cleaning import clean_completion
from app.completion.kinds import KINDS, build_prompt


@pytest.mark.parametrize(
    ("raw", "text", "kind", "expected"),
    [
        (" fox jumps", "The quick brown", "general", " fox jumps"),
        ("Here is the completion: fox jumps", "The quick brown", "general", " fox jumps"),
        ('"fox jumps"', "The quick brown", "general", " fox jumps"),
        ("The quick brown fox jumps", "The quick brown", "general", " fox jumps"),
        ("quick brown fox", "The quick brown", "general", " fox"),
        ("  fox", "The quick brown ", "general", "fox"),
        (" recipes\nmore", "pasta", "search", " recipes"),
        (" see you soon. Also more", "ok", "message", " see you soon."),
        ('"x" + y', "a = ", "code", '"x" + y'),
        (" trailing text   \n\n", "Intro", "general", " trailing text"),
        ("\nrecipes for two", "pasta", "search", " recipes for two"),
        ("\n\nSee you then.", "Thanks for the invite.", "email", " See you then."),
        ("\n    return x", "def f(x):", "code", "\n    return x"),
    ],
)
def test_clean_completion(raw: str, text: str, kind: str, expected: str) -> None:
    assert clean_completion(raw, text=text, kind=KINDS[kind]) == expected


def test_prompt_starts_with_the_instruction_so_the_prefix_is_shared() -> None:
    first = build_prompt(KINDS["email"], "Dear Ann")
    second = build_prompt(KINDS["email"], "Dear Bob")
    assert first.split("\n\n")[0] == second.split("\n\n")[0] == KINDS["email"].instruction


def test_seven_distinct_instructions() -> None:
    assert len(KINDS) == 7
    assert len({kind.instruction for kind in KINDS.values()}) == 7
