"""What `/v1` accepts: OpenAI's parameters checked strictly, every other field kept."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.gateway.schemas import ChatCompletionRequest, TextCompletionRequest

BASE: dict[str, Any] = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}


def test_unknown_fields_are_kept() -> None:
    request = ChatCompletionRequest.model_validate({**BASE, "top_k": 4, "mirostat": 1})
    assert request.model_extra == {"top_k": 4, "mirostat": 1}


@pytest.mark.parametrize(
    "fields",
    [
        {"temperature": 1},
        {"temperature": 2.0, "top_p": 0},
        {"stop": "END"},
        {"stop": ["a", "b", "c", "d"]},
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
        {"messages": [{"role": "assistant", "content": None, "tool_calls": []}]},
        {"tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "auto"},
        {"response_format": {"type": "json_object"}, "logprobs": True, "top_logprobs": 3},
        {"session_id": None},
        {"seed": 2**63 - 1},
        {"seed": -(2**63)},
        {"template": {"id": 1, "label": "prod"}, "variables": {"name": "Ada"}},
    ],
)
def test_valid_requests_pass(fields: dict[str, Any]) -> None:
    ChatCompletionRequest.model_validate({**BASE, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"temperature": 2.5},
        {"temperature": "1"},
        {"top_p": 1.5},
        {"n": 0},
        {"max_tokens": 0},
        {"max_completion_tokens": 0},
        {"stop": ["a", "b", "c", "d", "e"]},
        {"frequency_penalty": 3},
        {"seed": 2**63},
        {"seed": 2**70},
        {"stream": "yes"},
        {"stream_options": {"include_usage": 1}},
        {"top_logprobs": 21},
        {"tool_choice": 1},
        {"user": 5},
        {"messages": []},
        {"messages": [{"role": "user"}]},
        {"session_id": "not/an id"},
        {"variables": {"name": "Ada"}},
        {"template": {"id": 1}, "messages": [{"role": "system", "content": "x"}]},
    ],
)
def test_invalid_requests_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate({**BASE, **fields})


def test_a_session_turn_is_asked_for_by_naming_session_id() -> None:
    assert not ChatCompletionRequest.model_validate(BASE).in_session
    assert ChatCompletionRequest.model_validate({**BASE, "session_id": None}).in_session
    assert ChatCompletionRequest.model_validate({**BASE, "session_id": "s1"}).in_session


def test_include_usage_reads_stream_options() -> None:
    asked = {**BASE, "stream": True, "stream_options": {"include_usage": True}}
    assert ChatCompletionRequest.model_validate(asked).include_usage
    assert not ChatCompletionRequest.model_validate(BASE).include_usage


@pytest.mark.parametrize("prompt", ["text", ["a", "b"], [1, 2], [[1], [2]]])
def test_text_completion_prompts(prompt: Any) -> None:
    TextCompletionRequest.model_validate({"model": "m", "prompt": prompt, "logprobs": 2})
