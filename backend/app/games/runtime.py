"""What the game routes need from the running process, and the one place that builds it.

:func:`open_games` is entered by the lifespan after the database and the LLM stack; routes
read the result through the ``Games`` dependency (``app.games.deps``). With no broker
configured (``MQTT_BROKER_URL`` unset) ``bridge`` and ``handler`` are ``None``: the monitor
still opens and stays quiet, and publishing answers 503.

The bridge runs as a task of its own and reconnects by itself, so the portal starts (and
serves HTTP) while the broker is down; its status route says so.

One bridge per host: several worker processes (``python -m app.server --workers 4``) would
each start a bridge with the same client id, and the broker would hand the session from one
to the next for ever (a new connection with a client id takes it over from the old one).
So a worker runs the bridge only while it holds an exclusive ``flock`` on a lock file named
after the broker and client id (:class:`BridgeElection`); the others serve the routes, say
that the bridge runs elsewhere, and try the lock again every few seconds: when the holder
dies the kernel drops its lock and one of them takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import AuthCache
from app.config import Settings
from app.games.owners import PortalOwners
from app.games.service import ResultStore
from app.games.templates import PortalTemplates
from app.llm.sessions import SessionManager
from app.mqtt.bridge import Bridge
from app.mqtt.handler import GameHandler
from app.mqtt.monitor import MonitorHub
from app.mqtt.projects import ProjectPrompts, PromptSource
from app.mqtt.settings import MqttSettings

if sys.platform != "win32":
    import fcntl

logger = logging.getLogger(__name__)

ELECTION_RETRY_SECONDS = 3.0
"""How often a worker without the bridge checks whether it should take it over."""
STOP_SECONDS = 10.0
"""How long shutdown waits for the cancelled bridge (it needs a few seconds at most)."""


def lock_path(settings: MqttSettings) -> Path:
    """The lock file of one bridge: per user, broker and client id, in the temp folder."""
    host, port = settings.host_port()
    name = f"{host}:{port}/{settings.client_id}".encode()
    user = os.getuid() if sys.platform != "win32" else 0
    digest = hashlib.sha256(name).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"prompt-portal-bridge-{user}-{digest}.lock"


class BridgeElection:
    """Runs ``bridge`` while this process holds the lock at ``path``; see the module docstring.

    The lock is tried with a non-blocking ``flock`` (never a wait on the event loop) and kept
    on an open file descriptor until the bridge stops or the process ends.
    """

    def __init__(self, bridge: Bridge, path: Path, retry_seconds: float) -> None:
        self._bridge = bridge
        self._path = path
        self._retry = retry_seconds
        self._fd: int | None = None
        self._holding = False

    @property
    def elsewhere(self) -> bool:
        """Another worker process holds the lock, so runs the bridge."""
        return not self._holding

    def try_lock(self) -> bool:
        """Take the lock if nobody holds it; whether this process holds it now."""
        if not self._holding:
            self._holding = self._flock()
        return self._holding

    async def run(self) -> None:
        """Wait for the lock, then run the bridge until cancelled; release the lock after."""
        try:
            await self._wait_for_lock()
            await self._bridge.run()
        finally:
            self._release()

    async def _wait_for_lock(self) -> None:
        if self.try_lock():
            return
        logger.info(
            "The MQTT bridge runs in another worker process; this one takes over if it stops"
        )
        while True:
            await asyncio.sleep(self._retry)  # polled: another process's unlock wakes nobody
            if self.try_lock():
                break
        logger.info("This worker process now runs the MQTT bridge")

    def _flock(self) -> bool:
        if sys.platform == "win32":  # no flock: one worker process per host there
            return True
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:  # no lock possible: serve rather than never answer games
            logger.warning("Cannot lock %s (%s); running the MQTT bridge anyway", self._path, error)
        return True

    def _release(self) -> None:
        fd, self._fd = self._fd, None
        self._holding = False
        if fd is not None:
            os.close(fd)  # closing the file drops the lock


@dataclass(frozen=True)
class GamesRuntime:
    """The bridge and its handler (``None`` without a broker), the monitor, the settings,
    and the election that decides whether this process runs the bridge."""

    bridge: Bridge | None
    handler: GameHandler | None
    hub: MonitorHub
    settings: MqttSettings
    election: BridgeElection | None = None

    @property
    def bridge_elsewhere(self) -> bool:
        """Another worker process of this portal runs the bridge; this one does not."""
        return self.election is not None and self.election.elsewhere


@contextlib.asynccontextmanager
async def open_games(
    settings: Settings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    auth_cache: AuthCache,
    sessions: SessionManager,
    prompts: PromptSource | None = None,
) -> AsyncIterator[GamesRuntime]:
    """Start the bridge when a broker is configured and no other worker runs it; on exit end
    monitor streams and stop it (it announces ``offline`` on the way out)."""
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
        templates=PortalTemplates(sessionmaker),
    )
    bridge = Bridge(handler, mqtt)
    election = BridgeElection(bridge, lock_path(mqtt), ELECTION_RETRY_SECONDS)
    election.try_lock()  # decided before the first request asks
    task = asyncio.create_task(election.run(), name="mqtt-bridge")
    task.add_done_callback(_report_end)
    try:
        yield GamesRuntime(
            bridge=bridge, handler=handler, hub=hub, settings=mqtt, election=election
        )
    finally:
        hub.close()
        task.cancel()
        # Its failure, if any, was logged by _report_end; one that ignores the cancel is a
        # bug, but must not hold up the rest of the shutdown.
        _, running = await asyncio.wait({task}, timeout=STOP_SECONDS)
        if running:
            logger.error("The MQTT bridge did not stop within %.0f s of shutdown", STOP_SECONDS)


def _report_end(task: asyncio.Task[None]) -> None:
    """A bridge that stops by itself leaves games unanswered: say why, once, loudly."""
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error("MQTT bridge stopped: %s", error, exc_info=error)
