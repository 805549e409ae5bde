"""`python -m app.cli broker-config`, as `make run` uses it: the files it writes start a broker
that takes the portal's API keys, refuses anonymous clients, serves WebSockets, and keeps
queued requests across a crash."""

import asyncio
import os
import socket
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import aiomqtt
import httpx
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from app.games.broker_sync import CONF_FILE, DYNSEC_FILE, LOGINS_FILE
from tests.fixtures.factories import register
from tests.fixtures.mosquitto import Broker
from tests.integration.games.broker_logins import WAIT_S, key_logs_in, logs_in

pytestmark = pytest.mark.integration
BACKEND_DIR = Path(__file__).resolve().parents[3]
EXPECTED = {
    "MQTT_BROKER_URL",
    "MQTT_USERNAME",
    "MQTT_PASSWORD",
    "MQTT_MANAGE_BROKER",
    "MQTT_DYNSEC_USERNAME",
    "MQTT_DYNSEC_PASSWORD",
    "MQTT_BROKER_DATA_DIR",
    "MQTT_WEBSOCKETS_URL",
}


@dataclass(frozen=True)
class Configured:
    environment: dict[str, str]
    data_dir: Path

    def broker(self) -> Broker:
        url = self.environment["MQTT_BROKER_URL"]
        port = urlsplit(url).port
        assert port is not None
        return Broker(
            host="127.0.0.1",
            port=port,
            url=url,
            config_path=self.data_dir / CONF_FILE,
            data_dir=self.data_dir,
            log_path=self.data_dir / "mosquitto.log",
        )


async def broker_config(database_url: str, data_dir: Path) -> Configured:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "broker-config",
        "--data-dir",
        str(data_dir),
        cwd=BACKEND_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    lines = stdout.decode().splitlines()
    return Configured(dict(line.split("=", 1) for line in lines), data_dir)


@pytest.fixture
async def configured(database_url: str, tmp_path: Path) -> Configured:
    return await broker_config(database_url, tmp_path / "broker")


class TestBrokerConfig:
    async def test_prints_the_portals_settings_and_keeps_its_files_private(
        self, configured: Configured
    ) -> None:
        environment = configured.environment
        assert set(environment) == EXPECTED
        assert environment["MQTT_MANAGE_BROKER"] == "true"
        assert environment["MQTT_BROKER_DATA_DIR"] == str(configured.data_dir.resolve())
        for name in (CONF_FILE, DYNSEC_FILE, LOGINS_FILE):
            assert stat.S_IMODE((configured.data_dir / name).stat().st_mode) == 0o600

    async def test_a_second_run_keeps_the_portals_logins(
        self, configured: Configured, database_url: str
    ) -> None:
        again = await broker_config(database_url, configured.data_dir)
        for name in ("MQTT_PASSWORD", "MQTT_DYNSEC_PASSWORD", "MQTT_USERNAME"):
            assert again.environment[name] == configured.environment[name]

    async def test_the_broker_takes_api_keys_and_the_portals_logins_only(
        self, client: httpx.AsyncClient, database_url: str, tmp_path: Path
    ) -> None:
        account = await register(client)
        created = await client.post("/api/keys", json={"name": "g"}, headers=account.headers)
        key = created.json()["key"]
        configured = await broker_config(database_url, tmp_path / "broker")
        environment = configured.environment
        with configured.broker() as broker:
            broker.start()
            assert await key_logs_in(broker, key)
            assert not await key_logs_in(broker, key[:-1])
            assert await logs_in(broker, environment["MQTT_USERNAME"], environment["MQTT_PASSWORD"])
            assert await logs_in(
                broker, environment["MQTT_DYNSEC_USERNAME"], environment["MQTT_DYNSEC_PASSWORD"]
            )
            with pytest.raises(aiomqtt.MqttCodeError):
                async with aiomqtt.Client(broker.host, broker.port, timeout=WAIT_S):
                    pass

    async def test_browser_games_log_in_over_websockets(
        self, client: httpx.AsyncClient, database_url: str, tmp_path: Path
    ) -> None:
        account = await register(client)
        created = await client.post("/api/keys", json={"name": "g"}, headers=account.headers)
        key = created.json()["key"]
        configured = await broker_config(database_url, tmp_path / "broker")
        websockets = urlsplit(configured.environment["MQTT_WEBSOCKETS_URL"])
        assert websockets.port is not None
        with configured.broker() as broker:
            broker.start()
            await wait_listening(websockets.port)
            assert not listening_on_other_addresses(websockets.port)
            async with aiomqtt.Client(
                "127.0.0.1",
                websockets.port,
                username=key.split("_")[1],
                password=key,
                transport="websockets",
                timeout=WAIT_S,
            ) as browser:
                await browser.subscribe("maze/hint/s1", qos=1)

    async def test_a_request_queued_for_the_bridge_survives_a_broker_crash(
        self, client: httpx.AsyncClient, database_url: str, tmp_path: Path
    ) -> None:
        account = await register(client)
        created = await client.post("/api/keys", json={"name": "g"}, headers=account.headers)
        key = created.json()["key"]
        configured = await broker_config(database_url, tmp_path / "broker")
        environment = configured.environment
        with configured.broker() as broker:
            broker.start()
            async with bridge_session(broker, environment) as bridge:
                await bridge.subscribe("$share/portal/maze/user_input", qos=1)
            async with aiomqtt.Client(
                broker.host, broker.port, username=key.split("_")[1], password=key, timeout=WAIT_S
            ) as player:
                await player.publish("maze/user_input", b'{"sessionId": "s1"}', qos=1)
            await asyncio.sleep(1.0)  # autosave runs in the broker's loop right after the change
            broker.stop()  # SIGKILL: nothing is written on the way out
            broker.start()
            async with bridge_session(broker, environment) as bridge, asyncio.timeout(WAIT_S):
                async for message in bridge.messages:
                    assert message.payload == b'{"sessionId": "s1"}'
                    break


async def wait_listening(port: int) -> None:
    async with asyncio.timeout(WAIT_S):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


def listening_on_other_addresses(port: int) -> bool:
    """Whether something takes connections on `port` at an address other than loopback."""
    others = [address for address in _local_addresses() if not address.startswith("127.")]
    for address in others:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            if probe.connect_ex((address, port)) == 0:
                return True
    return False


def _local_addresses() -> set[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return set()
        return {probe.getsockname()[0]}


def bridge_session(broker: Broker, environment: dict[str, str]) -> aiomqtt.Client:
    """The bridge's persistent MQTT 5 session (clean start off, kept for an hour)."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    return aiomqtt.Client(
        broker.host,
        broker.port,
        username=environment["MQTT_USERNAME"],
        password=environment["MQTT_PASSWORD"],
        identifier="portal-bridge-test",
        protocol=aiomqtt.ProtocolVersion.V5,
        clean_start=False,
        properties=properties,
        timeout=WAIT_S,
    )
