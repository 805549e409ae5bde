"""The concurrency gate: global cap, bounded queue, timeouts, per-owner cap and lanes."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from app.llm import ConcurrencyGate, LLMBusy, LLMUserLimit
from app.llm.limits import Lane


class Holder:
    """Holds a gate slot in a task until released."""

    def __init__(self, gate: ConcurrencyGate, lane: Lane, owner: str) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.task = asyncio.create_task(self._run(gate, lane, owner))

    async def _run(self, gate: ConcurrencyGate, lane: Lane, owner: str) -> None:
        async with gate.acquire(lane, owner):
            self.entered.set()
            await self.release.wait()

    async def done(self) -> None:
        self.release.set()
        await self.task


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def holders(gate: ConcurrencyGate, *specs: tuple[Lane, str]) -> AsyncIterator[list[Holder]]:
    started = [Holder(gate, lane, owner) for lane, owner in specs]
    await _settle()
    try:
        yield started
    finally:
        for holder in started:
            holder.release.set()
        await asyncio.gather(*(h.task for h in started), return_exceptions=True)


class TestGlobalCap:
    async def test_admits_up_to_the_cap_then_queues(self) -> None:
        gate = ConcurrencyGate(max_concurrency=4, max_queue=4, queue_timeout=5)
        specs: list[tuple[Lane, str]] = [("chat", "a"), ("chat", "b"), ("completion", "c")]
        specs += [("completion", "d"), ("completion", "e")]
        async with holders(gate, *specs) as held:
            assert [h.entered.is_set() for h in held] == [True, True, True, True, False]
            await held[0].done()
            await asyncio.wait_for(held[4].entered.wait(), 1)

    async def test_a_lane_borrows_idle_capacity_but_leaves_headroom(self) -> None:
        gate = ConcurrencyGate(max_concurrency=4, max_queue=4, queue_timeout=5)
        specs: list[tuple[Lane, str]] = [("chat", f"u{i}") for i in range(4)]
        async with holders(gate, *specs) as held:
            assert [h.entered.is_set() for h in held] == [True, True, True, False]

    async def test_full_queue_answers_busy_at_once(self) -> None:
        gate = ConcurrencyGate(max_concurrency=1, max_queue=1, queue_timeout=5)
        async with holders(gate, ("chat", "a"), ("chat", "b")):
            with pytest.raises(LLMBusy) as caught:
                async with gate.acquire("chat", "c"):
                    pass
            assert caught.value.retry_after >= 1

    async def test_wait_past_queue_timeout_is_busy(self) -> None:
        gate = ConcurrencyGate(max_concurrency=1, max_queue=4, queue_timeout=0.05)
        async with holders(gate, ("chat", "a")):
            with pytest.raises(LLMBusy):
                async with gate.acquire("chat", "b"):
                    pass
            assert gate.stats().waiting == {"chat": 0, "completion": 0}

    async def test_cancelled_waiter_leaves_no_trace(self) -> None:
        gate = ConcurrencyGate(max_concurrency=1, max_queue=4, queue_timeout=5)
        async with holders(gate, ("chat", "a")) as (first,):
            waiter = Holder(gate, "chat", "b")
            await _settle()
            waiter.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter.task
            await first.done()
        assert gate.stats().in_use == {"chat": 0, "completion": 0}
        async with gate.acquire("chat", "b"):
            pass


class TestPerUser:
    async def test_owner_over_cap_gets_user_limit(self) -> None:
        gate = ConcurrencyGate(max_concurrency=8, max_queue=8, queue_timeout=5, per_user=2)
        async with holders(gate, ("chat", "alice"), ("completion", "alice")):
            with pytest.raises(LLMUserLimit):
                async with gate.acquire("chat", "alice"):
                    pass
            async with gate.acquire("chat", "bob"):
                pass

    async def test_owner_slot_is_returned_after_use(self) -> None:
        gate = ConcurrencyGate(max_concurrency=8, max_queue=8, queue_timeout=5, per_user=1)
        for _ in range(3):
            async with gate.acquire("chat", "alice"):
                pass


class TestLanes:
    async def test_completion_starts_at_once_while_chat_floods(self) -> None:
        gate = ConcurrencyGate(max_concurrency=4, max_queue=16, queue_timeout=5)
        chats: list[tuple[Lane, str]] = [("chat", f"user{i}") for i in range(8)]
        async with holders(gate, *chats) as held:
            assert sum(h.entered.is_set() for h in held) == 3
            async with holders(gate, ("completion", "typist")) as (completion,):
                assert completion.entered.is_set()

    async def test_chat_starts_at_once_while_completion_floods(self) -> None:
        gate = ConcurrencyGate(max_concurrency=4, max_queue=16, queue_timeout=5)
        completions: list[tuple[Lane, str]] = [("completion", f"user{i}") for i in range(8)]
        async with holders(gate, *completions), holders(gate, ("chat", "talker")) as (chat,):
            assert chat.entered.is_set()

    async def test_freed_slots_go_back_to_the_lane_under_its_reservation(self) -> None:
        gate = ConcurrencyGate(max_concurrency=4, max_queue=16, queue_timeout=5)
        chat_specs: list[tuple[Lane, str]] = [("chat", f"c{i}") for i in range(3)]
        completion_specs: list[tuple[Lane, str]] = [("completion", f"t{i}") for i in range(3)]
        async with holders(gate, *chat_specs) as chats, holders(gate, *completion_specs) as comps:
            assert [h.entered.is_set() for h in comps] == [True, False, False]
            async with holders(gate, ("chat", "late")) as (late_chat,):
                await chats[0].done()
                await _settle()
                assert comps[1].entered.is_set(), "completion is below its reservation"
                assert not late_chat.entered.is_set()

    async def test_single_slot_gate_serves_both_lanes(self) -> None:
        gate = ConcurrencyGate(max_concurrency=1, max_queue=4, queue_timeout=5)
        async with gate.acquire("completion", "a"):
            pass
        async with gate.acquire("chat", "a"):
            pass
