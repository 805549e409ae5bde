"""The concurrency gate: cap, lanes, bounded queue, timeouts, per-owner cap, exact counts."""

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator

import pytest

from app.llm import ConcurrencyGate, LLMBusy, LLMUserLimit
from app.llm.limits import DEFAULT_LANES, Lane, LaneStats, reserve, upstream_capacity
from app.llm.settings import LLMSettings

TWO_LANES = {"chat": 0.5, "completion": 0.5}
THREE_LANES = {"chat": 1.0, "completion": 1.0, "game": 1.0}


def two_lane_gate(max_concurrency: int, **options: object) -> ConcurrencyGate:
    values: dict[str, object] = {"max_queue": 16, "queue_timeout": 5, **options}
    return ConcurrencyGate(max_concurrency, lanes=TWO_LANES, **values)  # type: ignore[arg-type]


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


async def _settle(steps: int = 5) -> None:
    for _ in range(steps):
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


def assert_idle(gate: ConcurrencyGate) -> None:
    stats = gate.stats()
    assert (stats.in_use, stats.waiting, stats.owners) == (0, 0, 0), stats


class TestGlobalCap:
    async def test_admits_up_to_the_cap_then_queues(self) -> None:
        gate = two_lane_gate(4, max_queue=4)
        specs: list[tuple[Lane, str]] = [("chat", "a"), ("chat", "b"), ("completion", "c")]
        specs += [("completion", "d"), ("completion", "e")]
        async with holders(gate, *specs) as held:
            assert [h.entered.is_set() for h in held] == [True, True, True, True, False]
            await held[0].done()
            await asyncio.wait_for(held[4].entered.wait(), 1)

    async def test_a_lane_borrows_idle_capacity_but_leaves_headroom(self) -> None:
        gate = two_lane_gate(4, max_queue=4)
        specs: list[tuple[Lane, str]] = [("chat", f"u{i}") for i in range(4)]
        async with holders(gate, *specs) as held:
            assert [h.entered.is_set() for h in held] == [True, True, True, False]

    async def test_full_queue_answers_busy_at_once(self) -> None:
        gate = two_lane_gate(1, max_queue=1)
        async with holders(gate, ("chat", "a"), ("chat", "b")):
            with pytest.raises(LLMBusy, match="chat queue is full") as caught:
                async with gate.acquire("chat", "c"):
                    pass
            assert caught.value.retry_after >= 1

    async def test_each_lane_has_its_own_queue_bound(self) -> None:
        gate = two_lane_gate(1, max_queue=1)
        async with holders(gate, ("chat", "a"), ("chat", "b"), ("completion", "c")) as held:
            assert not held[2].entered.is_set()
            assert gate.stats().lanes["completion"].waiting == 1

    async def test_wait_past_queue_timeout_is_busy(self) -> None:
        gate = two_lane_gate(1, max_queue=4, queue_timeout=0.05)
        async with holders(gate, ("chat", "a")):
            with pytest.raises(LLMBusy, match="no slot freed"):
                async with gate.acquire("chat", "b"):
                    pass
            assert gate.stats().waiting == 0
            assert gate.stats().owners == 1

    async def test_cancelled_waiter_leaves_no_trace(self) -> None:
        gate = two_lane_gate(1, max_queue=4)
        async with holders(gate, ("chat", "a")) as (first,):
            waiter = Holder(gate, "chat", "b")
            await _settle()
            waiter.task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter.task
            await first.done()
        assert_idle(gate)
        async with gate.acquire("chat", "b"):
            pass

    async def test_unknown_lane_is_a_value_error(self) -> None:
        gate = two_lane_gate(2)
        with pytest.raises(ValueError, match="unknown gate lane 'gmae'"):
            async with gate.acquire("gmae", "a"):
                pass
        assert_idle(gate)


class TestPerUser:
    async def test_owner_over_cap_gets_user_limit(self) -> None:
        gate = two_lane_gate(8, max_queue=8, per_user=2)
        async with holders(gate, ("chat", "alice"), ("completion", "alice")):
            with pytest.raises(LLMUserLimit):
                async with gate.acquire("chat", "alice"):
                    pass
            async with gate.acquire("chat", "bob"):
                pass

    async def test_owner_slot_is_returned_after_use(self) -> None:
        gate = two_lane_gate(8, max_queue=8, per_user=1)
        for _ in range(3):
            async with gate.acquire("chat", "alice"):
                pass
        assert_idle(gate)


