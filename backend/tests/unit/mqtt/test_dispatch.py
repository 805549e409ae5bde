"""The bridge's work queue: order per key, parallel keys, once per dedup key, bounded, expiring."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from app.mqtt.dispatch import Admission, Dispatcher, Work

WAIT_S = 10


@contextlib.asynccontextmanager
async def running(dispatcher: Dispatcher) -> AsyncIterator[Dispatcher]:
    task = asyncio.create_task(dispatcher.run())
    try:
        yield dispatcher
    finally:
        task.cancel()
        await asyncio.wait([task])


def dispatcher(**overrides: float) -> Dispatcher:
    values: dict[str, float] = {
        "queue_size": 100,
        "workers": 4,
        "dedup_size": 100,
        "dedup_seconds": 60,
    }
    values.update(overrides)
    return Dispatcher(
        queue_size=int(values["queue_size"]),
        workers=int(values["workers"]),
        dedup_size=int(values["dedup_size"]),
        dedup_seconds=values["dedup_seconds"],
    )


def recorder(
    log: list[str], name: str, gate: asyncio.Event | None = None
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        log.append(f"start {name}")
        if gate is not None:
            await gate.wait()
        log.append(f"end {name}")

    return run


async def settle(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, "the dispatcher did not get there"
        await asyncio.sleep(0.01)


class TestOrder:
    async def test_one_keys_jobs_run_one_at_a_time_in_arrival_order(self) -> None:
        log: list[str] = []
        gate = asyncio.Event()
        async with running(dispatcher(workers=4)) as queue:
            queue.submit(Work("s1", recorder(log, "a", gate), "a"))
            queue.submit(Work("s1", recorder(log, "b"), "b"))
            queue.submit(Work("s1", recorder(log, "c"), "c"))
            await settle(lambda: "start a" in log)
            await asyncio.sleep(0.05)  # free workers stay off s1 while a runs
            assert log == ["start a"]
            gate.set()
            await settle(lambda: len(log) == 6)
        assert log == ["start a", "end a", "start b", "end b", "start c", "end c"]

    async def test_other_keys_run_while_one_key_waits(self) -> None:
        log: list[str] = []
        gate = asyncio.Event()
        async with running(dispatcher(workers=2)) as queue:
            queue.submit(Work("s1", recorder(log, "slow", gate), "slow"))
            queue.submit(Work("s2", recorder(log, "other"), "other"))
            await settle(lambda: "end other" in log)
            assert "end slow" not in log
            gate.set()
            await settle(lambda: "end slow" in log)


class TestOnce:
    async def test_a_seen_dedup_key_is_refused_whether_queued_running_or_done(self) -> None:
        log: list[str] = []
        async with running(dispatcher()) as queue:
            first = queue.submit(Work("s1", recorder(log, "a"), "a", dedup_key="s1/r1"))
            again = queue.submit(Work("s1", recorder(log, "a2"), "a2", dedup_key="s1/r1"))
            await settle(lambda: queue.stats.done == 1)
            late = queue.submit(Work("s1", recorder(log, "a3"), "a3", dedup_key="s1/r1"))
            other = queue.submit(Work("s1", recorder(log, "b"), "b", dedup_key="s1/r2"))
            await settle(lambda: queue.stats.done == 2)
        assert (first, again, late, other) == (
            Admission.QUEUED,
            Admission.DUPLICATE,
            Admission.DUPLICATE,
            Admission.QUEUED,
        )
        assert queue.stats.duplicates == 2
        assert log == ["start a", "end a", "start b", "end b"]

    async def test_jobs_without_a_dedup_key_are_never_duplicates(self) -> None:
        queue = dispatcher()
        admissions = {queue.submit(Work("s1", recorder([], "x"), "x")) for _ in range(3)}
        assert admissions == {Admission.QUEUED}


class TestBounds:
    def test_a_full_queue_refuses_and_counts(self) -> None:
        queue = dispatcher(queue_size=2)
        results = [queue.submit(Work(f"s{n}", recorder([], "x"), "x")) for n in range(3)]
        assert results == [Admission.QUEUED, Admission.QUEUED, Admission.FULL]
        assert (queue.stats.queued, queue.stats.dropped) == (2, 1)

    async def test_a_refused_job_leaves_its_dedup_key_free_for_the_redelivery(self) -> None:
        gate = asyncio.Event()
        async with running(dispatcher(queue_size=1, workers=1)) as queue:
            queue.submit(Work("s0", recorder([], "busy", gate), "busy"))
            await settle(lambda: queue.stats.running == 1)
            queue.submit(Work("s1", recorder([], "waits"), "waits"))
            refused = queue.submit(Work("s2", recorder([], "k"), "k", dedup_key="k"))
            gate.set()
            await settle(lambda: queue.stats.done == 2)
            redelivered = queue.submit(Work("s2", recorder([], "k"), "k", dedup_key="k"))
            await settle(lambda: queue.stats.done == 3)
        assert (refused, redelivered) == (Admission.FULL, Admission.QUEUED)

    async def test_a_job_past_its_deadline_is_dropped_at_its_turn(self) -> None:
        log: list[str] = []
        async with running(dispatcher()) as queue:
            queue.submit(Work("s1", recorder(log, "late"), "late", expires_at=time.time() - 1))
            queue.submit(Work("s1", recorder(log, "fresh"), "fresh", expires_at=time.time() + 60))
            await settle(lambda: queue.stats.done == 1)
        assert log == ["start fresh", "end fresh"]
        assert queue.stats.expired == 1


class TestRobustness:
    async def test_a_job_that_raises_is_counted_and_the_next_one_runs(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        async def broken() -> None:
            raise RuntimeError("boom")

        log: list[str] = []
        async with running(dispatcher(workers=1)) as queue:
            queue.submit(Work("s1", broken, "broken"))
            queue.submit(Work("s1", recorder(log, "next"), "next"))
            await settle(lambda: queue.stats.done == 1)
        assert queue.stats.failed == 1
        assert log == ["start next", "end next"]
        assert any("broken" in r.getMessage() for r in caplog.records)
