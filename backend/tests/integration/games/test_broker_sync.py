"""The broker's logins follow the portal's API keys, on a real Mosquitto with dynamic security.

Keys are made, revoked and their accounts disabled through the HTTP API; the broker then
decides, as it does for a game client: username = key id, password = the whole key.
"""

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.auth.models import ApiKey
from app.config import Settings
from app.db import session_scope, utcnow
from app.games.broker_sync import BrokerAccounts, open_broker_accounts, write_broker_file
from app.mqtt.settings import GAME_PROJECTS, MqttSettings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register
from tests.integration.games.broker_logins import (
    WAIT_S,
    ManagedBroker,
    key_logs_in,
    logs_in,
    start_managed_broker,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[ManagedBroker]:
    managed = start_managed_broker(tmp_path)
    try:
        yield managed
    finally:
        managed.broker.close()


@pytest.fixture
def settings(make_settings: SettingsFactory, managed: ManagedBroker) -> Settings:
    return make_settings(mqtt=managed.settings())


@pytest.fixture
def accounts(app: FastAPI, settings: Settings) -> BrokerAccounts:
    """The app's broker mirror (made here too while the lifespan does not make it yet)."""
    existing: BrokerAccounts | None = getattr(app.state, "broker_accounts", None)
    if existing is None:
        existing = BrokerAccounts.from_settings(settings.mqtt, app.state.sessionmaker)
        app.state.broker_accounts = existing
    assert existing is not None
    return existing


async def new_key(client: httpx.AsyncClient, account: Account, **extra: object) -> dict[str, Any]:
    created = await client.post(
        "/api/keys", json={"name": "game", **extra}, headers=account.headers
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def set_expiry(app: FastAPI, key: dict[str, Any], *, ago: timedelta) -> None:
    async with session_scope(app.state.sessionmaker) as session:
        await session.execute(
            update(ApiKey).where(ApiKey.id == key["id"]).values(expires_at=utcnow() - ago)
        )


async def forget_mqtt_password(app: FastAPI, key: dict[str, Any]) -> None:
    """Make the key look like one made before the portal served MQTT."""
    async with session_scope(app.state.sessionmaker) as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == key["id"])
            .values(mqtt_password_hash=None, mqtt_salt=None, mqtt_iterations=None)
        )


