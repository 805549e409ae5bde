"""What the game routes need from the running process, and the one place that builds it.

:func:`open_games` is entered by the lifespan after the database and the LLM stack; routes
read the result through the ``Games`` dependency (``app.games.deps``). With no broker
configured (``MQTT_BROKER_URL`` unset) ``bridge`` and ``handler`` are ``None``: the monitor
still opens and stays quiet, and publishing answers 503.

The bridge runs as a task of its own and reconnects by itself, so the portal starts (and
serves HTTP) while the broker is down; its status route says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import AuthCache
from app.config import Settings
from app.games.owners import PortalOwners
from app.games.service import ResultStore
from app.llm.sessions import SessionManager
from app.mqtt.bridge import Bridge
from app.mqtt.handler import GameHandler
from app.mqtt.monitor import MonitorHub
from app.mqtt.projects import ProjectPrompts, PromptSource
from app.mqtt.settings import MqttSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GamesRuntime:
    """The bridge and its handler (``None`` without a broker), the monitor, the settings."""

    bridge: Bridge | None
    handler: GameHandler | None
    hub: MonitorHub
    settings: MqttSettings


@contextlib.asynccontextmanager
async def open_games(
    settings: Settings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    auth_cache: AuthCache,
    sessions: SessionManager,
    prompts: PromptSource | None = None,
) -> AsyncIterator[GamesRuntime]:
    """Start the bridge when a broker is configured; on exit end monitor streams and stop it
    (it announces ``offline`` on the way out)."""
    mqtt = settings.mqtt
    hub = MonitorHub()
    if not mqtt.broker_url:
        logger.info("MQTT bridge off: MQTT_BROKER_URL is not set")
        try:
            yield GamesRuntime(bridge=None, handler=None, hub=hub, settings=mqtt)
        finally:
            hub.close()
        return
    handler = GameHandler(
        sessions=sessions,
        prompts=prompts or ProjectPrompts(mqtt.projects),
        owners=PortalOwners(sessionmaker, auth_cache, settings),
        settings=mqtt,
        results=ResultStore(sessionmaker),
        events=hub,
    )
    bridge = Bridge(handler, mqtt)
    task = asyncio.create_task(bridge.run(), name="mqtt-bridge")
    task.add_done_callback(_report_end)
    try:
        yield GamesRuntime(bridge=bridge, handler=handler, hub=hub, settings=mqtt)
    finally:
        hub.close()
        task.cancel()
        await asyncio.wait({task})  # its failure, if any, was logged by _report_end


def _report_end(task: asyncio.Task[None]) -> None:
    """A bridge that stops by itself leaves games unanswered: say why, once, loudly."""
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("MQTT bridge stopped: %s", error, exc_info=error)
