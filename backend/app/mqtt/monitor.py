"""Live game events for the monitor page: fan-out to watchers that never slows the bridge.

The handler emits a :class:`GameEvent` for every request, hint, reply, error and result. A
watcher (one open monitor page) reads them at the speed of its browser, which can be far
slower than the games produce them. So:

- :meth:`MonitorHub.emit` never waits: it puts the event on each watcher's own bounded
  queue. A watcher whose queue is full loses its *oldest* event (a monitor wants what is
  happening now); the loss is counted per watcher and for the hub.
- Each watcher sees only what its ``visible`` predicate lets through (who may see whose
  sessions is the web side's decision, not this module's).
- The hub remembers the last few events of each (project, session) so a page that opens
  a session shows what just happened before the next event arrives. The number of
  sessions remembered is bounded too; the least recently active ones are forgotten first.

Everything runs on the event loop's thread: ``emit`` is called by the handler's tasks, never
from another thread (paho's callbacks only hand messages to the loop).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from app.mqtt.messages import GameEvent

Visible = Callable[[GameEvent], bool]
"""Whether one watcher may see an event."""

RECENT_PER_SESSION = 50
RECENT_SESSIONS = 2000
DEFAULT_QUEUE_SIZE = 256


class _Closed:
    """Put on a watcher's queue when the hub shuts down, so its stream ends."""


_CLOSED = _Closed()


class Subscription:
    """One watcher's events, in the order they were emitted, as an async iterator."""

    def __init__(self, visible: Visible, maxsize: int) -> None:
        self._visible = visible
        self._queue: asyncio.Queue[GameEvent | _Closed] = asyncio.Queue(maxsize=maxsize)
        self.dropped = 0

    def offer(self, event: GameEvent) -> bool:
        """Queue ``event`` if visible; returns whether an older event had to make room."""
        if not self._visible(event):
            return False
        return self._put(event)

    def close(self) -> None:
        self._put(_CLOSED)

    def _put(self, item: GameEvent | _Closed) -> bool:
        dropped = False
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            dropped = True
        self._queue.put_nowait(item)
        return dropped

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> GameEvent:
        item = await self._queue.get()
        if isinstance(item, _Closed):
            self._queue.put_nowait(item)  # later reads end too
            raise StopAsyncIteration
        return item


class MonitorHub:
    """Fan-out of game events to monitor pages (an ``EventSink`` for the game handler)."""

    def __init__(
        self,
        *,
        recent_per_session: int = RECENT_PER_SESSION,
        recent_sessions: int = RECENT_SESSIONS,
    ) -> None:
        self._recent_per_session = recent_per_session
        self._recent_sessions = recent_sessions
        self._recent: OrderedDict[tuple[str, str], deque[GameEvent]] = OrderedDict()
        self._subscriptions: set[Subscription] = set()
        self._closed = False
        self.emitted = 0
        self.dropped = 0

    def emit(self, event: GameEvent) -> None:
        """Remember ``event`` and hand it to every watcher that may see it; never waits."""
        self.emitted += 1
        self._remember(event)
        for subscription in tuple(self._subscriptions):
            if subscription.offer(event):
                self.dropped += 1

    def recent(self, project: str, session_id: str) -> list[GameEvent]:
        """The last events of one session, oldest first (whoever owns it: filter them)."""
        return list(self._recent.get((project, session_id), ()))

    @asynccontextmanager
    async def subscribe(
        self,
        visible: Visible,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        *,
        replay: tuple[str, str] | None = None,
    ) -> AsyncIterator[Subscription]:
        """Watch events that ``visible`` lets through until the block exits.

        With ``replay=(project, session_id)`` the stream starts with that session's recent
        visible events. They are queued in the same step that registers the watcher, so no
        event is missed or seen twice between the two.
        """
        subscription = Subscription(visible, maxsize)
        if replay is not None:
            for event in self.recent(*replay)[-maxsize:]:
                subscription.offer(event)
        if self._closed:
            subscription.close()
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def close(self) -> None:
        """End every open stream (at shutdown); later subscriptions end at once."""
        self._closed = True
        for subscription in tuple(self._subscriptions):
            subscription.close()

    def stats(self) -> dict[str, int]:
        return {
            "watchers": len(self._subscriptions),
            "events": self.emitted,
            "events_dropped": self.dropped,
            "sessions_remembered": len(self._recent),
        }

    def _remember(self, event: GameEvent) -> None:
        key = (event.project, event.session_id)
        events = self._recent.get(key)
        if events is None:
            events = self._recent[key] = deque(maxlen=self._recent_per_session)
            while len(self._recent) > self._recent_sessions:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        events.append(event)