async def set_active(
    client: httpx.AsyncClient, admin: Account, user: Account, active: bool
) -> None:
    changed = await client.patch(
        f"/api/users/{user.user['id']}", json={"is_active": active}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text


@pytest.mark.usefixtures("accounts")
class TestCreateKey:
    async def test_the_new_key_logs_in_to_the_broker(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        key = await new_key(client, await register(client))
        assert key["mqtt"] is True
        assert await key_logs_in(managed.broker, key["key"])

    async def test_the_login_survives_a_broker_crash(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        key = await new_key(client, await register(client))
        managed.broker.stop()  # SIGKILL: the plugin saved the login when it was made
        managed.broker.start()
        assert await key_logs_in(managed.broker, key["key"])

    async def test_a_wrong_password_is_refused(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        key = await new_key(client, await register(client))
        key_id = key["key"].split("_")[1]
        assert not await logs_in(managed.broker, key_id, key["key"] + "x")
        assert not await logs_in(managed.broker, key_id, "")
        assert not await logs_in(managed.broker, "not-a-key-id", key["key"])

    async def test_an_unreachable_broker_does_not_fail_the_request(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        account = await register(client)
        managed.broker.stop()
        key = await new_key(client, account)
        assert key["mqtt"] is True
        listed = await client.get("/api/keys", headers=account.headers)
        assert [item["mqtt"] for item in listed.json()] == [True]
        revoked = await client.delete(f"/api/keys/{key['id']}", headers=account.headers)
        assert revoked.status_code == 204


class TestListKeys:
    async def test_says_which_keys_work_over_mqtt(
        self, client: httpx.AsyncClient, app: FastAPI
    ) -> None:
        account = await register(client)
        old, new = await new_key(client, account), await new_key(client, account)
        await forget_mqtt_password(app, old)
        listed = await client.get("/api/keys", headers=account.headers)
        assert {item["id"]: item["mqtt"] for item in listed.json()} == {
            old["id"]: False,
            new["id"]: True,
        }


@pytest.mark.usefixtures("accounts")
class TestRevokeKey:
    async def test_the_broker_refuses_a_revoked_key(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        account = await register(client)
        key, kept = await new_key(client, account), await new_key(client, account)
        revoked = await client.delete(f"/api/keys/{key['id']}", headers=account.headers)
        assert revoked.status_code == 204
        assert not await key_logs_in(managed.broker, key["key"])
        assert await key_logs_in(managed.broker, kept["key"])


@pytest.mark.usefixtures("accounts")
class TestDisableUser:
    async def test_the_broker_refuses_a_disabled_users_keys_until_enabled(
        self, client: httpx.AsyncClient, managed: ManagedBroker
    ) -> None:
        admin, user = await register(client), await register(client)
        key, others = await new_key(client, user), await new_key(client, admin)
        await set_active(client, admin, user, False)
        assert not await key_logs_in(managed.broker, key["key"])
        assert await key_logs_in(managed.broker, others["key"])
        await set_active(client, admin, user, True)
        assert await key_logs_in(managed.broker, key["key"])


class TestSweepExpired:
    async def test_an_expired_key_is_refused_after_the_sweep(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        managed: ManagedBroker,
        accounts: BrokerAccounts,
    ) -> None:
        account = await register(client)
        key = await new_key(client, account, expires_in_days=1)
        fresh = await new_key(client, account, expires_in_days=1)
        assert await key_logs_in(managed.broker, key["key"])
        await set_expiry(app, key, ago=timedelta(seconds=1))
        assert await accounts.sweep_expired() == 1
        assert not await key_logs_in(managed.broker, key["key"])
        assert await key_logs_in(managed.broker, fresh["key"])

    async def test_a_later_sweep_looks_only_at_keys_expired_since(
        self, client: httpx.AsyncClient, app: FastAPI, settings: Settings
    ) -> None:
        # A mirror of its own: the app's has already swept once, at start-up.
        accounts = BrokerAccounts.from_settings(settings.mqtt, app.state.sessionmaker)
        assert accounts is not None
        account = await register(client)
        key = await new_key(client, account, expires_in_days=1)
        await set_expiry(app, key, ago=timedelta(days=2))
        assert await accounts.sweep_expired() == 1
        assert await accounts.sweep_expired() == 0

    async def test_keys_expired_while_the_broker_was_away_are_swept_later(
        self,
        client: httpx.AsyncClient,
        app: FastAPI,
        managed: ManagedBroker,
        accounts: BrokerAccounts,
    ) -> None:
        key = await new_key(client, await register(client), expires_in_days=1)
        await set_expiry(app, key, ago=timedelta(seconds=1))
        managed.broker.stop()
        assert await accounts.sweep_expired() == 0
        managed.broker.start()
        assert await accounts.sweep_expired() == 1
        assert not await key_logs_in(managed.broker, key["key"])


class TestRetriedRefusals:
    async def test_a_key_revoked_while_the_broker_was_away_is_refused_once_it_is_back(
        self,
        client: httpx.AsyncClient,
        managed: ManagedBroker,
        accounts: BrokerAccounts,
    ) -> None:
        account = await register(client)
        key = await new_key(client, account)
        assert await key_logs_in(managed.broker, key["key"])
        managed.broker.stop()
        revoked = await client.delete(f"/api/keys/{key['id']}", headers=account.headers)
        assert revoked.status_code == 204
        managed.broker.start()  # its saved state still has the login
        assert await key_logs_in(managed.broker, key["key"])
        await accounts.retry_refusals()
        assert not await key_logs_in(managed.broker, key["key"])


class TestOpenBrokerAccounts:
    async def test_sweeps_expired_keys_while_open(
        self, client: httpx.AsyncClient, app: FastAPI, managed: ManagedBroker
    ) -> None:
        key = await new_key(client, await register(client), expires_in_days=1)
        await set_expiry(app, key, ago=timedelta(seconds=1))
        async with open_broker_accounts(
            managed.settings(), app.state.sessionmaker, sweep_seconds=0.2
        ) as accounts:
            assert accounts is not None
            for _ in range(int(WAIT_S / 0.2)):
                if not await key_logs_in(managed.broker, key["key"]):
                    break
                await asyncio.sleep(0.2)
            else:
                pytest.fail("the background sweep never removed the expired key")

    async def test_is_none_when_the_portal_manages_no_broker(self, app: FastAPI) -> None:
        settings = MqttSettings(broker_url="mqtt://127.0.0.1:1883")
        async with open_broker_accounts(settings, app.state.sessionmaker) as accounts:
            assert accounts is None


@pytest.mark.usefixtures("accounts")
class TestRebuildFromDatabase:
    async def test_a_fresh_broker_file_holds_exactly_the_usable_keys(
        self, client: httpx.AsyncClient, app: FastAPI, managed: ManagedBroker
    ) -> None:
        admin, user = await register(client), await register(client)
        good = await new_key(client, admin)
        revoked = await new_key(client, admin)
        expired = await new_key(client, admin, expires_in_days=1)
        disabled = await new_key(client, user)
        old = await new_key(client, admin)
        await client.delete(f"/api/keys/{revoked['id']}", headers=admin.headers)
        await set_expiry(app, expired, ago=timedelta(minutes=1))
        await forget_mqtt_password(app, old)
        await set_active(client, admin, user, False)

        managed.broker.stop()
        managed.dynsec_file.unlink()  # the broker's own state is lost
        count = await write_broker_file(
            app.state.sessionmaker,
            managed.dynsec_file,
            logins=managed.logins,
            projects=GAME_PROJECTS,
        )
        managed.broker.start()

        assert count == 2  # good, and disabled (kept, but marked disabled)
        assert await key_logs_in(managed.broker, good["key"])
        for refused in (revoked, expired, disabled, old):
            assert not await key_logs_in(managed.broker, refused["key"]), refused["name"]
        await set_active(client, admin, user, True)
        assert await key_logs_in(managed.broker, disabled["key"])
        bridge = managed.logins
        assert await logs_in(managed.broker, bridge.bridge_user, bridge.bridge_password)
