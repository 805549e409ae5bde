"""Fixtures for tests of the portal with its bridge on a real Mosquitto (the LLM a fake upstream):
`maze` is served without keys, `general` only with one."""

import uuid

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.games.runtime import GamesRuntime
from app.mqtt.settings import MqttSettings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.mosquitto import Broker
from tests.integration.mqtt.bridge_harness import wait_until


@pytest.fixture
def settings(make_settings: SettingsFactory, mosquitto: Broker) -> Settings:
    mqtt = MqttSettings(
        broker_url=mosquitto.url,
        client_id=f"portal-{uuid.uuid4().hex[:8]}",
        projects=["maze", "general"],
        keyless_projects=["maze"],
        reconnect_min_seconds=0.2,
        reconnect_max_seconds=1.0,
    )
    return make_settings(mqtt=mqtt)


@pytest.fixture
async def games(app: FastAPI) -> GamesRuntime:
    runtime: GamesRuntime = app.state.games
    bridge = runtime.bridge
    assert bridge is not None
    await wait_until(lambda: bridge.connected, "the bridge to connect")
    return runtime