class TestLanes:
    async def test_completion_starts_at_once_while_chat_floods(self) -> None:
        gate = two_lane_gate(4)
        chats: list[tuple[Lane, str]] = [("chat", f"user{i}") for i in range(8)]
        async with holders(gate, *chats) as held:
            assert sum(h.entered.is_set() for h in held) == 3
            async with holders(gate, ("completion", "typist")) as (completion,):
                assert completion.entered.is_set()

    async def test_chat_starts_at_once_while_completion_floods(self) -> None:
        gate = two_lane_gate(4)
        completions: list[tuple[Lane, str]] = [("completion", f"user{i}") for i in range(8)]
        async with holders(gate, *completions), holders(gate, ("chat", "talker")) as (chat,):
            assert chat.entered.is_set()

    async def test_freed_slots_go_back_to_the_lane_under_its_reservation(self) -> None:
        gate = two_lane_gate(4)
        chat_specs: list[tuple[Lane, str]] = [("chat", f"c{i}") for i in range(3)]
        completion_specs: list[tuple[Lane, str]] = [("completion", f"t{i}") for i in range(3)]
        async with holders(gate, *chat_specs) as chats, holders(gate, *completion_specs) as comps:
            assert [h.entered.is_set() for h in comps] == [True, False, False]
            async with holders(gate, ("chat", "late")) as (late_chat,):
                await chats[0].done()
                await _settle()
                assert comps[1].entered.is_set(), "completion is below its reservation"
                assert not late_chat.entered.is_set()
                await chats[1].done()
                await _settle()
                assert late_chat.entered.is_set(), "now chat is below its reservation"
                assert not comps[2].entered.is_set()

    async def test_single_slot_gate_serves_both_lanes(self) -> None:
        gate = two_lane_gate(1)
        async with gate.acquire("completion", "a"):
            pass
        async with gate.acquire("chat", "a"):
            pass

    async def test_a_flood_leaves_one_slot_for_the_idle_lanes(self) -> None:
        gate = ConcurrencyGate(6, max_queue=16, queue_timeout=5, lanes=THREE_LANES)
        chats: list[tuple[Lane, str]] = [("chat", f"user{i}") for i in range(8)]
        async with holders(gate, *chats) as held:
            assert sum(h.entered.is_set() for h in held) == 5
            async with holders(gate, ("completion", "typist"), ("game", "npc")) as others:
                assert [h.entered.is_set() for h in others] == [True, False]
                await next(h for h in held if h.entered.is_set()).done()
                await asyncio.wait_for(others[1].entered.wait(), 1)
                assert sum(h.entered.is_set() for h in held) == 5, "the freed slot went to game"

    async def test_a_lane_within_its_reservation_takes_the_last_slot(self) -> None:
        gate = ConcurrencyGate(4, max_queue=16, queue_timeout=5, lanes=THREE_LANES)
        chats: list[tuple[Lane, str]] = [("chat", f"user{i}") for i in range(3)]
        async with holders(gate, *chats) as held:
            assert all(h.entered.is_set() for h in held)
            async with holders(gate, ("completion", "typist")) as others:
                assert others[0].entered.is_set()

    async def test_borrowing_newcomer_does_not_overtake_another_lanes_waiter(self) -> None:
        gate = ConcurrencyGate(1, max_queue=4, queue_timeout=5, lanes=THREE_LANES)
        async with holders(gate, ("chat", "a"), ("game", "b"), ("chat", "c")) as held:
            assert [h.entered.is_set() for h in held] == [True, False, False]
            await held[0].done()
            await _settle()
            assert held[1].entered.is_set(), "the game waiter came first"
            assert not held[2].entered.is_set()


