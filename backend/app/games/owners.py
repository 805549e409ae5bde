"""Who a game request belongs to, decided by the API key it carries (decisions.md).

A request with a key (``apiKey`` in its JSON or the MQTT 5 user property ``api-key``) is
verified exactly like a bearer API key on the HTTP API, through the same short-lived
:class:`AuthCache`: a revoked key, an expired one or a disabled account stops working here
at the same moment as there. Its owner is the user's id, so the session, the per-user caps
and the results are that user's. A request without a key belongs to its project
(``mqtt:<project>``) and is served only where ``MQTT_KEYLESS_PROJECTS`` allows it.

Each lookup is its own short transaction: nothing holds a connection while the bridge then
waits for the model.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import service as auth_service
from app.auth.cache import AuthCache, Principal
from app.config import Settings
from app.errors import DATABASE_UNAVAILABLE
from app.mqtt.handler import NotServed
from app.mqtt.owners import keyless_owner
from app.security import split_api_key

logger = logging.getLogger(__name__)

INVALID_KEY = (
    "The API key is not valid: it is wrong, revoked or expired, or its account is disabled — "
    "create a new key on the portal's API keys page"
)
KEY_REQUIRED = (
    "This project answers only requests that carry an API key: send your API key in apiKey "
    "or the api-key user property (create one on the portal's API keys page)"
)
PASSWORD_FIRST = "Sign in to the portal and choose a new password first, then send the key again"
CHECK_UNAVAILABLE = "The portal cannot check API keys right now — try again in a minute"


class PortalOwners:
    """The game handler's ``OwnerPolicy`` backed by the portal's accounts and keys."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        auth_cache: AuthCache,
        settings: Settings,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cache = auth_cache
        self._settings = settings

    async def owner_of(self, project: str, api_key: str | None) -> str:
        """The user id behind ``api_key``, or the project's keyless owner; else ``NotServed``."""
        if not api_key:
            if self._settings.mqtt.keyless(project):
                return keyless_owner(project)
            raise NotServed("api_key_required", KEY_REQUIRED)
        principal = await self._principal(api_key)
        if principal.must_change_password:
            raise NotServed("password_change_required", PASSWORD_FIRST)
        return str(principal.id)

    async def _principal(self, api_key: str) -> Principal:
        # Only API keys: a sign-in token (JWT) is for the browser, not for game clients.
        if split_api_key(api_key) is None:
            raise NotServed("invalid_api_key", INVALID_KEY)
        try:
            principal = await self._cache.principal(api_key, self._lookup)
        except DATABASE_UNAVAILABLE as exc:
            logger.warning("API key check failed, database unavailable: %s", exc)
            raise NotServed("unavailable", CHECK_UNAVAILABLE) from exc
        if principal is None:
            raise NotServed("invalid_api_key", INVALID_KEY)
        return principal

    async def _lookup(self, token: str) -> tuple[Principal, float | None] | None:
        return await auth_service.lookup_bearer(
            self._sessionmaker, token=token, settings=self._settings
        )
