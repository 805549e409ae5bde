"""Values passed to and returned by :class:`~app.llm.client.LLMClient`.

Plain frozen dataclasses, so every transport (HTTP, SSE, MQTT) can serialise them the way
it needs and nothing here depends on the ``openai`` package's models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .settings import LLMSettings

ChatMessage = Mapping[str, str]
"""One chat message, ``{"role": ..., "content": ...}``."""


@dataclass(frozen=True)
class GenerationParams:
    """Sampling parameters of one call; ``None`` means "the setting's default".

    ``extra`` is sent as-is in the request body (llama.cpp extras such as
    ``t_max_predict_ms``, ``id_slot`` or ``n_probs``), whatever the server is: the caller
    asked for them explicitly.
    """

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: Sequence[str] | None = None
    seed: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def sampling(self, defaults: LLMSettings) -> dict[str, Any]:
        """The request body's sampling fields, the settings filling what this call left open."""
        body: dict[str, Any] = {
            "temperature": defaults.temperature if self.temperature is None else self.temperature,
            "top_p": defaults.top_p if self.top_p is None else self.top_p,
            "max_tokens": self.max_tokens or defaults.max_tokens,
        }
        if self.stop:
            body["stop"] = list(self.stop)
        if self.seed is not None:
            body["seed"] = self.seed
        return body


@dataclass(frozen=True)
class Usage:
    """Token counts reported by the server."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text, already free of thinking blocks."""

    text: str


@dataclass(frozen=True)
class Generation:
    """A finished answer: full text, who wrote it, what it cost and why it stopped.

    ``timings`` is llama.cpp's block (``prompt_n``, ``cache_n``, ``predicted_per_second``...)
    when the server sends one.
    """

    text: str
    model: str
    usage: Usage | None = None
    timings: Mapping[str, Any] | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class ChatResult(Generation):
    """The answer to a chat request; the last event of a chat stream."""


@dataclass(frozen=True)
class CompletionResult(Generation):
    """The continuation of a raw prompt; the last event of a completion stream."""


StreamEvent = TextDelta | ChatResult
"""What :meth:`LLMClient.stream` yields: deltas, then one :class:`ChatResult`."""

CompletionEvent = TextDelta | CompletionResult
"""What :meth:`LLMClient.stream_complete` yields: deltas, then one :class:`CompletionResult`."""

HealthStatus = Literal["ok", "degraded", "unavailable"]


@dataclass(frozen=True)
class HealthReport:
    """What a health probe found; never raised, so health routes can always answer."""

    status: HealthStatus
    server_url: str
    model: str | None
    latency_ms: float | None
    slot_context: int | None
    detail: str | None = None


def completion_from_chat(result: ChatResult) -> CompletionResult:
    """A chat answer standing in for a raw completion (servers without /v1/completions)."""
    return CompletionResult(**{item.name: getattr(result, item.name) for item in fields(result)})


def cache_n(timings: Mapping[str, Any] | None) -> int | None:
    """Prompt tokens llama.cpp reused from its KV cache, when its timings say."""
    value = (timings or {}).get("cache_n")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None
