"""Thinking blocks never reach users, whatever the chunking of the stream or the settings."""

import pytest

from app.llm import ThinkingStripper, strip_thinking
from app.llm.parsing import chat_result

SAMPLES = [
    ("<think>plan the answer</think>\n\nParis is the capital.", "Paris is the capital."),
    ("Before <think>hidden</think>after", "Before after"),
    ("<think></think>Short.", "Short."),
    ("a <thi not a tag > b", "a <thi not a tag > b"),
    ("x<think>one</think>y<think>two</think>z", "xyz"),
    ("no tags at all < > </", "no tags at all < > </"),
    ("answer <think>never closed", "answer "),
]


def _stream(pieces: list[str]) -> str:
    stripper = ThinkingStripper()
    return "".join(stripper.feed(piece) for piece in pieces) + stripper.flush()


class TestStripThinking:
    @pytest.mark.parametrize(("text", "expected"), SAMPLES)
    def test_removes_blocks(self, text: str, expected: str) -> None:
        assert strip_thinking(text) == expected

    def test_leaves_text_without_tags_untouched(self) -> None:
        assert strip_thinking("  spaced  ") == "  spaced  "


class TestThinkingStripper:
    @pytest.mark.parametrize(("text", "expected"), SAMPLES)
    def test_every_single_split_point(self, text: str, expected: str) -> None:
        for cut in range(len(text) + 1):
            assert _stream([text[:cut], text[cut:]]) == expected, cut

    @pytest.mark.parametrize(("text", "expected"), SAMPLES)
    def test_every_pair_of_split_points(self, text: str, expected: str) -> None:
        for first in range(len(text) + 1):
            for second in range(first, len(text) + 1):
                pieces = [text[:first], text[first:second], text[second:]]
                assert _stream(pieces) == expected, (first, second)

    @pytest.mark.parametrize(("text", "expected"), SAMPLES)
    def test_one_character_at_a_time(self, text: str, expected: str) -> None:
        assert _stream(list(text)) == expected

    def test_ordinary_text_is_not_held_back(self) -> None:
        stripper = ThinkingStripper()
        assert stripper.feed("Hello world") == "Hello world"

    def test_only_a_possible_tag_prefix_is_held(self) -> None:
        stripper = ThinkingStripper()
        assert stripper.feed("Hello <thi") == "Hello "
        assert stripper.feed("s is fine") == "<this is fine"

    def test_hidden_text_is_never_emitted(self) -> None:
        stripper = ThinkingStripper()
        emitted = [stripper.feed(c) for c in "<think>secret</think>visible"]
        assert "secret" not in "".join(emitted)


class TestChatAnswers:
    """The client strips every chat answer; ``LLM_SKIP_THINKING`` only changes the request."""

    def test_a_whole_answer_loses_its_block(self) -> None:
        message = {"role": "assistant", "content": "<think>plan</think>\n\nParis."}
        response = {
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        }
        assert chat_result(response).text == "Paris."
