"""A cancelled bridge stops, whatever moment the cancel lands, and leaves no connection open.

Python 3.11's ``asyncio.wait_for`` (aiomqtt's wait for CONNACK, SUBACK and PUBACK) swallows
a cancel that lands just as the awaited reply arrives (python/cpython#86296). The bridge
then carried on: subscribed, said ``online`` and served for ever, and the portal's shutdown
waited for it until the lifespan timeout. That moment is made deterministic here: one
aiomqtt step waits to be cancelled, swallows the cancel, then does its work, exactly as the
race does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiomqtt
import pytest

from app.mqtt.bridge import Bridge
from app.mqtt.dispatch import Dispatcher, Work
from tests.fixtures.app import free_port
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import WAIT_S, StubHandler, mqtt_settings

pytestmark = pytest.mark.integration

STOP_S = 8.0  # the bridge's own stop budget is a few seconds; a swallowed cancel is for ever


def swallow_one_cancel(
    monkeypatch: pytest.MonkeyPatch, step: str
) -> tuple[asyncio.Event, asyncio.Event]:
    """Make the first call to ``aiomqtt.Client.<step>`` wait to be cancelled, swallow the
    cancel, then run for real; says when it waits and when it swallowed."""
    real: Callable[..., Awaitable[Any]] = getattr(aiomqtt.Client, step)
    waiting, swallowed = asyncio.Event(), asyncio.Event()

    async def racing(self: aiomqtt.Client, *args: Any, **kwargs: Any) -> Any:
        if not waiting.is_set():
            waiting.set()
            try:
                await asyncio.sleep(WAIT_S * 10)
            except asyncio.CancelledError:
                swallowed.set()  # as wait_for does when the reply lands with the cancel
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(aiomqtt.Client, step, racing)
    return waiting, swallowed


async def cancel_and_wait(task: asyncio.Task[None], what: str) -> None:
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=STOP_S)
    if not done:
        task.cancel()  # let the test end; the failure is that it needed a second one
        await asyncio.wait([task], timeout=STOP_S)
        pytest.fail(f"the bridge kept running after a cancel during {what}")
    assert task.cancelled()


class TestSwallowedCancel:
    @pytest.mark.parametrize(
        ("step", "projects", "what"),
        [
            ("__aenter__", ["maze"], "connecting"),
            ("subscribe", ["maze"], "subscribing"),
            ("publish", ["maze"], "announcing online"),
            ("publish", ["maze", "driving"], "a status line announcing online"),
        ],
    )
    async def test_the_bridge_stops(
        self,
        mosquitto: Broker,
        monkeypatch: pytest.MonkeyPatch,
        step: str,
        projects: list[str],
        what: str,
    ) -> None:
        waiting, swallowed = swallow_one_cancel(monkeypatch, step)
        bridge = Bridge(StubHandler(projects), mqtt_settings(mosquitto.url, projects=projects))
        task = asyncio.create_task(bridge.run())
        await asyncio.wait_for(waiting.wait(), WAIT_S)
        await cancel_and_wait(task, what)
        assert swallowed.is_set()
        assert not bridge.connected
        assert bridge.stats()["connects"] == 0

    async def test_the_bridge_stops_when_the_connect_then_fails(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The swallowed cancel ends in a refused connection: no back-off, no retry."""
        waiting, _ = swallow_one_cancel(monkeypatch, "__aenter__")
        settings = mqtt_settings(f"mqtt://127.0.0.1:{free_port()}", projects=["maze"])
        task = asyncio.create_task(Bridge(StubHandler(["maze"]), settings).run())
        await asyncio.wait_for(waiting.wait(), WAIT_S)
        await cancel_and_wait(task, "a connect that then failed")


@contextlib.asynccontextmanager
async def silent_broker() -> AsyncIterator[tuple[int, asyncio.Queue[str]]]:
    """Accepts TCP and reads, never answers (no CONNACK); reports each connection's end."""
    events: asyncio.Queue[str] = asyncio.Queue()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await events.put("open")
        with contextlib.suppress(ConnectionError):
            while await reader.read(1024):
                pass
        await events.put("closed")
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], events
    finally:
        server.close()


class TestCancelWhileConnecting:
    async def test_a_cancel_while_connack_is_awaited_closes_the_connection(self) -> None:
        async with silent_broker() as (port, events):
            settings = mqtt_settings(f"mqtt://127.0.0.1:{port}", projects=["maze"])
            task = asyncio.create_task(Bridge(StubHandler(["maze"]), settings).run())
            assert await asyncio.wait_for(events.get(), WAIT_S) == "open"
            await cancel_and_wait(task, "the wait for CONNACK")
            # aiomqtt alone leaves this socket open, read and pinged by nobody
            assert await asyncio.wait_for(events.get(), STOP_S) == "closed"


class TestDispatcher:
    async def test_stops_after_a_job_that_swallowed_the_cancel(self) -> None:
        dispatcher = Dispatcher(queue_size=4, workers=2, dedup_size=8, dedup_seconds=60)
        started = asyncio.Event()

        async def stubborn() -> None:
            started.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(WAIT_S * 10)

        dispatcher.submit(Work(key="a", run=stubborn, label="stubborn"))
        task = asyncio.create_task(dispatcher.run())
        await asyncio.wait_for(started.wait(), WAIT_S)
        await cancel_and_wait(task, "a job that swallowed it")
