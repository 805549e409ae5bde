"""Reading ``openai`` response objects into the library's result values.

llama.cpp adds a ``timings`` block that the ``openai`` models keep as an extra field;
it is read from there so metrics can report prompt-cache reuse and generation speed.

Chat answers always lose their ``<think>…</think>`` blocks here, whole or streamed. Raw
completions are kept as sent: they continue the user's own text, which may contain tags.
A stream that ends without a finish reason was cut short (the server or a proxy in front of
it went away), so it is reported as unavailability, which a retry may cure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from openai.types import Completion, CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from .errors import LLMBadResponse
from .results import ChatResult, CompletionResult, Generation, Usage
from .thinking import ThinkingStripper, strip_thinking
from .upstream_errors import cut_short

ResultT = TypeVar("ResultT", bound=Generation)


def usage_of(usage: CompletionUsage | None) -> Usage | None:
    if usage is None:
        return None
    return Usage(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)


def timings_of(
    response: ChatCompletion | ChatCompletionChunk | Completion,
) -> Mapping[str, Any] | None:
    timings = (response.model_extra or {}).get("timings")
    return timings if isinstance(timings, dict) else None


def _no_choices(what: str) -> LLMBadResponse:
    return LLMBadResponse(
        "The model sent an empty reply — ask the administrator to check the portal's LLM settings",
        log_message=f"LLM server sent a {what} without choices",
    )


def chat_result(response: ChatCompletion) -> ChatResult:
    """The :class:`ChatResult` of a non-streamed chat completion, thinking stripped."""
    if not response.choices:
        raise _no_choices("chat completion")
    choice = response.choices[0]
    return ChatResult(
        text=strip_thinking(choice.message.content or ""),
        model=response.model,
        usage=usage_of(response.usage),
        timings=timings_of(response),
        finish_reason=choice.finish_reason,
    )


def completion_result(response: Completion) -> CompletionResult:
    """The :class:`CompletionResult` of a non-streamed raw completion."""
    if not response.choices:
        raise _no_choices("completion")
    choice = response.choices[0]
    return CompletionResult(
        text=choice.text,
        model=response.model,
        usage=usage_of(response.usage),
        timings=timings_of(response),
        finish_reason=choice.finish_reason,
    )


class StreamAccumulator:
    """Collects a streamed answer: visible deltas out, the final result at the end.

    ``strip`` removes thinking blocks (chat answers); raw completions pass ``False``.
    """

    def __init__(self, model: str, *, strip: bool) -> None:
        self._model = model
        self._stripper = ThinkingStripper() if strip else None
        self._parts: list[str] = []
        self._usage: Usage | None = None
        self._timings: Mapping[str, Any] | None = None
        self._finish_reason: str | None = None

    def _visible(self, text: str) -> str:
        visible = self._stripper.feed(text) if self._stripper else text
        self._parts.append(visible)
        return visible

    def add_chat(self, chunk: ChatCompletionChunk) -> str:
        """Take one chat chunk; return the text to show now (may be empty)."""
        self._note(chunk)
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self._finish_reason = choice.finish_reason or self._finish_reason
        return self._visible(choice.delta.content or "")

    def add_completion(self, chunk: Completion) -> str:
        """Take one raw-completion chunk; return the text to show now."""
        self._note(chunk)
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        self._finish_reason = choice.finish_reason or self._finish_reason
        return self._visible(choice.text or "")

    def _note(self, chunk: ChatCompletionChunk | Completion) -> None:
        self._model = chunk.model or self._model
        self._usage = usage_of(chunk.usage) or self._usage
        self._timings = timings_of(chunk) or self._timings

    def flush(self) -> str:
        """Text held back for a possible tag, released at the end of the stream."""
        return self._visible(self._stripper.flush()) if self._stripper else ""

    def result(self, kind: type[ResultT]) -> ResultT:
        """The final event; a stream without a finish reason was cut short."""
        if self._finish_reason is None:
            raise cut_short("LLM server ended the stream before the answer was complete")
        return kind(
            text="".join(self._parts),
            model=self._model,
            usage=self._usage,
            timings=self._timings,
            finish_reason=self._finish_reason,
        )
