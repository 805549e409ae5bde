"""Settings of the MQTT side, read from ``MQTT_*`` environment variables.

Like ``LLMSettings`` this class stands alone, so ``llamacpp_mqtt_deploy.py`` builds it
without the web app's secrets; the app composes it into its own ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

GAME_PROJECTS = ("maze", "driving", "bloodcell", "racing", "general", "prompt_portal")
"""The projects the portal knows out of the box, each with its default prompt as data."""
DEFAULT_MQTT_PORT = 1883


def _split_words(value: Any) -> Any:
    """``a,b`` or ``a b`` (as the deploy script's ``--projects "maze driving"``) → a list."""
    if isinstance(value, str):
        return [word for word in value.replace(",", " ").split() if word]
    return value


class MqttSettings(BaseSettings):
    """Where the broker is, what the bridge serves, and how it behaves under faults."""

    model_config = SettingsConfigDict(env_prefix="MQTT_", extra="ignore")

    broker_url: str | None = Field(
        default=None,
        description="`mqtt://host:port` of the broker; unset: the bridge stays off "
        "(`make run` starts a private broker and sets it).",
    )
    username: str | None = Field(default=None, description="Broker login of the bridge.")
    password: SecretStr | None = None
    client_id: str = Field(
        default="prompt-portal-bridge",
        min_length=1,
        max_length=64,
        description="MQTT client id; stable, so the broker keeps the bridge's session (and "
        "the QoS 1 requests sent while it was away) across restarts. Each bridge process "
        "needs its own.",
    )
    projects: Annotated[list[str], NoDecode] = Field(
        default=list(GAME_PROJECTS),
        description="Projects served, `maze,driving` or `maze driving`.",
    )
    share_group: str = Field(
        default="portal",
        pattern=r"^[A-Za-z0-9_-]{0,64}$",
        description="`$share` group: bridges in one group answer each request once. Empty: "
        "plain subscriptions, for one bridge per broker; unlike shared ones, Mosquitto keeps "
        "them across its own restart.",
    )
    keyless_projects: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Projects whose requests are served without an API key (as the original "
        "game clients send them), comma-separated; `*` for all. Empty: every request needs a key.",
    )
    reply_format: Literal["text", "json"] = Field(
        default="text",
        description="Reply payload when a request does not ask: the answer text alone (what the "
        "existing game clients read) or the JSON envelope.",
    )
    max_payload_bytes: int = Field(default=65_536, ge=1024, le=16 * 1024 * 1024)
    session_expiry_seconds: int = Field(
        default=3600,
        ge=1,
        description="How long the broker keeps the bridge's session while it is away.",
    )
    queue_size: int = Field(default=1000, ge=1, description="Requests waiting to be handled.")
    workers: int = Field(default=16, ge=1, le=1024, description="Requests handled at once.")
    dedup_size: int = Field(default=10_000, ge=1)
    dedup_seconds: float = Field(
        default=600.0, gt=0, description="How long a requestId is remembered to drop redeliveries."
    )
    reconnect_min_seconds: float = Field(default=0.5, gt=0)
    reconnect_max_seconds: float = Field(default=30.0, gt=0)
    status_service: str = Field(default="prompt-portal", description="Named in `P/status`.")
    manage_broker: bool = Field(
        default=False,
        description="The portal mirrors API keys into the broker's dynamic security "
        "(`make run` sets this for the broker it starts).",
    )
    dynsec_username: str | None = Field(
        default=None, description="Dynamic-security admin of a managed broker."
    )
    dynsec_password: SecretStr | None = None
    broker_data_dir: Path | None = Field(
        default=None, description="Folder of a managed broker's configuration and state."
    )

    @field_validator("projects", "keyless_projects", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        return _split_words(value)

    @field_validator("projects")
    @classmethod
    def _check_projects(cls, projects: list[str]) -> list[str]:
        bad = [p for p in projects if not p.replace("_", "").replace("-", "").isalnum()]
        if bad or not projects:
            raise ValueError(f"projects must be plain names (letters, digits, _ or -): {bad}")
        return list(dict.fromkeys(projects))

    @field_validator("broker_url")
    @classmethod
    def _check_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
            raise ValueError("MQTT_BROKER_URL must look like mqtt://host:port")
        return url

    def keyless(self, project: str) -> bool:
        """Whether ``project``'s requests without a key are served."""
        return "*" in self.keyless_projects or project in self.keyless_projects

    def host_port(self) -> tuple[str, int]:
        """The broker's host and port (``MQTT_BROKER_URL`` must be set)."""
        if not self.broker_url:
            raise ValueError("MQTT_BROKER_URL is not set")
        parts = urlsplit(self.broker_url)
        return parts.hostname or "127.0.0.1", parts.port or DEFAULT_MQTT_PORT
