"""The llama.cpp endpoints that live outside ``/v1``: ``/props``, ``/slots``, ``/tokenize``,
``/health``.

They are called over the same pooled session as ``/v1``, so one process keeps exactly one
connection pool to the server. Servers that are not llama.cpp answer 404 (or 405/501)
here; every method turns that into ``None`` so callers can fall back.
"""

from __future__ import annotations

from typing import Any

from .transport import MISSING_STATUSES, EndpointMissing, Upstream


def total_slots_of(props: dict[str, Any] | None) -> int | None:
    """Requests the server generates in parallel (``-np``), from its ``/props``."""
    slots = (props or {}).get("total_slots")
    return slots if type(slots) is int and slots > 0 else None  # bool is an int subclass


class LlamaCppEndpoints:
    """Thin JSON calls to llama.cpp's native endpoints on the shared session."""

    def __init__(self, upstream: Upstream, *, timeout: float) -> None:
        self._upstream = upstream
        self._timeout = timeout

    async def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            return await self._upstream.json(
                method, path, body, budget=self._timeout, missing=MISSING_STATUSES
            )
        except EndpointMissing:
            return None

    async def health_status(self) -> int:
        """HTTP status of ``/health``: 200 ready, 503 loading, 404 not llama.cpp."""
        return await self._upstream.status("/health", budget=self._timeout)

    async def props(self) -> dict[str, Any] | None:
        """Server properties, or ``None`` when the server is not llama.cpp."""
        props = await self._json("GET", "/props")
        return props if isinstance(props, dict) else None

    async def slot_context(self, props: dict[str, Any] | None) -> int | None:
        """Context size of one slot, from ``/props`` or else ``/slots``."""
        settings = (props or {}).get("default_generation_settings")
        if isinstance(settings, dict) and isinstance(settings.get("n_ctx"), int):
            return int(settings["n_ctx"])
        slots = await self._json("GET", "/slots")
        if isinstance(slots, list) and slots and isinstance(slots[0], dict):
            n_ctx = slots[0].get("n_ctx")
            return n_ctx if isinstance(n_ctx, int) else None
        return None

    async def tokenize(self, text: str) -> list[int] | None:
        """Token ids of ``text`` as the server's model sees it, or ``None`` without one."""
        body = await self._json("POST", "/tokenize", {"content": text})
        if not isinstance(body, dict) or not isinstance(body.get("tokens"), list):
            return None
        return [token if isinstance(token, int) else int(token["id"]) for token in body["tokens"]]
