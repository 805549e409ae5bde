"""Settings of the LLM library, read from ``LLM_*`` environment variables.

The library has its own settings class so the deploy script and the MQTT bridge can build
it without the web app's secrets; the app composes it into its own ``Settings``. Reading
``backend/.env`` is the composer's job (``LLMSettings(_env_file=...)``), so constructing
this class touches nothing but the environment.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        description="Ask the model not to think (chat_template_kwargs) and strip any "
        "<think>…</think> from answers, streams and stored history.",
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
    max_concurrency: int = Field(default=8, gt=0, description="Global in-flight upstream cap.")
    max_queue: int = Field(default=32, ge=0, description="Requests allowed to wait for a slot.")
    queue_timeout: float = Field(
        default=10.0, gt=0, description="Longest wait for a slot before answering busy, s."
    )
    completion_share: float = Field(
        default=0.5,
        gt=0,
        lt=1,
        description="Fraction of max_concurrency reserved for the completion lane; "
        "the chat lane is guaranteed the rest.",
    )
    per_user_concurrency: int = Field(
        default=4, gt=0, description="In-flight plus queued requests allowed per owner."
    )
    pool_size: int = Field(default=100, gt=0, description="HTTP connection pool size.")
    token_cache_size: int = Field(
        default=4096, ge=0, description="Entries in the token-count LRU cache."
    )
