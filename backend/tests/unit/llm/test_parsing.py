"""Reading answers as plain dicts: results, stream accumulation, and raw chunks passed
through with thinking stripped per choice."""

from typing import Any

import pytest

from app.llm import ChatResult, CompletionResult, LLMBadResponse, LLMUnavailable, Usage
from app.llm.parsing import (
    ChunkPassage,
    StreamAccumulator,
    chat_result,
    completion_result,
    strip_choices,
    usage_of,
)

USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def chunk(*choices: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": "c", "object": "chat.completion.chunk", "choices": list(choices), **fields}


def delta(index: int, content: str | None, finish: str | None = None) -> dict[str, Any]:
    body = {} if content is None else {"content": content}
    return {"index": index, "delta": body, "finish_reason": finish}


class TestResults:
    def test_chat_result_reads_text_usage_timings_and_reason(self) -> None:
        response = {
            "model": "served",
            "choices": [{"message": {"content": "hi"}, "finish_reason": "length"}],
            "usage": USAGE,
            "timings": {"cache_n": 4},
        }
        assert chat_result(response, "asked") == ChatResult(
            text="hi",
            model="served",
            usage=Usage(3, 2, 5),
            timings={"cache_n": 4},
            finish_reason="length",
        )

    def test_a_body_without_a_model_is_named_by_the_request(self) -> None:
        response = {"choices": [{"message": {"content": None}, "finish_reason": "stop"}]}
        result = chat_result(response, "asked")
        assert (result.model, result.text, result.usage) == ("asked", "", None)

    def test_completion_result_keeps_tags(self) -> None:
        response = {
            "model": "m",
            "choices": [{"text": "<think>x</think>", "finish_reason": "stop"}],
        }
        assert completion_result(response).text == "<think>x</think>"

    def test_no_choices_is_a_bad_response(self) -> None:
        with pytest.raises(LLMBadResponse, match="empty reply"):
            chat_result({"model": "m", "choices": []})

    @pytest.mark.parametrize(
        "response",
        [[], {"choices": ["text"]}, {"choices": [{"message": {"content": 3}}]}],
    )
    def test_a_body_of_another_shape_is_a_value_error(self, response: Any) -> None:
        with pytest.raises(ValueError, match="not"):
            chat_result(response)

    def test_usage_without_a_total_adds_it_up(self) -> None:
        assert usage_of({"prompt_tokens": 3, "completion_tokens": 2}) == Usage(3, 2, 5)
        assert usage_of(None) is None


class TestStreamAccumulator:
    def test_collects_text_usage_and_the_reason_from_separate_chunks(self) -> None:
        accumulator = StreamAccumulator("asked", strip=True)
        shown = [
            accumulator.add_chat(chunk(delta(0, "<think>x</think>Hel"), model="served")),
            accumulator.add_chat(chunk(delta(0, "lo", "stop"))),
            accumulator.add_chat(chunk(usage=USAGE, timings={"cache_n": 1})),
        ]
        assert "".join(shown) + accumulator.flush() == "Hello"
        result = accumulator.result(ChatResult)
        assert (result.text, result.model, result.usage) == ("Hello", "served", Usage(3, 2, 5))
        assert result.timings == {"cache_n": 1}

    def test_a_stream_without_a_finish_reason_was_cut_short(self) -> None:
        accumulator = StreamAccumulator("m", strip=False)
        accumulator.add_completion({"choices": [{"text": "Once", "finish_reason": None}]})
        with pytest.raises(LLMUnavailable, match="before the reply was complete"):
            accumulator.result(CompletionResult)


class TestStripChoices:
    def test_every_choice_loses_its_block_and_the_rest_is_kept(self) -> None:
        response = {
            "choices": [
                {"index": 0, "message": {"content": "<think>a</think>One", "extra": 1}},
                {"index": 1, "message": {"content": "Two<think>b</think>"}},
                {"index": 2, "message": {"content": None, "tool_calls": []}},
            ],
            "system_fingerprint": "fp",
        }
        stripped = strip_choices(response)
        assert [c["message"]["content"] for c in stripped["choices"]] == ["One", "Two", None]
        assert stripped["choices"][0]["message"]["extra"] == 1
        assert stripped["system_fingerprint"] == "fp"


class TestChunkPassage:
    def test_strips_each_choice_on_its_own_and_keeps_the_shape(self) -> None:
        passage = ChunkPassage(strip=True)
        chunks = [
            chunk(delta(0, "<thi"), delta(1, "Plain "), logprobs=None),
            chunk(delta(1, "<think>b</think>text"), delta(0, "nk>a</think>Shown")),
            chunk(delta(0, None, "stop"), delta(1, "", "stop")),
            chunk(usage=USAGE),
        ]
        out = [passage(item) for item in chunks]
        texts: dict[int, str] = {0: "", 1: ""}
        for item in out:
            for choice in item["choices"]:
                texts[choice["index"]] += choice["delta"].get("content") or ""
        assert texts == {0: "Shown", 1: "Plain text"}
        assert out[0]["choices"][0]["delta"] == {"content": ""}
        assert out[0]["logprobs"] is None
        assert out[3] == chunk(usage=USAGE)
        passage.end()

    def test_held_back_text_arrives_with_the_finishing_chunk(self) -> None:
        passage = ChunkPassage(strip=True)
        assert passage(chunk(delta(0, "a <th")))["choices"][0]["delta"]["content"] == "a "
        final = passage(chunk({"index": 0, "finish_reason": "stop"}))
        assert final["choices"][0]["delta"] == {"content": "<th"}

    def test_completions_pass_unchanged(self) -> None:
        passage = ChunkPassage(strip=False)
        item = {"choices": [{"index": 0, "text": "<think>", "finish_reason": "length"}]}
        assert passage(item) == {
            "choices": [{"index": 0, "text": "<think>", "finish_reason": "length"}]
        }
        passage.end()

    def test_a_stream_that_finished_no_choice_was_cut_short(self) -> None:
        passage = ChunkPassage(strip=True)
        passage(chunk(delta(0, "half")))
        with pytest.raises(LLMUnavailable, match="before the reply was complete"):
            passage.end()
