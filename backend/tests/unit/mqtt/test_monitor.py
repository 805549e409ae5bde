"""The monitor hub: every watcher gets what it may see, a slow one never holds the games up."""

import asyncio

from app.mqtt.messages import GameEvent
from app.mqtt.monitor import MonitorHub, Subscription

WAIT_S = 10


def event(
    kind: str = "request",
    *,
    project: str = "maze",
    session_id: str = "s1",
    owner: str = "7",
    n: int = 0,
) -> GameEvent:
    return GameEvent(
        kind=kind,  # type: ignore[arg-type]
        project=project,
        session_id=session_id,
        owner=owner,
        payload={"n": n},
    )


def everything(_: GameEvent) -> bool:
    return True


async def take(events: Subscription, count: int) -> list[GameEvent]:
    async def read() -> list[GameEvent]:
        return [await anext(events) for _ in range(count)]

    return await asyncio.wait_for(read(), WAIT_S)


async def nothing_waiting(events: Subscription) -> bool:
    """No event is queued: emit() queues synchronously, so a short look is enough."""
    try:
        await asyncio.wait_for(anext(events), 0.1)
    except TimeoutError:
        return True
    return False


class TestFanOut:
    async def test_every_watcher_gets_every_event_in_order(self) -> None:
        hub = MonitorHub()
        async with hub.subscribe(everything) as first, hub.subscribe(everything) as second:
            sent = [event(n=n) for n in range(5)]
            for item in sent:
                hub.emit(item)
            assert await take(first, 5) == sent
            assert await take(second, 5) == sent

    async def test_a_watcher_sees_only_what_its_predicate_lets_through(self) -> None:
        hub = MonitorHub()
        mine = event(owner="7", n=1)
        theirs = event(owner="8", n=2)
        keyless = event(owner="mqtt:maze", n=3)
        async with hub.subscribe(lambda e: e.owner in {"7", "mqtt:maze"}) as events:
            for item in (mine, theirs, keyless):
                hub.emit(item)
            assert await take(events, 2) == [mine, keyless]
            assert await nothing_waiting(events)

    async def test_a_closed_watch_gets_nothing_more_and_is_forgotten(self) -> None:
        hub = MonitorHub()
        async with hub.subscribe(everything):
            assert hub.stats()["watchers"] == 1
        hub.emit(event())
        assert hub.stats()["watchers"] == 0

    async def test_closing_the_hub_ends_open_streams(self) -> None:
        hub = MonitorHub()
        async with hub.subscribe(everything) as events:
            hub.emit(event(n=1))
            hub.close()
            received = await asyncio.wait_for(_read_all(events), WAIT_S)
        assert [item.payload["n"] for item in received] == [1]


async def _read_all(events: Subscription) -> list[GameEvent]:
    return [item async for item in events]


class TestSlowWatcher:
    async def test_a_full_queue_drops_its_oldest_events_and_counts_them(self) -> None:
        hub = MonitorHub()
        async with hub.subscribe(everything, maxsize=3) as slow:
            for n in range(10):
                hub.emit(event(n=n))  # returns at once although nobody reads
            assert [item.payload["n"] for item in await take(slow, 3)] == [7, 8, 9]
            assert slow.dropped == 7
            assert hub.stats()["events_dropped"] == 7

    async def test_a_slow_watcher_does_not_hold_back_a_fast_one(self) -> None:
        hub = MonitorHub()
        async with hub.subscribe(everything, maxsize=2) as slow, hub.subscribe(everything) as fast:
            for n in range(50):
                hub.emit(event(n=n))
                assert (await take(fast, 1))[0].payload["n"] == n
            assert fast.dropped == 0
            assert slow.dropped == 48


class TestRecentEvents:
    async def test_a_session_keeps_its_last_events_oldest_first(self) -> None:
        hub = MonitorHub(recent_per_session=3)
        for n in range(5):
            hub.emit(event(n=n))
        hub.emit(event(session_id="other", n=99))
        assert [item.payload["n"] for item in hub.recent("maze", "s1")] == [2, 3, 4]
        assert hub.recent("driving", "s1") == []

    async def test_a_watch_of_one_session_starts_with_its_recent_visible_events(self) -> None:
        hub = MonitorHub()
        hub.emit(event(owner="7", n=1))
        hub.emit(event(owner="8", n=2))
        hub.emit(event(session_id="other", owner="7", n=3))
        async with hub.subscribe(
            lambda e: e.owner == "7" and e.session_id == "s1", replay=("maze", "s1")
        ) as events:
            hub.emit(event(owner="7", n=4))
            assert [item.payload["n"] for item in await take(events, 2)] == [1, 4]
            assert events.dropped == 0

    async def test_the_least_recently_active_sessions_are_forgotten_first(self) -> None:
        hub = MonitorHub(recent_sessions=2)
        hub.emit(event(session_id="a"))
        hub.emit(event(session_id="b"))
        hub.emit(event(session_id="a"))
        hub.emit(event(session_id="c"))
        assert hub.recent("maze", "b") == []
        assert len(hub.recent("maze", "a")) == 2
        assert hub.stats()["sessions_remembered"] == 2
