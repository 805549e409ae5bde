"""Who a game request belongs to: the key it carries, checked like a bearer API key.

The auth cache lives for a minute here, so a refused key after a revoke or a disable shows
the cache being told, not an entry that happened to expire.
"""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.auth.models import ApiKey
from app.config import Settings
from app.db import session_scope
from app.games.owners import PortalOwners
from app.mqtt.handler import NotServed
from app.mqtt.settings import MqttSettings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(auth_cache_seconds=60, mqtt=MqttSettings(keyless_projects=["maze"]))


@pytest.fixture
def owners(app: FastAPI, settings: Settings) -> PortalOwners:
    return PortalOwners(app.state.sessionmaker, app.state.auth_cache, settings)


async def new_key(client: httpx.AsyncClient, account: Account) -> dict[str, object]:
    created = await client.post("/api/keys", json={"name": "game"}, headers=account.headers)
    assert created.status_code == 201, created.text
    body: dict[str, object] = created.json()
    return body


async def refusal(owners: PortalOwners, project: str, api_key: str | None) -> str:
    with pytest.raises(NotServed) as refused:
        await owners.owner_of(project, api_key)
    return refused.value.code


class TestWithKey:
    async def test_a_valid_key_makes_its_user_the_owner(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        account = await register(client)
        key = await new_key(client, account)
        assert await owners.owner_of("driving", str(key["key"])) == str(account.user["id"])
        # A keyless project still gives a key-carrying request to the key's user.
        assert await owners.owner_of("maze", str(key["key"])) == str(account.user["id"])

    @pytest.mark.parametrize(
        "api_key", ["pp_nosuchkey_secret", "not-a-key", "pp_", "pp__x", "Bearer pp_a_b"]
    )
    async def test_a_wrong_key_is_refused(self, owners: PortalOwners, api_key: str) -> None:
        assert await refusal(owners, "maze", api_key) == "invalid_api_key"

    async def test_a_wrong_secret_for_a_real_key_id_is_refused(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        key = str((await new_key(client, await register(client)))["key"])
        assert await refusal(owners, "maze", key[:-4] + "abcd") == "invalid_api_key"

    async def test_a_sign_in_token_is_not_an_api_key(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        account = await register(client)
        assert await refusal(owners, "maze", account.token) == "invalid_api_key"

    async def test_a_revoked_key_is_refused_at_once(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        account = await register(client)
        key = await new_key(client, account)
        assert await owners.owner_of("maze", str(key["key"])) == str(account.user["id"])
        revoked = await client.delete(f"/api/keys/{key['id']}", headers=account.headers)
        assert revoked.status_code == 204
        assert await refusal(owners, "maze", str(key["key"])) == "invalid_api_key"

    async def test_an_expired_key_is_refused(
        self, app: FastAPI, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        key = await new_key(client, await register(client))
        async with session_scope(app.state.sessionmaker) as session:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.id == key["id"])
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        assert await refusal(owners, "maze", str(key["key"])) == "invalid_api_key"

    async def test_the_key_of_a_disabled_account_is_refused_at_once(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        admin = await register(client)
        user = await register(client)
        key = str((await new_key(client, user))["key"])
        assert await owners.owner_of("maze", key) == str(user.user["id"])
        disabled = await client.patch(
            f"/api/users/{user.user['id']}", json={"is_active": False}, headers=admin.headers
        )
        assert disabled.status_code == 200
        assert await refusal(owners, "maze", key) == "invalid_api_key"

    async def test_an_account_with_a_temporary_password_must_choose_its_own_first(
        self, client: httpx.AsyncClient, owners: PortalOwners
    ) -> None:
        admin = await register(client)
        user = await register(client)
        key = str((await new_key(client, user))["key"])
        given = await client.post(
            f"/api/users/{user.user['id']}/temporary-password", headers=admin.headers
        )
        assert given.status_code == 200, given.text
        assert await refusal(owners, "maze", key) == "password_change_required"


class TestWithoutKey:
    @pytest.mark.parametrize("api_key", [None, ""])
    async def test_a_keyless_project_gives_the_request_to_the_project(
        self, owners: PortalOwners, api_key: str | None
    ) -> None:
        assert await owners.owner_of("maze", api_key) == "mqtt:maze"

    async def test_other_projects_ask_for_a_key(self, owners: PortalOwners) -> None:
        with pytest.raises(NotServed) as refused:
            await owners.owner_of("driving", None)
        assert refused.value.code == "api_key_required"
        assert "apiKey" in str(refused.value.message)

    async def test_a_star_makes_every_project_keyless(
        self, app: FastAPI, make_settings: SettingsFactory
    ) -> None:
        everyone = make_settings(mqtt=MqttSettings(keyless_projects="*"))
        owners = PortalOwners(app.state.sessionmaker, app.state.auth_cache, everyone)
        assert await owners.owner_of("racing", None) == "mqtt:racing"
