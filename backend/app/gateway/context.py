"""What one `/v1` request works with, and the check every generating request starts with."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.gateway.errors import invalid, model_not_found
from app.gateway.request_log import RequestLog
from app.gateway.schemas import EXTENSIONS
from app.llm.stack import LLMStack

Sessionmaker = async_sessionmaker[AsyncSession]
Body = dict[str, Any]


@dataclass(frozen=True)
class Gateway:
    """The LLM stack, the database, the caller and the request's log line."""

    llm: LLMStack
    sessionmaker: Sessionmaker
    user: Principal
    log: RequestLog

    @property
    def owner(self) -> str:
        """Whom the gate counts the request against: the account, as `/api/llm` does."""
        return str(self.user.id)


async def check_model(gateway: Gateway, model: str) -> None:
    """``model`` must be one `GET /v1/models` lists (the client caches the list)."""
    gateway.log.model = model
    if not any(entry.get("id") == model for entry in await gateway.llm.client.models()):
        raise model_not_found(model)


def check_sendable(raw: Mapping[str, Any]) -> None:
    """Every field must be JSON the model server can be sent (orjson's limits: integers
    within 64 bits, nesting under 255 levels): told here as a 400, before any work, rather
    than found when the request is sent."""
    try:
        orjson.dumps(raw)
    except orjson.JSONEncodeError as exc:
        param = next((name for name, value in raw.items() if not _sendable(value)), None)
        where = f"Invalid '{param}'" if param else "Invalid request"
        raise invalid(f"{where}: the value cannot be sent as JSON ({exc})", param=param) from exc


def _sendable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


def upstream_body(raw: Mapping[str, Any]) -> Body:
    """The body as the caller sent it, unknown fields included, without the portal's own."""
    return {name: value for name, value in raw.items() if name not in EXTENSIONS}
