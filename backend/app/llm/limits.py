"""The concurrency gate: the one place that admits work to the upstream server.

Problem. The upstream runs a fixed number of requests in parallel (llama.cpp's slots); more
only queue again inside it, invisibly. Traffic comes in *lanes* with different needs: TAB
completion is short and latency-critical, chat runs for minutes, games send bursts. One
flooding lane must not lock the others out, a burst must wait in a bounded queue instead of
piling up, and clients that hang up or time out while waiting must give back everything they
held: a slot lost once is lost for the life of the process.

Guarantees, for any number of lanes (configured by name with a relative share):

- **Cap.** At most ``capacity`` slots are in use. :meth:`ConcurrencyGate.set_capacity`
  resizes at run time; after a shrink no slot is granted until use falls below the new cap.
- **Reservation.** Each lane reserves its share of the cap (at least one slot; shares are
  split by largest remainder and add up to the cap). A request within its lane's reservation
  starts whenever a slot is free. A lane may borrow idle capacity of the others, but a
  borrowing grant never takes the last free slot while another reserved lane has nothing
  running, so the next request of an idle lane starts at once however hard the others flood
  (one headroom slot, not one per idle lane: with 4 slots and three lanes, chat alone still
  runs 3 at once instead of 2).
- **Give-back.** When a slot frees, waiters of lanes below their reservation are served
  first (oldest first), so a lane that borrowed returns capacity as its requests finish. At
  worst a lane's request within its reservation waits for one borrowed request to end.
- **Order.** Each lane is FIFO, and a newcomer that would borrow never overtakes a waiter of
  another lane. With a cap below two or below the number of lanes there is nothing to
  reserve and the gate is FIFO across lanes.
- **Exact counts.** Whatever the interleaving of grant, cancellation and timeout, each slot
  and each owner count is given back exactly once: a waiter is granted only while its future
  is pending (one cancelled in the same loop iteration is skipped), and a waiter cancelled or
  timed out after its grant returns the slot itself.

Limits are answered at once rather than by waiting: an owner over ``per_user`` gets
:class:`LLMUserLimit`, a full lane queue (``max_queue`` per lane) or a wait past
``queue_timeout`` gets :class:`LLMBusy`; both carry a ``retry_after`` hint from the recent
average request duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .errors import LLMBusy, LLMUserLimit

if TYPE_CHECKING:
    from .settings import LLMSettings

Lane = str
"""A lane's name, one of the gate's configured lanes."""

DEFAULT_LANES: Mapping[Lane, float] = {"chat": 0.4, "completion": 0.3, "game": 0.3}
"""Lanes and relative shares when none are configured."""

_HOLD_SMOOTHING = 0.2


@dataclass(frozen=True)
class LaneStats:
    """One lane's slots in use, requests waiting, and reserved share of the cap."""

    in_use: int
    waiting: int
    reserved: int


@dataclass(frozen=True)
class GateStats:
    """A snapshot for health and metrics."""

    capacity: int
    lanes: dict[Lane, LaneStats]
    owners: int
    """Owners with a request running or waiting."""

    @property
    def in_use(self) -> int:
        return sum(lane.in_use for lane in self.lanes.values())

    @property
    def waiting(self) -> int:
        return sum(lane.waiting for lane in self.lanes.values())


@dataclass(eq=False)
class _Waiter:
    lane: Lane
    order: int
    future: asyncio.Future[None]
    granted: bool = False


def reserve(capacity: int, shares: Mapping[Lane, float]) -> dict[Lane, int]:
    """Split ``capacity`` into per-lane reservations by share: at least one each, summing to
    the cap; none at all when the cap is below two or below the number of lanes."""
    if capacity < 2 or capacity < len(shares):
        return dict.fromkeys(shares, 0)
    total = sum(shares.values())
    targets = {lane: capacity * share / total for lane, share in shares.items()}
    reserved = {lane: max(1, math.floor(target)) for lane, target in targets.items()}
    while sum(reserved.values()) > capacity:
        shrinkable = [lane for lane in reserved if reserved[lane] > 1]
        reserved[max(shrinkable, key=lambda lane: reserved[lane] - targets[lane])] -= 1
    while sum(reserved.values()) < capacity:
        reserved[max(reserved, key=lambda lane: targets[lane] - reserved[lane])] += 1
    return reserved


