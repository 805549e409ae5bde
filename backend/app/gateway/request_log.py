"""One log line per `/v1` request: who (user and API key), what, how it ended, what it cost.

    gateway user=12 key=pp_ab12cd34 endpoint=chat.completions model=qwen stream=true
    status=200 outcome=complete duration_ms=812.4 prompt_tokens=31 completion_tokens=120

The key is named by its public prefix (what the settings page lists), read from the bearer
token the request was authenticated with; a sign-in token is logged as `jwt`. A streamed
answer is logged when its stream ends (`outcome` complete, failed, or stopped when the
client went away), so the line carries the tokens of the whole answer.
"""

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from app.security import split_api_key

logger = logging.getLogger("app.gateway")


def credential_of(request: Request) -> str:
    """`pp_<key id>` for an API key, `jwt` for a sign-in token, `-` for none."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "-"
    parts = split_api_key(token.strip())
    return f"pp_{parts[0]}" if parts is not None else "jwt"


def _tokens(usage: Mapping[str, Any], name: str) -> int | None:
    value = usage.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class RequestLog:
    """What one request did, filled in as it goes and written once by :meth:`finish`."""

    endpoint: str
    credential: str
    started: float = field(default_factory=time.perf_counter)
    user_id: int | None = None
    model: str | None = None
    stream: bool = False
    outcome: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    _written: bool = False

    @classmethod
    def begin(cls, request: Request, endpoint: str) -> "RequestLog":
        return cls(endpoint=endpoint, credential=credential_of(request))

    def note_usage(self, usage: object) -> None:
        """Keep the token counts of an upstream `usage` object (ignored when absent)."""
        if isinstance(usage, Mapping):
            self.prompt_tokens = _tokens(usage, "prompt_tokens")
            self.completion_tokens = _tokens(usage, "completion_tokens")

    def finish(self, status: int, outcome: str | None = None) -> None:
        """Write the line, once. ``outcome`` defaults to what :attr:`outcome` says, else to
        `stopped` for a stream nobody finished (the client went away), else `complete`."""
        if self._written:
            return
        self._written = True
        outcome = outcome or self.outcome or ("stopped" if self.stream else "complete")
        logger.info(
            "gateway user=%s key=%s endpoint=%s model=%s stream=%s status=%d outcome=%s "
            "duration_ms=%.1f prompt_tokens=%s completion_tokens=%s",
            self.user_id if self.user_id is not None else "-",
            self.credential,
            self.endpoint,
            self.model or "-",
            "true" if self.stream else "false",
            status,
            outcome,
            (time.perf_counter() - self.started) * 1000,
            self.prompt_tokens if self.prompt_tokens is not None else "-",
            self.completion_tokens if self.completion_tokens is not None else "-",
        )
