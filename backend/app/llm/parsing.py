"""Reading the server's JSON answers (plain dicts) into the library's result values.

Only what the portal uses is read: the first choice's text and finish reason, the model,
``usage``, and llama.cpp's ``timings`` block (prompt-cache reuse and generation speed for
metrics). Everything else in a body is left alone, so the raw gateway methods can pass
bodies and chunks through as the server sent them.

Chat answers always lose their ``<think>…</think>`` blocks here, whole or streamed. Raw
completions are kept as sent: they continue the user's own text, which may contain tags.
A stream that ends without a finish reason was cut short (the server or a proxy in front of
it went away), so it is reported as unavailability, which a retry may cure.

A body that is not shaped as OpenAI's raises ``ValueError``, which the client reports as a
bad response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .errors import LLMBadResponse
from .results import ChatResult, CompletionResult, Generation, Usage
from .thinking import ThinkingStripper, strip_thinking
from .upstream_errors import cut_short

ResultT = TypeVar("ResultT", bound=Generation)
STREAM_CUT = "LLM server ended the stream before the answer was complete"


def _count(value: Any) -> int:
    return value if type(value) is int else 0


def usage_of(usage: Any) -> Usage | None:
    """The token counts of a ``usage`` block, ``None`` without one."""
    if not isinstance(usage, dict):
        return None
    prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
    total = usage.get("total_tokens")
    return Usage(prompt, completion, total if type(total) is int else prompt + completion)


def timings_of(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    timings = body.get("timings")
    return timings if isinstance(timings, dict) else None


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text: {value!r:.80}")
    return value


def _finish_reason(choice: Mapping[str, Any]) -> str | None:
    reason = choice.get("finish_reason")
    return reason if isinstance(reason, str) else None


def model_of(body: Mapping[str, Any], default: str) -> str:
    """The model an answer or chunk names, else ``default`` (the one asked for)."""
    model = body.get("model")
    return model if isinstance(model, str) and model else default


def _no_choices(what: str) -> LLMBadResponse:
    return LLMBadResponse(
        "The model sent an empty reply — ask the administrator to check the portal's LLM settings",
        log_message=f"LLM server sent a {what} without choices",
    )


def _first_choice(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValueError(f"the {what} is not a JSON object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise _no_choices(what)
    if not isinstance(choices[0], dict):
        raise ValueError(f"the {what}'s choice is not a JSON object")
    return choices[0]


def _chunk_choice(chunk: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first choice of a stream chunk; ``None`` for chunks without one (usage)."""
    choices = chunk.get("choices")
    if not choices:
        return None
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise ValueError("a stream chunk's choices are not JSON objects")
    return choices[0]


def chat_result(response: Any, model: str = "") -> ChatResult:
    """The :class:`ChatResult` of a non-streamed chat completion, thinking stripped.

    ``model`` names the answer when the body does not.
    """
    choice = _first_choice(response, "chat completion")
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return ChatResult(
        text=strip_thinking(_text(content, "the answer")),
        model=model_of(response, model),
        usage=usage_of(response.get("usage")),
        timings=timings_of(response),
        finish_reason=_finish_reason(choice),
    )


def completion_result(response: Any, model: str = "") -> CompletionResult:
    """The :class:`CompletionResult` of a non-streamed raw completion."""
    choice = _first_choice(response, "completion")
    return CompletionResult(
        text=_text(choice.get("text"), "the continuation"),
        model=model_of(response, model),
        usage=usage_of(response.get("usage")),
        timings=timings_of(response),
        finish_reason=_finish_reason(choice),
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

    def add_chat(self, chunk: Mapping[str, Any]) -> str:
        """Take one chat chunk; return the text to show now (may be empty)."""
        choice = self._note(chunk)
        if choice is None:
            return ""
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        return self._visible(_text(content, "a streamed delta"))

    def add_completion(self, chunk: Mapping[str, Any]) -> str:
        """Take one raw-completion chunk; return the text to show now."""
        choice = self._note(chunk)
        if choice is None:
            return ""
        return self._visible(_text(choice.get("text"), "a streamed continuation"))

    def _note(self, chunk: Mapping[str, Any]) -> dict[str, Any] | None:
        self._model = model_of(chunk, self._model)
        self._usage = usage_of(chunk.get("usage")) or self._usage
        self._timings = timings_of(chunk) or self._timings
        choice = _chunk_choice(chunk)
        if choice is not None:
            self._finish_reason = _finish_reason(choice) or self._finish_reason
        return choice

    def flush(self) -> str:
        """Text held back for a possible tag, released at the end of the stream."""
        return self._visible(self._stripper.flush()) if self._stripper else ""

    def result(self, kind: type[ResultT]) -> ResultT:
        """The final event; a stream without a finish reason was cut short."""
        if self._finish_reason is None:
            raise cut_short(STREAM_CUT)
        return kind(
            text="".join(self._parts),
            model=self._model,
            usage=self._usage,
            timings=self._timings,
            finish_reason=self._finish_reason,
        )


# --- raw bodies for the gateway ---------------------------------------------------------


def strip_choices(response: dict[str, Any]) -> dict[str, Any]:
    """A chat completion with every ``choices[i].message.content`` free of thinking blocks;
    the body is changed in place and otherwise left as the server sent it."""
    choices = response.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            message["content"] = strip_thinking(message["content"])
    return response


class ChunkPassage:
    """Watches raw stream chunks go by: notes whether any choice finished and, for chat
    (``strip``), passes each choice's ``delta.content`` through its own
    :class:`ThinkingStripper`, keyed by the choice's ``index``.

    Chunks keep their shape; a content may become ``""``. Text a stripper held back for a
    possible tag is added to the chunk that finishes its choice.
    """

    def __init__(self, *, strip: bool) -> None:
        self._strip = strip
        self._strippers: dict[int, ThinkingStripper] = {}
        self.finished = False

    def __call__(self, chunk: dict[str, Any]) -> dict[str, Any]:
        choices = chunk.get("choices")
        for position, choice in enumerate(choices if isinstance(choices, list) else ()):
            if isinstance(choice, dict):
                self._pass(choice, position)
        return chunk

    def _pass(self, choice: dict[str, Any], position: int) -> None:
        finished = choice.get("finish_reason") is not None
        self.finished = self.finished or finished
        if not self._strip:
            return
        index = choice.get("index")
        key = index if type(index) is int else position
        delta = choice.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("content"), str):
            stripper = self._strippers.setdefault(key, ThinkingStripper())
            delta["content"] = stripper.feed(delta["content"])
        held = self._strippers.pop(key) if finished and key in self._strippers else None
        if held is not None and (tail := held.flush()):
            if not isinstance(delta, dict):
                delta = choice["delta"] = {}
            delta["content"] = (delta.get("content") or "") + tail

    def end(self) -> None:
        """At the end of the stream: one that finished no choice was cut short."""
        if not self.finished:
            raise cut_short(STREAM_CUT)
