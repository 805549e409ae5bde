"""What one `/v1` request works with, and the check every generating request starts with."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import Principal
from app.gateway.errors import model_not_found
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


def upstream_body(raw: Mapping[str, Any]) -> Body:
    """The body as the caller sent it, unknown fields included, without the portal's own."""
    return {name: value for name, value in raw.items() if name not in EXTENSIONS}