class SlotReporter(Protocol):
    """What the gate asks the upstream: its parallel slots (llama.cpp ``total_slots``)."""

    async def total_slots(self) -> int | None: ...


async def upstream_capacity(settings: LLMSettings, upstream: SlotReporter) -> tuple[int, str]:
    """The cap to use and where it came from: ``LLM_MAX_CONCURRENCY`` when set, else the
    server's parallel slots (so admitted work is not queued again inside the server), else
    ``LLM_CONCURRENCY_FALLBACK``."""
    if settings.max_concurrency is not None:
        return settings.max_concurrency, "LLM_MAX_CONCURRENCY"
    if slots := await upstream.total_slots():
        return slots, "the LLM server's parallel slots"
    return settings.concurrency_fallback, (
        "LLM_CONCURRENCY_FALLBACK; the server reports no parallel slots: "
        "set LLM_MAX_CONCURRENCY to the requests it runs at once"
    )


class ConcurrencyGate:
    """Admission control for upstream calls; use ``async with gate.acquire(lane, owner)``."""

    def __init__(
        self,
        max_concurrency: int,
        max_queue: int,
        queue_timeout: float,
        *,
        lanes: Mapping[Lane, float] = DEFAULT_LANES,
        per_user: int | None = None,
    ) -> None:
        if not lanes or any(share <= 0 for share in lanes.values()):
            raise ValueError("the gate needs at least one lane, each with a share above 0")
        if max_queue < 0:
            raise ValueError("max_queue must be 0 or more")
        self._shares = dict(lanes)
        self._max_queue = max_queue
        self._queue_timeout = queue_timeout
        self._per_user = per_user
        self._in_use: dict[Lane, int] = dict.fromkeys(lanes, 0)
        self._waiters: dict[Lane, deque[_Waiter]] = {lane: deque() for lane in lanes}
        self._owners: dict[str, int] = {}
        self._order = itertools.count()
        self._average_hold = 1.0
        self._capacity = 0
        self._reserved: dict[Lane, int] = {}
        self.set_capacity(max_concurrency)

    @classmethod
    def from_settings(cls, settings: LLMSettings, capacity: int) -> ConcurrencyGate:
        """The gate ``LLM_*`` settings describe, with ``capacity`` slots."""
        return cls(
            capacity,
            settings.max_queue,
            settings.queue_timeout,
            lanes=settings.lanes,
            per_user=settings.per_user_concurrency,
        )

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def lanes(self) -> tuple[Lane, ...]:
        return tuple(self._shares)

    def set_capacity(self, capacity: int) -> None:
        """Resize the cap (e.g. to the upstream's parallel slots) and re-split reservations."""
        if capacity < 1:
            raise ValueError("the gate's capacity must be at least 1")
        self._capacity = capacity
        self._reserved = reserve(capacity, self._shares)
        self._dispatch()

    def stats(self) -> GateStats:
        lanes = {
            lane: LaneStats(self._in_use[lane], self._waiting(lane), self._reserved[lane])
            for lane in self._shares
        }
        return GateStats(capacity=self._capacity, lanes=lanes, owners=len(self._owners))

    @contextlib.asynccontextmanager
    async def acquire(self, lane: Lane, owner: str) -> AsyncIterator[None]:
        """Hold one upstream slot of ``lane`` for ``owner`` for the duration of the block."""
        if lane not in self._shares:
            raise ValueError(f"unknown gate lane {lane!r}; configured: {', '.join(self._shares)}")
        self._admit_owner(owner)
        try:
            await self._take_slot(lane)
        except BaseException:
            self._release_owner(owner)
            raise
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            yield
        finally:
            self._note_hold(loop.time() - started)
            self._release_owner(owner)
            self._give_back(lane)

    # --- owners -------------------------------------------------------------------------

    def _admit_owner(self, owner: str) -> None:
        count = self._owners.get(owner, 0)
        if self._per_user is not None and count >= self._per_user:
            raise LLMUserLimit(
                f"You already have {count} LLM requests running — wait for one to finish",
                retry_after=round(max(1.0, self._average_hold), 1),
            )
        self._owners[owner] = count + 1

    def _release_owner(self, owner: str) -> None:
        count = self._owners[owner] - 1
        if count:
            self._owners[owner] = count
        else:
            del self._owners[owner]

    # --- admission rule -----------------------------------------------------------------

    def _total(self) -> int:
        return sum(self._in_use.values())

    def _waiting(self, lane: Lane) -> int:
        """Live waiters; a cancelled one may sit in the queue until its task runs again."""
        return sum(not waiter.future.done() for waiter in self._waiters[lane])

    def _idle_reserved(self, lane: Lane) -> bool:
        return self._reserved[lane] > 0 and self._in_use[lane] == 0

    def _fits(self, lane: Lane) -> bool:
        """One more slot for ``lane`` stays under the cap, and a borrowing grant leaves the
        last free slot alone while another lane with a reservation has nothing running."""
        free = self._capacity - self._total()
        if free <= 0:
            return False
        if not self._borrowing(lane):
            return True
        others_idle = any(self._idle_reserved(other) for other in self._shares if other != lane)
        return free - 1 >= (1 if others_idle else 0)

    def _borrowing(self, lane: Lane) -> bool:
        return self._in_use[lane] >= self._reserved[lane]

    def _may_start_now(self, lane: Lane) -> bool:
        if self._waiting(lane) or not self._fits(lane):
            return False
        others_wait = any(self._waiting(other) for other in self._shares if other != lane)
        return not (self._borrowing(lane) and others_wait)

    # --- slots --------------------------------------------------------------------------

    async def _take_slot(self, lane: Lane) -> None:
        if self._may_start_now(lane):
            self._in_use[lane] += 1
            return
        if self._waiting(lane) >= self._max_queue:
            raise self._busy(f"the {lane} queue is full")
        waiter = _Waiter(lane, next(self._order), asyncio.get_running_loop().create_future())
        self._waiters[lane].append(waiter)
        try:
            async with asyncio.timeout(self._queue_timeout):
                await waiter.future
        except BaseException as exc:
            self._abandon(waiter)
            if isinstance(exc, TimeoutError):
                raise self._busy(f"no slot freed within {self._queue_timeout:g} s") from None
            raise

    def _abandon(self, waiter: _Waiter) -> None:
        """Forget a waiter that gave up; if it was granted a slot meanwhile, give it back."""
        if waiter.granted:
            self._give_back(waiter.lane)
            return
        with contextlib.suppress(ValueError):  # already dropped by _live_heads
            self._waiters[waiter.lane].remove(waiter)
        self._dispatch()  # it may have been the head that held its lane back

    def _give_back(self, lane: Lane) -> None:
        self._in_use[lane] -= 1
        self._dispatch()

    def _live_heads(self) -> list[_Waiter]:
        """The first pending waiter of each lane, dropping cancelled ones on the way."""
        heads = []
        for queue in self._waiters.values():
            while queue and queue[0].future.done():
                queue.popleft()
            if queue:
                heads.append(queue[0])
        return heads

    def _next_waiter(self) -> _Waiter | None:
        heads = [waiter for waiter in self._live_heads() if self._fits(waiter.lane)]
        below = [waiter for waiter in heads if not self._borrowing(waiter.lane)]
        candidates = below or heads
        return min(candidates, key=lambda waiter: waiter.order) if candidates else None

    def _dispatch(self) -> None:
        """Grant slots to waiters while any fits; only pending futures are ever granted."""
        while (waiter := self._next_waiter()) is not None:
            self._waiters[waiter.lane].popleft()
            waiter.granted = True
            self._in_use[waiter.lane] += 1
            waiter.future.set_result(None)

    def _note_hold(self, seconds: float) -> None:
        self._average_hold += _HOLD_SMOOTHING * (seconds - self._average_hold)

    def _busy(self, reason: str) -> LLMBusy:
        waiting = sum(self._waiting(lane) for lane in self._shares)
        retry_after = self._average_hold * (waiting + 1) / self._capacity
        return LLMBusy(
            f"The LLM is at capacity ({self._total()} running, {waiting} waiting): {reason} "
            "— try again shortly",
            retry_after=round(min(60.0, max(1.0, retry_after)), 1),
        )