class TestReservations:
    @pytest.mark.parametrize(
        ("capacity", "expected"),
        [
            (8, {"chat": 3, "completion": 3, "game": 2}),
            (4, {"chat": 2, "completion": 1, "game": 1}),
            (3, {"chat": 1, "completion": 1, "game": 1}),
            (2, {"chat": 0, "completion": 0, "game": 0}),
            (1, {"chat": 0, "completion": 0, "game": 0}),
        ],
    )
    def test_shares_split_the_cap(self, capacity: int, expected: dict[str, int]) -> None:
        assert reserve(capacity, DEFAULT_LANES) == expected

    def test_every_lane_reserves_at_least_one_slot(self) -> None:
        assert reserve(4, {"chat": 10.0, "completion": 0.1, "game": 0.1}) == {
            "chat": 2,
            "completion": 1,
            "game": 1,
        }

    def test_lanes_need_a_positive_share(self) -> None:
        with pytest.raises(ValueError, match="share above 0"):
            ConcurrencyGate(4, max_queue=1, queue_timeout=1, lanes={"chat": 0.0})


class Upstream:
    """Answers ``total_slots`` like ``LLMClient`` does for a given server."""

    def __init__(self, slots: int | None) -> None:
        self.slots = slots

    async def total_slots(self) -> int | None:
        return self.slots


