"""Settings of the LLM library, read from ``LLM_*`` environment variables.

The library has its own settings class so the deploy script and the MQTT bridge can build
it without the web app's secrets; the app composes it into its own ``Settings``. Reading
``backend/.env`` is the composer's job (``LLMSettings(_env_file=...)``), so constructing
this class touches nothing but the environment.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .limits import DEFAULT_LANES

REQUIRED_LANES = ("chat", "completion", "game")
"""Lanes the portal's edges acquire: chat turns, TAB completion, game traffic (MQTT)."""


class LLMSettings(BaseSettings):
    """Everything the LLM client, session manager and concurrency gate need."""

    model_config = SettingsConfigDict(env_prefix="LLM_", extra="ignore")

    server_url: str | None = Field(
        default=None,
        description="Root URL of the OpenAI-compatible server (with or without /v1). "
        "None: `make run` starts the embedded llama.cpp server and fills it in.",
    )
    timeout: float = Field(default=300.0, gt=0, description="Overall deadline of one request, s.")
    connect_timeout: float = Field(default=5.0, gt=0, description="TCP connect deadline, s.")
    health_timeout: float = Field(
        default=3.0,
        gt=0,
        description="Deadline of health probes and of the small llama.cpp calls (/props, "
        "/tokenize), so a health route or a token count never hangs, s.",
    )
    max_retries: int = Field(
        default=0,
        ge=0,
        description="Retries of a failed upstream call. 0: callers (games, browsers) decide, "
        "and a dead server is reported at once instead of after back-off.",
    )
    temperature: float = Field(default=0.6, ge=0, le=2)
    top_p: float = Field(default=0.9, gt=0, le=1)
    max_tokens: int = Field(default=512, gt=0, description="Default answer length cap, tokens.")
    skip_thinking: bool = Field(
        default=True,
        description="Ask llama.cpp models not to think (chat_template_kwargs "
        "enable_thinking=false). <think>…</think> blocks are stripped from answers, streams "
        "and stored history either way.",
    )
    max_history_tokens: int = Field(default=10000, gt=0, description="History budget cap.")
    history_margin_tokens: int = Field(
        default=64, ge=0, description="Slack kept free in the slot for template overhead."
    )
    history_keep_ratio: float = Field(
        default=0.7,
        gt=0,
        lt=1,
        description="When history overflows, old turns are dropped in a block down to about "
        "this fraction of the budget, so the prompt prefix stays stable for several turns.",
    )
    slot_context_fallback: int = Field(
        default=8192, gt=0, description="Slot context when the server does not report one."
    )
    api_key: SecretStr | None = Field(default=None, description="Bearer key for the server.")
    model: str | None = Field(default=None, description="Model name; None: first of /v1/models.")
    max_concurrency: int | None = Field(
        default=None,
        gt=0,
        description="Global in-flight upstream cap. None: follow the server's parallel slots "
        "(llama.cpp /props total_slots), or concurrency_fallback when it does not say.",
    )
    concurrency_fallback: int = Field(
        default=4,
        gt=0,
        description="Cap used when max_concurrency is None and the server reports no slots.",
    )
    lanes: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_LANES),
        description="Gate lanes and their relative shares of the cap, written "
        "`name=share,...` (e.g. `chat=0.4,completion=0.3,game=0.3`); shares are weights "
        "and need not sum to 1. Each lane reserves its share, at least one slot.",
    )
    max_queue: int = Field(
        default=32, ge=0, description="Requests allowed to wait for a slot, in each lane."
    )
    queue_timeout: float = Field(
        default=10.0, gt=0, description="Longest wait for a slot before answering busy, s."
    )
    per_user_concurrency: int = Field(
        default=4, gt=0, description="In-flight plus queued requests allowed per owner."
    )
    pool_size: int = Field(default=100, gt=0, description="HTTP connection pool size.")
    token_cache_size: int = Field(
        default=4096, ge=0, description="Entries in the token-count LRU cache."
    )

    @field_validator("lanes", mode="before")
    @classmethod
    def _parse_lanes(cls, value: Any) -> Any:
        return parse_lanes(value) if isinstance(value, str) else value

    @field_validator("lanes")
    @classmethod
    def _check_lanes(cls, lanes: dict[str, float]) -> dict[str, float]:
        missing = [lane for lane in REQUIRED_LANES if lane not in lanes]
        if missing:
            raise ValueError(
                f"LLM_LANES must name the lanes the portal uses ({', '.join(REQUIRED_LANES)}); "
                f"missing: {', '.join(missing)}"
            )
        if not all(math.isfinite(share) and share > 0 for share in lanes.values()):
            raise ValueError("every share in LLM_LANES must be a number above 0")
        return lanes


def parse_lanes(text: str) -> dict[str, float]:
    """``"chat=0.4, completion=0.3"`` → ``{"chat": 0.4, "completion": 0.3}``."""
    lanes: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, share = (piece.strip() for piece in item.partition("="))
        if not sep or not name or name in lanes:
            raise ValueError(
                f"LLM_LANES item {item!r} is not a new `name=share` pair "
                "(write e.g. chat=0.4,completion=0.3,game=0.3)"
            )
        try:
            lanes[name] = float(share)
        except ValueError:
            raise ValueError(f"LLM_LANES share {share!r} of {name!r} is not a number") from None
    return lanes
