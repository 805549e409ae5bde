"""One bridge per host: several portal workers with the same client id elect one to run it.

Each `open_games` here stands for one worker process (`python -m app.server --workers N`):
the lock is a `flock` on an open file, which two opens in one process contend for exactly as
two processes do.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.cache import AuthCache, Principal
from app.config import Settings
from app.errors import ServiceUnavailable
from app.games import service
from app.games.runtime import ELECTION_RETRY_SECONDS, GamesRuntime, open_games
from app.games.schemas import GamePublish
from app.llm.settings import LLMSettings
from app.llm.stack import LLMStack, open_llm
from app.mqtt.settings import MqttSettings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import GameClient, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(make_settings: SettingsFactory, mosquitto: Broker) -> Settings:
    mqtt = MqttSettings(
        broker_url=mosquitto.url,
        client_id=f"portal-{uuid.uuid4().hex[:8]}",  # the same for every worker, as deployed
        projects=["maze", "general"],
        keyless_projects=["*"],
        reconnect_min_seconds=0.2,
        reconnect_max_seconds=1.0,
    )
    return make_settings(mqtt=mqtt)


@pytest.fixture
async def llm(fake_upstream: FakeUpstream) -> AsyncIterator[LLMStack]:
    async with open_llm(LLMSettings(server_url=fake_upstream.url, timeout=30)) as stack:
        yield stack


def worker(
    settings: Settings, llm: LLMStack
) -> contextlib.AbstractAsyncContextManager[GamesRuntime]:
    """One worker's games runtime (no request here reaches the database)."""
    return open_games(
        settings,
        sessionmaker=async_sessionmaker[AsyncSession](),
        auth_cache=AuthCache(ttl=0),
        sessions=llm.sessions,
    )


def someone() -> Principal:
    return Principal(
        id=1,
        email="player@example.com",
        display_name=None,
        role="user",
        is_active=True,
        token_version=0,
        created_at=datetime.now(UTC),
    )


class TestElection:
    async def test_one_worker_runs_the_bridge_and_another_takes_over_when_it_stops(
        self, settings: Settings, llm: LLMStack, mosquitto: Broker
    ) -> None:
        async with contextlib.AsyncExitStack() as first_worker:
            first = await first_worker.enter_async_context(worker(settings, llm))
            async with worker(settings, llm) as second:
                assert first.bridge is not None
                assert second.bridge is not None
                running, idle = first.bridge, second.bridge
                await wait_until(lambda: running.connected, "the first worker's bridge to connect")
                await asyncio.sleep(ELECTION_RETRY_SECONDS + 1)  # the other one retried meanwhile
                assert (running.connected, idle.connected) == (True, False)
                assert (running.stats()["connects"], idle.stats()["connects"]) == (1, 0)
                assert (first.bridge_elsewhere, second.bridge_elsewhere) == (False, True)
                await first_worker.aclose()  # that worker stops (its lock goes with it)
                await wait_until(lambda: idle.connected, "the second worker to take over")
                assert not second.bridge_elsewhere
                async with GameClient(mosquitto.port) as game:  # it answers games now
                    await game.subscribe("general/assistant_response/#")
                    await game.publish("general/user_input", {"sessionId": "s1", "message": "hi"})
                    [reply] = await game.wait_for("general/assistant_response/s1")
        assert reply.payload == b"Echo: hi"

    async def test_a_worker_without_the_bridge_says_so_and_refuses_test_messages(
        self, settings: Settings, llm: LLMStack
    ) -> None:
        async with worker(settings, llm) as first, worker(settings, llm) as second:
            assert first.bridge is not None
            running = first.bridge
            await wait_until(lambda: running.connected, "the first worker's bridge to connect")
            status = service.read_status(second)
            assert (status.enabled, status.connected, status.served_by_other_worker) == (
                True,
                False,
                True,
            )
            assert not service.read_status(first).served_by_other_worker
            message = GamePublish(
                project="general", session_id="s1", kind="user_input", payload={"message": "hi"}
            )
            with pytest.raises(ServiceUnavailable) as refused:
                await service.publish_as(second, user=someone(), data=message)
            assert refused.value.error_code == "mqtt_unavailable"
            assert "another worker" in refused.value.message
