"""Whether the upstream server can answer now, as the health route and pages show it.

A check never raises, so a health route can always answer. It has three outcomes:

- ``ok``: the server is ready (llama.cpp's ``/health`` says 200; a server without that
  endpoint answers ``/v1/models``);
- ``degraded``: it answers but cannot serve yet (a model still loading, another status), or
  its facts (model, slot context) could not be read;
- ``unavailable``: it refuses the connection, or does not answer within
  ``LLM_HEALTH_TIMEOUT``.

Pages poll this, so an outage seen here is logged at INFO; real requests log it at WARNING.
"""

from __future__ import annotations

import asyncio
import logging
import time

from .errors import LLMError
from .llamacpp import LlamaCppEndpoints
from .results import HealthReport, HealthStatus
from .server_facts import MODELS_PATH, ServerFacts, ServerInfo
from .settings import LLMSettings
from .transport import Upstream


class HealthCheck:
    """Probes one server's readiness and reports it with the facts the portal uses."""

    def __init__(
        self,
        settings: LLMSettings,
        upstream: Upstream,
        llama: LlamaCppEndpoints,
        facts: ServerFacts,
    ) -> None:
        self._settings = settings
        self._upstream = upstream
        self._llama = llama
        self._facts = facts

    async def report(self) -> HealthReport:
        """Probe the server's readiness, then its facts, each within the health timeout."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._settings.health_timeout):
                status, detail = await self._status()
        except (LLMError, TimeoutError) as exc:
            return self._report("unavailable", started, None, self._failure(exc))
        latency = time.perf_counter() - started
        try:
            async with asyncio.timeout(self._settings.health_timeout):
                info = await self._facts.info()
        except (LLMError, TimeoutError) as exc:
            return self._report("degraded", started, None, self._failure(exc), latency)
        return self._report(status, started, info, detail, latency)

    def _failure(self, exc: LLMError | TimeoutError) -> str:
        """What a health report tells users about a probe that failed."""
        if isinstance(exc, LLMError):
            return exc.message
        return f"The model did not answer within {self._settings.health_timeout:g} s"

    async def _status(self) -> tuple[HealthStatus, str | None]:
        with self._facts.watch(logging.INFO):
            code = await self._llama.health_status()
            if code == 404:
                await self._upstream.json("GET", MODELS_PATH, budget=self._settings.timeout)
                return "ok", None
        if code == 200:
            return "ok", None
        if code == 503:
            return "degraded", "The model is still loading — try again in a minute"
        return "degraded", f"The model reports a problem (HTTP {code}) — try again in a minute"

    def _report(
        self,
        status: HealthStatus,
        started: float,
        info: ServerInfo | None,
        detail: str | None,
        latency: float | None = None,
    ) -> HealthReport:
        elapsed = latency if latency is not None else time.perf_counter() - started
        return HealthReport(
            status=status,
            server_url=self._upstream.root,
            model=info.model if info else self._settings.model,
            latency_ms=round(elapsed * 1000, 2),
            slot_context=(info.slot_context or self._settings.slot_context_fallback)
            if info
            else None,
            detail=detail,
        )
