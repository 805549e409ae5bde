"""A broker with dynamic security, as `make run` starts it, and how a game client logs in."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiomqtt

from app.games.broker_sync import BrokerLogins
from app.mqtt import dynsec
from app.mqtt.settings import GAME_PROJECTS, MqttSettings
from tests.fixtures.mosquitto import Broker, start_broker

NOT_AUTHORISED = {5, 135}  # CONNACK: MQTT 3.1.1 "not authorised", MQTT 5 "Not authorized"
WAIT_S = 20.0


@dataclass
class ManagedBroker:
    broker: Broker
    logins: BrokerLogins
    dynsec_file: Path

    def settings(self) -> MqttSettings:
        """The portal's MQTT settings for managing this broker (what `make run` exports)."""
        return MqttSettings(
            broker_url=self.broker.url,
            username=self.logins.bridge_user,
            password=self.logins.bridge_password,  # type: ignore[arg-type]
            manage_broker=True,
            dynsec_username=self.logins.admin_user,
            dynsec_password=self.logins.admin_password,  # type: ignore[arg-type]
        )


def new_logins() -> BrokerLogins:
    return BrokerLogins(
        admin_user="portal-admin",
        admin_password=secrets.token_urlsafe(16),
        bridge_user="portal-bridge",
        bridge_password=secrets.token_urlsafe(16),
    )


def start_managed_broker(
    tmp: Path, clients: list[dynsec.ClientAccount] | None = None
) -> ManagedBroker:
    logins = new_logins()
    path = tmp / "dynamic-security.json"
    dynsec.write_config(
        path,
        admin_user=logins.admin_user,
        admin_password=logins.admin_password,
        bridge_user=logins.bridge_user,
        bridge_password=logins.bridge_password,
        clients=clients or [],
        projects=GAME_PROJECTS,
    )
    return ManagedBroker(start_broker(tmp, dynsec=path), logins, path)


@asynccontextmanager
async def connected(broker: Broker, username: str, password: str) -> AsyncIterator[aiomqtt.Client]:
    client = aiomqtt.Client(
        broker.host,
        broker.port,
        username=username,
        password=password,
        identifier=f"test-{secrets.token_hex(6)}",
        timeout=WAIT_S,
    )
    async with client:
        yield client


async def logs_in(broker: Broker, username: str, password: str) -> bool:
    """Whether the broker accepts this login (a refusal is False; anything else raises)."""
    try:
        async with connected(broker, username, password):
            return True
    except aiomqtt.MqttCodeError as exc:
        code = getattr(exc.rc, "value", exc.rc)
        if code in NOT_AUTHORISED:
            return False
        raise


async def key_logs_in(broker: Broker, key: str) -> bool:
    """A game client's login: username = the key id of `pp_<keyid>_<secret>`, password = key."""
    return await logs_in(broker, key.split("_")[1], key)
