"""What the upstream server told about itself, found once and shared by every request.

The first call that needs a fact probes the server: llama.cpp's ``/props`` (and ``/slots``
when it does not give the slot context), and ``/v1/models`` when no model is configured.
Concurrent first calls wait for that one probe under a lock rather than each sending their
own. Which endpoints the server lacks (``/v1/completions``, ``/tokenize``) is learnt the same
way, on first use.

The facts hold until the server becomes unreachable: every call to it runs inside
:meth:`ServerFacts.watch`, which forgets them then, so a server restarted with another model
or more slots is probed afresh by the next call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import LLMError, LLMUnavailable
from .llamacpp import LlamaCppEndpoints, total_slots_of
from .settings import LLMSettings
from .transport import EndpointMissing, Upstream
from .upstream_errors import upstream_errors

logger = logging.getLogger(__name__)
MODELS_PATH = "/v1/models"


@dataclass(frozen=True)
class ServerInfo:
    """What the server told about itself; forgotten when it becomes unreachable."""

    model: str
    llama_cpp: bool
    slot_context: int | None
    total_slots: int | None


def portal_model(model_id: str) -> dict[str, Any]:
    """The ``/v1/models`` entry standing in for a server that lists none."""
    return {"id": model_id, "object": "model", "owned_by": "portal", "created": 0}


class ServerFacts:
    """The cached facts of one server, and the watch over each call that keeps them true.

    ``completions_missing`` and ``tokenizer_missing`` are set by the client when the server
    answered 404 there, so it falls back at once next time instead of asking again.
    """

    def __init__(self, settings: LLMSettings, upstream: Upstream, llama: LlamaCppEndpoints) -> None:
        self._settings = settings
        self._upstream = upstream
        self._llama = llama
        self._info: ServerInfo | None = None
        self._listed: list[dict[str, Any]] | None = None
        self._probe_lock = asyncio.Lock()
        self.completions_missing = False
        self.tokenizer_missing = False

    @contextlib.contextmanager
    def watch(self, log_level: int = logging.WARNING) -> Iterator[None]:
        """One call to the server. Failures become library errors, logged here once with
        their operator text (the user's text is the message); an unreachable server's facts
        are forgotten."""
        try:
            with upstream_errors(self._upstream.root, self._settings.timeout):
                yield
        except LLMError as exc:
            logger.log(log_level, "%s", exc.log_message)
            if isinstance(exc, LLMUnavailable):
                self.forget()
            raise

    def forget(self) -> None:
        """Drop every fact, as after an outage: the next call probes the server afresh."""
        self._info = None
        self._listed = None
        self.completions_missing = False
        self.tokenizer_missing = False

    async def info(self) -> ServerInfo:
        """The server's facts, probed by the first caller while the others wait."""
        info = self._info
        if info is not None:
            return info
        async with self._probe_lock:
            if self._info is None:
                self._info = await self._probe()
            return self._info

    async def models(self) -> list[dict[str, Any]]:
        """The server's ``/v1/models`` entries as it sent them (copies); a server without
        that list gets one entry for the model the portal uses."""
        info = await self.info()
        listed = await self._server_models()
        return [dict(entry) for entry in listed] or [portal_model(info.model)]

    async def model_for(self, requested: object) -> str:
        """The model a raw request goes to: the one the caller named when the server lists
        it, else the one the portal uses (the stand-in entry of a server without a list)."""
        info = await self.info()
        if not isinstance(requested, str) or requested == info.model:
            return info.model
        listed = await self._server_models()
        return requested if any(entry["id"] == requested for entry in listed) else info.model

    async def _server_models(self) -> list[dict[str, Any]]:
        """The server's own ``/v1/models`` entries, cached; none when it has no list."""
        if self._listed is None:
            with self.watch():
                self._listed = await self._list_models()
        return self._listed

    async def _probe(self) -> ServerInfo:
        with self.watch():
            props = await self._llama.props()
            slot_context = await self._llama.slot_context(props) if props is not None else None
            model = self._settings.model
            if model is None:
                self._listed = await self._list_models()
                model = str(self._listed[0]["id"]) if self._listed else "default"
        return ServerInfo(model, props is not None, slot_context, total_slots_of(props))

    async def _list_models(self) -> list[dict[str, Any]]:
        """The server's ``/v1/models`` entries; none when it has no such endpoint."""
        try:
            page = await self._upstream.json(
                "GET", MODELS_PATH, budget=self._settings.timeout, missing=(404,)
            )
        except EndpointMissing:
            return []
        data = page.get("data") if isinstance(page, dict) else None
        if not isinstance(data, list):
            raise ValueError(f"{MODELS_PATH} sent no model list")
        return [entry for entry in data if isinstance(entry, dict) and "id" in entry]
