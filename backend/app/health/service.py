"""Is the process able to serve: can it reach its database?"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.health.schemas import HealthRead

logger = logging.getLogger(__name__)
VERSION = "0.1.0"
PROBE_INTERVAL_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 3.0


class DatabaseWatch:
    """Whether the database answered its last probe, probed once a second by one task.

    `/api/health` is public and polled by load balancers and monitors: answering from the last
    probe keeps those polls off the database (a flood of them cannot load it) and keeps the
    answer as quick as the event loop while the workers are busy. The probe has a connection
    of its own, so a full request pool is not mistaken for an outage; a probe that hangs counts
    as a failure after `timeout` seconds, so the report is never older than interval + timeout.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        interval: float = PROBE_INTERVAL_SECONDS,
        timeout: float = PROBE_TIMEOUT_SECONDS,
    ) -> None:
        self._engine = engine
        self._interval = interval
        self._timeout = timeout
        self._reachable: bool | None = None  # None: not probed yet
        self.probes = 0

    async def probe(self) -> bool:
        """Ask the database once, record and return whether it answered."""
        self.probes += 1
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            # SQLAlchemy wraps the drivers' errors and a hang ends in TimeoutError (an OSError);
            # anything else a driver raises must neither end the probing nor leave an old "ok"
            # standing, so it counts as a failure too, logged with its traceback.
            if self._reachable is not False:  # once per outage, not once a second
                expected = isinstance(exc, SQLAlchemyError | OSError)
                logger.warning("database health check failed: %r", exc, exc_info=not expected)
            self._reachable = False
            return False
        if self._reachable is False:
            logger.info("database health check passes again")
        self._reachable = True
        return True

    def report(self) -> HealthRead:
        if self._reachable:
            return HealthRead(status="ok", database="ok", version=VERSION)
        return HealthRead(status="degraded", database="unavailable", version=VERSION)

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.probe()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["DatabaseWatch"]:
        """Probe once before serving (the first report is a real one), then in the background."""
        await self.probe()
        task = asyncio.create_task(self._probe_forever(), name="database-health-probe")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
