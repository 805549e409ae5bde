"""The bridge's work queue: bounded, ordered per key, deduplicated, expiring.

Game requests arrive faster and in bursts that the LLM cannot absorb, and players expect
their own messages answered in the order they sent them. The dispatcher guarantees:

- **Bounded:** at most ``queue_size`` jobs wait; one more is refused (``FULL``), never
  buffered without limit.
- **Ordered per key:** jobs with the same key (one player's session) run one at a time, in
  arrival order; different keys run in parallel on ``workers`` tasks, taking turns so one
  busy session cannot starve the others.
- **Once:** a job whose dedup key was seen in the last ``dedup_seconds`` (queued, running
  or done) is refused as ``DUPLICATE``: a QoS 1 redelivery is answered once.
- **Not late:** a job whose deadline passed while it waited is dropped when its turn comes,
  with a log line, instead of being answered late.
- **Robust:** a job that raises is logged and counted; the workers carry on.
- **Stoppable:** a cancelled worker stops after its job even if the job swallowed the
  cancellation (see :func:`raise_if_cancelled`).

It knows nothing of MQTT: the bridge hands it coroutines to run.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cachetools import TTLCache

logger = logging.getLogger(__name__)


class Admission(enum.Enum):
    """What :meth:`Dispatcher.submit` did with a job."""

    QUEUED = "queued"
    DUPLICATE = "duplicate"
    FULL = "full"


def raise_if_cancelled() -> None:
    """Raise :class:`asyncio.CancelledError` if the current task was asked to stop.

    A cancellation can be swallowed below us: Python 3.11's ``asyncio.wait_for`` (which
    aiomqtt waits for every CONNACK, SUBACK and PUBACK with) returns the result instead of
    raising when the cancel lands just as the awaited reply arrives (python/cpython#86296).
    The task still counts the request (:meth:`asyncio.Task.cancelling`), so a loop that
    checks here after such a step stops instead of carrying on with its next wait, which
    nothing would ever cancel again.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


@dataclass(frozen=True)
class Work:
    """One job to run: ``run`` is called once, when the job's turn for ``key`` comes."""

    key: str
    run: Callable[[], Awaitable[None]]
    label: str
    expires_at: float | None = None
    dedup_key: str | None = None


@dataclass
class DispatchStats:
    """Counters since start; ``queued`` is the number waiting now."""

    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    duplicates: int = 0
    dropped: int = 0
    expired: int = 0


@dataclass
class Dispatcher:
    """See the module docstring; :meth:`run` drives the workers until cancelled."""

    queue_size: int
    workers: int
    dedup_size: int
    dedup_seconds: float
    clock: Callable[[], float] = time.time
    stats: DispatchStats = field(default_factory=DispatchStats)

    def __post_init__(self) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(self.dedup_size, self.dedup_seconds)
        self._chains: dict[str, deque[Work]] = {}
        # Keys with work waiting and no worker on them; each key is in here at most once,
        # which is what keeps one key's jobs from running on two workers at a time.
        self._ready: asyncio.Queue[str] = asyncio.Queue()

    def submit(self, work: Work) -> Admission:
        """Queue ``work`` unless it is a duplicate or the queue is full (both counted)."""
        if work.dedup_key is not None and work.dedup_key in self._seen:
            self.stats.duplicates += 1
            logger.info("Dropped %s: duplicate of %s", work.label, work.dedup_key)
            return Admission.DUPLICATE
        if self.stats.queued >= self.queue_size:
            self.stats.dropped += 1
            logger.warning(
                "Dropped %s: %d requests already waiting (MQTT_QUEUE_SIZE)",
                work.label,
                self.stats.queued,
            )
            return Admission.FULL
        if work.dedup_key is not None:
            self._seen[work.dedup_key] = True
        chain = self._chains.get(work.key)
        if chain is None:
            self._chains[work.key] = deque([work])
            self._ready.put_nowait(work.key)
        else:
            chain.append(work)
        self.stats.queued += 1
        return Admission.QUEUED

    async def run(self) -> None:
        """Run the workers until cancelled (a job running then is cancelled too)."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self.workers):
                group.create_task(self._worker())

    async def _worker(self) -> None:
        while True:
            raise_if_cancelled()  # the last job may have swallowed a stop meant for us
            key = await self._ready.get()
            chain = self._chains[key]
            work = chain.popleft()
            self.stats.queued -= 1
            try:
                await self._execute(work)
            finally:
                if chain:
                    # Back of the line: other sessions' jobs get their turn first.
                    self._ready.put_nowait(key)
                else:
                    del self._chains[key]

    async def _execute(self, work: Work) -> None:
        if work.expires_at is not None and work.expires_at < self.clock():
            self.stats.expired += 1
            late = self.clock() - work.expires_at
            logger.info("Dropped %s: expired %.1f s before its turn", work.label, late)
            return
        self.stats.running += 1
        try:
            await work.run()
        except Exception:
            self.stats.failed += 1
            logger.exception("Handling %s failed", work.label)
        else:
            self.stats.done += 1
        finally:
            self.stats.running -= 1
