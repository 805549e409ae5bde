"""The concurrency gate in front of the upstream server: global cap, lanes, per-owner cap.

Every upstream call (chat turns and TAB completions alike) passes through one
:class:`ConcurrencyGate`, so the server never sees more than ``max_concurrency`` requests
from this process and a burst waits in a bounded queue instead of piling up.

Lanes. Completion (ghost text) is short and latency-critical; chat can run for minutes.
Each lane has a *reservation*: ``completion_share`` of the cap for completion, the rest
for chat. A lane may borrow the other's idle capacity, but:

- it never takes the other lane's last free slot (a *headroom* of one), so the other lane's
  next request starts at once even when one lane is flooding;
- a newcomer never overtakes a waiter of the other lane; and
- when a slot frees, waiters of a lane below its reservation are served first, so a lane
  that borrowed gives capacity back as its requests finish.

So neither lane can starve the other: at worst a request waits for one borrowed request
to finish. With ``max_concurrency == 1`` there is nothing to reserve and the gate is FIFO.

Limits are answered at once rather than by waiting: an owner over ``per_user`` gets
:class:`LLMUserLimit`, a full queue or a wait past ``queue_timeout`` gets :class:`LLMBusy`;
both carry a ``retry_after`` hint from the recent average request duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from .errors import LLMBusy, LLMUserLimit

Lane = Literal["chat", "completion"]
LANES: tuple[Lane, Lane] = ("chat", "completion")
_HOLD_SMOOTHING = 0.2


@dataclass(eq=False)
class _Waiter:
    lane: Lane
    order: int
    future: asyncio.Future[None]


@dataclass(frozen=True)
class GateStats:
    """A snapshot for metrics: slots in use and requests waiting, per lane."""

    in_use: dict[Lane, int]
    waiting: dict[Lane, int]
    reserved: dict[Lane, int]


def _other(lane: Lane) -> Lane:
    return "completion" if lane == "chat" else "chat"


class ConcurrencyGate:
    """Admission control for upstream calls; use ``async with gate.acquire(lane, owner)``."""

    def __init__(
        self,
        max_concurrency: int,
        max_queue: int,
        queue_timeout: float,
        completion_share: float = 0.5,
        per_user: int | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self._capacity = max_concurrency
        self._max_queue = max_queue
        self._queue_timeout = queue_timeout
        self._per_user = per_user
        completion = 0
        if max_concurrency >= 2:
            completion = min(max_concurrency - 1, max(1, round(max_concurrency * completion_share)))
        chat = max_concurrency - completion if completion else 0
        self._reserved: dict[Lane, int] = {"chat": chat, "completion": completion}
        self._ceiling: dict[Lane, int] = {
            lane: max_concurrency - min(1, self._reserved[_other(lane)]) for lane in LANES
        }
        self._in_use: dict[Lane, int] = dict.fromkeys(LANES, 0)
        self._waiters: dict[Lane, deque[_Waiter]] = {lane: deque() for lane in LANES}
        self._owners: dict[str, int] = {}
        self._order = itertools.count()
        self._average_hold = 1.0

    def stats(self) -> GateStats:
        return GateStats(
            in_use=dict(self._in_use),
            waiting={lane: len(queue) for lane, queue in self._waiters.items()},
            reserved=dict(self._reserved),
        )

    @contextlib.asynccontextmanager
    async def acquire(self, lane: Lane, owner: str) -> AsyncIterator[None]:
        """Hold one upstream slot of ``lane`` for ``owner`` for the duration of the block."""
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
            self._in_use[lane] -= 1
            self._dispatch()

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
        count = self._owners.get(owner, 1) - 1
        if count > 0:
            self._owners[owner] = count
        else:
            self._owners.pop(owner, None)

    # --- slots --------------------------------------------------------------------------

    def _total(self) -> int:
        return sum(self._in_use.values())

    def _queued(self) -> int:
        return sum(len(queue) for queue in self._waiters.values())

    def _can_start_now(self, lane: Lane) -> bool:
        if self._waiters[lane] or self._total() >= self._capacity:
            return False
        if self._in_use[lane] < self._reserved[lane]:
            return True
        return self._in_use[lane] < self._ceiling[lane] and not self._waiters[_other(lane)]

    async def _take_slot(self, lane: Lane) -> None:
        if self._can_start_now(lane):
            self._in_use[lane] += 1
            return
        if self._queued() >= self._max_queue:
            raise self._busy("the wait queue is full")
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
        """Forget a waiter that gave up; if it was granted a slot meanwhile, free it."""
        if waiter.future.done() and not waiter.future.cancelled():
            self._in_use[waiter.lane] -= 1
            self._dispatch()
        else:
            with contextlib.suppress(ValueError):
                self._waiters[waiter.lane].remove(waiter)

    def _next_waiter(self) -> _Waiter | None:
        if self._total() >= self._capacity:
            return None
        heads = [queue[0] for queue in self._waiters.values() if queue]
        below = [w for w in heads if self._in_use[w.lane] < self._reserved[w.lane]]
        eligible = below or [w for w in heads if self._in_use[w.lane] < self._ceiling[w.lane]]
        return min(eligible, key=lambda w: w.order) if eligible else None

    def _dispatch(self) -> None:
        while (waiter := self._next_waiter()) is not None:
            self._waiters[waiter.lane].popleft()
            self._in_use[waiter.lane] += 1
            waiter.future.set_result(None)

    def _note_hold(self, seconds: float) -> None:
        self._average_hold += _HOLD_SMOOTHING * (seconds - self._average_hold)

    def _busy(self, reason: str) -> LLMBusy:
        waiting = self._queued()
        retry_after = self._average_hold * (waiting + 1) / self._capacity
        return LLMBusy(
            f"The LLM is at capacity ({self._total()} running, {waiting} waiting): {reason} "
            "— try again shortly",
            retry_after=round(min(60.0, max(1.0, retry_after)), 1),
        )
