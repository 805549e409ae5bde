"""Application settings: one typed object, read from the environment and `backend/.env`.

The LLM library keeps its own `LLMSettings` (prefix `LLM_`) so the deploy script can build it
without the web app's secrets; `Settings` composes it and adds database, auth, CORS and limits.
"""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.llm.settings import LLMSettings
from app.mqtt.settings import MqttSettings

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = BACKEND_DIR.parent
ENV_FILE = BACKEND_DIR / ".env"
DEVELOPMENT_SECRET = "change-me-development-only-secret"  # refused in production


class Settings(BaseSettings):
    """Everything the web service needs, checked once at start-up."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    access_token_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    sign_in_max_hours: float = Field(
        default=24 * 7,
        gt=0,
        le=24 * 365,
        description="Longest a sign-in can be kept alive by renewing its access token; after "
        "this the person signs in again.",
    )
    chat_undo_seconds: float = Field(
        default=30.0,
        ge=0,
        le=24 * 3600,
        description="How long a deleted chat can be restored before it is removed for good.",
    )
    database_url: str = f"sqlite+aiosqlite:///{BACKEND_DIR / 'data' / 'portal.db'}"
    database_pool_size: int = Field(default=5, ge=1, le=1000)
    database_max_overflow: int = Field(default=10, ge=0, le=1000)
    redis_url: str | None = None
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:5173"]
    admin_email: str | None = None
    admin_password: SecretStr | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    frontend_dist: Path = REPO_DIR / "frontend" / "dist"
    log_level: str = "INFO"
    gc_young_threshold: int = Field(
        default=100_000,
        ge=0,
        description="Allocations between two collections of the garbage collector's youngest "
        "generation (Python's default is 700); start-up's objects are also frozen out of "
        "the scans. 0 leaves the collector as Python sets it. Every request allocates thousands "
        "of short-lived objects that reference counting frees; at the default, collections "
        "scanning them took ~15 % of the event loop under load and stalled all requests "
        "in flight together.",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="Seconds a connection has to send a complete request head (line and "
        "headers) before it is closed, so stalled clients cannot hold connections.",
    )
    auth_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a checked bearer token is trusted without a database read; "
        "changes made through another worker take at most this long to apply. 0 disables.",
    )
    login_rate_limit_account: str = Field(
        default="10/minute", description="Login attempts per account (known or not)"
    )
    login_rate_limit_address: str = Field(
        default="60/minute", description="Login attempts per client address"
    )
    completion_rate_limit: str = Field(default="30/minute", description="Per-user TAB completions")
    completion_cache_size: int = Field(default=1024, ge=0)
    completion_cache_ttl: int = Field(
        default=300, ge=1, description="Seconds a completion is reused"
    )
    completion_time_budget: float = Field(default=10.0, gt=0, description="Hard cap per request, s")
    completion_max_tokens: int = Field(default=256, ge=1, le=4096)
    completion_max_chars: int = Field(default=10_000, ge=1)
    llm: LLMSettings = Field(default_factory=lambda: LLMSettings(_env_file=ENV_FILE))
    mqtt: MqttSettings = Field(default_factory=lambda: MqttSettings(_env_file=ENV_FILE))

    @field_validator("cors_origins", mode="before")
    @classmethod
    def split_origins(cls, value: object) -> object:
        """Accept `CORS_ORIGINS=a,b` as well as a JSON list."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator(
        "login_rate_limit_account", "login_rate_limit_address", "completion_rate_limit"
    )
    @classmethod
    def check_rate_limit(cls, value: str) -> str:
        """Refuse a limit the `limits` library cannot read at start-up, not at first use."""
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '10/minute': {value!r}") from exc
        return value

    @model_validator(mode="after")
    def refuse_unsafe_production(self) -> "Settings":
        """A production deployment must not run with the development secret or open CORS."""
        if self.environment != "production":
            return self
        if self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError("SECRET_KEY must be set to a random value when ENVIRONMENT=production")
        if len(self.secret_key.get_secret_value()) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        if "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS must list explicit origins when ENVIRONMENT=production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once."""
    return Settings()
