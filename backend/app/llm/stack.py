"""One builder for the LLM stack every edge uses: client, concurrency gate, session manager.

The web app's lifespan, the MQTT bridge inside it and ``llamacpp_mqtt_deploy.py`` all open
the stack here, so the wiring (the gate sized from the upstream's parallel slots, and kept
equal to them while the server restarts with other settings) exists once.

The process also keeps the stack's manager reachable through :func:`get_session_manager`
for the documented one-call API (``get_session_manager().process_message(...)``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from .client import LLMClient
from .errors import LLMError
from .limits import ConcurrencyGate, upstream_capacity
from .sessions import SessionManager
from .settings import LLMSettings
from .store import MemoryStore, SessionLocks, SessionStore

logger = logging.getLogger(__name__)

LOCAL_LLM_URL = "http://127.0.0.1:8080"
"""Where `make llm` serves when `LLM_SERVER_URL` is unset."""
CAPACITY_CHECK_SECONDS = 30.0


@dataclass(frozen=True)
class LLMStack:
    """What request code needs from the LLM side, in one typed container."""

    client: LLMClient
    gate: ConcurrencyGate
    sessions: SessionManager
    settings: LLMSettings


@contextlib.asynccontextmanager
async def open_llm(
    settings: LLMSettings,
    store: SessionStore | None = None,
    locks: SessionLocks | None = None,
) -> AsyncIterator[LLMStack]:
    """Build the stack, install its manager as the process's, and close it all on exit.

    ``store`` defaults to a :class:`MemoryStore` (the deploy script: no database).
    """
    client = LLMClient(settings, base_url=settings.server_url or LOCAL_LLM_URL)
    async with contextlib.AsyncExitStack() as exits:
        exits.push_async_callback(client.aclose)
        capacity, source = await upstream_capacity(settings, client)
        gate = ConcurrencyGate.from_settings(settings, capacity)
        reserved = ", ".join(f"{name}={lane.reserved}" for name, lane in gate.stats().lanes.items())
        logger.info("LLM gate: %d slots (%s); reserved per lane: %s", capacity, source, reserved)
        manager = SessionManager(
            client, store or MemoryStore(), settings=settings, locks=locks, gate=gate
        )
        set_session_manager(manager)
        exits.callback(set_session_manager, None)
        if settings.max_concurrency is None:
            follower = asyncio.create_task(_follow_upstream_capacity(gate, settings, client))
            exits.push_async_callback(_cancel, follower)
        health = await client.health()
        logger.info(
            "LLM at %s: %s (%s)", client.server_url, health.status, health.model or health.detail
        )
        yield LLMStack(client=client, gate=gate, sessions=manager, settings=settings)


async def _follow_upstream_capacity(
    gate: ConcurrencyGate, settings: LLMSettings, client: LLMClient
) -> None:
    """Keep the cap equal to the server's parallel slots: a server that was down at start-up,
    or restarted with another `--parallel`, is followed without restarting the process."""
    while True:
        await asyncio.sleep(CAPACITY_CHECK_SECONDS)
        try:
            capacity, source = await upstream_capacity(settings, client)
        except LLMError:
            continue  # unreachable now; the next check asks again
        if capacity != gate.capacity:
            logger.info("LLM gate: %d → %d slots (%s)", gate.capacity, capacity, source)
            gate.set_capacity(capacity)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


_manager: SessionManager | None = None


def set_session_manager(manager: SessionManager | None) -> None:
    """Install (or with ``None`` remove) the process's manager; :func:`open_llm` calls this."""
    global _manager  # the one process-wide instance, by design
    _manager = manager


def get_session_manager() -> SessionManager:
    """The process's manager, as installed by :func:`open_llm`."""
    if _manager is None:
        raise RuntimeError(
            "No SessionManager is set for this process — open the LLM stack with "
            "app.llm.open_llm() (the app lifespan and the deploy script do) or call "
            "app.llm.set_session_manager()"
        )
    return _manager