class TestSettings:
    def test_lanes_are_parsed_from_the_compact_form(self) -> None:
        settings = LLMSettings(lanes=" chat=2, completion=1 ,game=0.5,")
        assert settings.lanes == {"chat": 2.0, "completion": 1.0, "game": 0.5}

    def test_default_lanes_follow_the_gate(self) -> None:
        assert LLMSettings().lanes == DEFAULT_LANES

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("chat=1,completion=1", "missing: game"),
            ("chat=1,completion=1,game=0", "above 0"),
            ("chat=1,completion=1,game=nan", "above 0"),
            ("chat=1,completion=1,game", "not a new `name=share` pair"),
            ("chat=1,chat=2,completion=1,game=1", "not a new `name=share` pair"),
            ("chat=x,completion=1,game=1", "'x' of 'chat' is not a number"),
        ],
    )
    def test_bad_lanes_are_refused_at_start(self, text: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            LLMSettings(lanes=text)

    @pytest.mark.parametrize(
        ("explicit", "slots", "expected"),
        [(6, 2, 6), (None, 2, 2), (None, None, 4)],
    )
    async def test_capacity_follows_the_server_unless_set(
        self, explicit: int | None, slots: int | None, expected: int
    ) -> None:
        settings = LLMSettings(max_concurrency=explicit, concurrency_fallback=4)
        capacity, _ = await upstream_capacity(settings, Upstream(slots))
        assert capacity == expected


class TestCapacity:
    async def test_growing_admits_waiters(self) -> None:
        gate = two_lane_gate(1)
        async with holders(gate, ("chat", "a"), ("chat", "b"), ("completion", "c")) as held:
            assert [h.entered.is_set() for h in held] == [True, False, False]
            gate.set_capacity(4)
            await _settle()
            assert all(h.entered.is_set() for h in held)
            assert gate.stats().lanes["chat"] == LaneStats(in_use=2, waiting=0, reserved=2)

    async def test_shrinking_admits_nobody_until_use_falls_below_the_cap(self) -> None:
        gate = two_lane_gate(4)
        async with holders(gate, ("chat", "a"), ("chat", "b"), ("completion", "c")) as held:
            gate.set_capacity(1)
            async with holders(gate, ("completion", "d")) as (late,):
                await held[0].done()
                await held[1].done()
                assert not late.entered.is_set()
                await held[2].done()
                await asyncio.wait_for(late.entered.wait(), 1)

    def test_capacity_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            two_lane_gate(4).set_capacity(0)

    def test_stats_report_every_lane(self) -> None:
        gate = ConcurrencyGate(8, max_queue=4, queue_timeout=1)
        stats = gate.stats()
        assert stats.capacity == 8
        assert stats.lanes == {
            "chat": LaneStats(in_use=0, waiting=0, reserved=3),
            "completion": LaneStats(in_use=0, waiting=0, reserved=3),
            "game": LaneStats(in_use=0, waiting=0, reserved=2),
        }


class TestGrantCancelRace:
    """A waiter granted and cancelled in the same loop iteration, in either order."""

    async def _race(self, *, cancel_first: bool) -> None:
        gate = two_lane_gate(1)
        slot = gate.acquire("chat", "a")
        await slot.__aenter__()
        waiter = Holder(gate, "chat", "b")
        await _settle()
        if cancel_first:
            waiter.task.cancel()
        await slot.__aexit__(None, None, None)  # releases and grants, without yielding
        if not cancel_first:
            waiter.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter.task
        assert not waiter.entered.is_set()
        assert_idle(gate)
        async with asyncio.timeout(1), gate.acquire("chat", "c"):
            assert gate.stats().in_use == 1

    async def test_cancelled_then_granted_is_skipped(self) -> None:
        await self._race(cancel_first=True)

    async def test_granted_then_cancelled_gives_the_slot_back(self) -> None:
        await self._race(cancel_first=False)


class Chaos:
    """Many requests over several lanes and owners, cancelled and timed out at random points."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.capacity = self.rng.randint(1, 6)
        self.gate = ConcurrencyGate(
            self.rng.randint(1, self.capacity),
            max_queue=self.rng.randint(1, 12),
            queue_timeout=self.rng.choice([0.002, 0.005, 0.02]),
            lanes={lane: self.rng.uniform(0.2, 1.0) for lane in ("chat", "completion", "game")},
            per_user=self.rng.randint(2, 5),
        )
        self.inside = 0
        self.outcomes: dict[str, int] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.waiting: list[asyncio.Task[None]] = []

    def observe(self) -> None:
        stats = self.gate.stats()
        assert stats.in_use <= stats.capacity, stats
        assert self.inside <= stats.in_use, stats
        assert all(lane.in_use >= 0 and lane.waiting >= 0 for lane in stats.lanes.values())

    def cancel_some_waiters(self) -> None:
        for task in self.rng.sample(self.waiting, k=min(2, len(self.waiting))):
            if self.rng.random() < 0.5:
                task.cancel()

    async def pause(self) -> None:
        if self.rng.random() < 0.7:
            await _settle(self.rng.randrange(6))
        else:
            await asyncio.sleep(self.rng.uniform(0, 0.004))

    async def request(self) -> None:
        lane, owner = self.rng.choice(self.gate.lanes), f"user{self.rng.randrange(12)}"
        await asyncio.sleep(self.rng.uniform(0, 0.1))  # arrivals spread over the run
        await self.pause()
        slot = self.gate.acquire(lane, owner)
        me = asyncio.current_task()
        assert me is not None
        self.waiting.append(me)
        try:
            await slot.__aenter__()
        except (LLMBusy, LLMUserLimit) as refused:
            self.count(type(refused).__name__)
            return
        finally:
            self.waiting.remove(me)
        self.inside += 1
        self.observe()
        try:
            await self.pause()
        finally:
            self.inside -= 1
            if self.rng.random() < 0.3:
                self.cancel_some_waiters()  # cancelled just before the release grants them
            await slot.__aexit__(None, None, None)
            if self.rng.random() < 0.5:
                self.cancel_some_waiters()  # granted and cancelled in the same iteration
        self.count("served")

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    async def run(self, requests: int) -> None:
        self.tasks = [asyncio.create_task(self.request()) for _ in range(requests)]
        while not all(task.done() for task in self.tasks):
            self.observe()
            if self.rng.random() < 0.05:
                self.rng.choice(self.tasks).cancel()  # a client hangs up, waiting or served
            if self.rng.random() < 0.01 and self.gate.capacity < self.capacity:
                self.gate.set_capacity(self.gate.capacity + 1)  # as lifespan does at start
            await asyncio.sleep(0)
        for result in await asyncio.gather(*self.tasks, return_exceptions=True):
            if isinstance(result, BaseException):
                assert isinstance(result, asyncio.CancelledError), repr(result)
                self.count("cancelled")


class TestExactCounts:
    @pytest.mark.parametrize("seed", range(16))
    async def test_no_interleaving_loses_or_double_counts_a_slot(self, seed: int) -> None:
        chaos = Chaos(seed)
        await chaos.run(requests=300)
        assert_idle(chaos.gate)
        assert chaos.outcomes.get("served", 0) > 0
        assert chaos.outcomes.get("cancelled", 0) > 0
        for lane in chaos.gate.lanes:  # nothing leaked: every lane still gets a slot at once
            async with asyncio.timeout(1), chaos.gate.acquire(lane, "after"):
                pass
        assert_idle(chaos.gate)
