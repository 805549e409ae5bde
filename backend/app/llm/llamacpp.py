"""The llama.cpp endpoints that live outside ``/v1``: ``/props``, ``/slots``, ``/tokenize``,
``/health``.

They are called over the same pooled HTTP client the ``openai`` client uses, so one
process keeps exactly one connection pool to the server. Servers that are not llama.cpp
answer 404 here; every method turns that into ``None`` so callers can fall back.
"""

from __future__ import annotations

from typing import Any

import httpx2

from .upstream_errors import from_status, resend_if_stale, upstream_errors


def total_slots_of(props: dict[str, Any] | None) -> int | None:
    """Requests the server generates in parallel (``-np``), from its ``/props``."""
    slots = (props or {}).get("total_slots")
    return slots if type(slots) is int and slots > 0 else None  # bool is an int subclass


class LlamaCppEndpoints:
    """Thin JSON calls to llama.cpp's native endpoints on the shared HTTP client."""

    def __init__(
        self, http: httpx2.AsyncClient, root_url: str, *, api_key: str | None, timeout: float
    ) -> None:
        self._http = http
        self._root = root_url
        self._timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx2.Response:
        with upstream_errors(self._root, self._timeout):
            return await resend_if_stale(
                lambda: self._http.request(
                    method,
                    self._root + path,
                    json=body,
                    headers=self._headers,
                    timeout=self._timeout,
                ),
                self._root,
            )

    async def _json(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any | None:
        response = await self._call(method, path, body)
        if response.status_code in (404, 405, 501):
            return None
        if response.is_error:
            raise from_status(response, self._root)
        with upstream_errors(self._root, self._timeout):
            return response.json()

    async def health_status(self) -> int:
        """HTTP status of ``/health``: 200 ready, 503 loading, 404 not llama.cpp."""
        return (await self._call("GET", "/health")).status_code

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
