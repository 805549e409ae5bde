"""Cached authentication still honours every change to an account at once.

The cache here lives for a minute, so a test that passes shows invalidation at work, not
an entry that happened to expire.
"""

import httpx
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import register

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(auth_cache_seconds=60)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_revoked_key_stops_working_at_once(client: httpx.AsyncClient) -> None:
    account = await register(client)
    created = (await client.post("/api/keys", json={"name": "k"}, headers=account.headers)).json()
    assert (await client.get("/api/auth/me", headers=bearer(created["key"]))).status_code == 200
    await client.delete(f"/api/keys/{created['id']}", headers=account.headers)
    assert (await client.get("/api/auth/me", headers=bearer(created["key"]))).status_code == 401


async def test_disabled_account_is_locked_out_at_once(client: httpx.AsyncClient) -> None:
    admin = await register(client)
    user = await register(client)
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 200
    disabled = await client.patch(
        f"/api/users/{user.user['id']}", json={"is_active": False}, headers=admin.headers
    )
    assert disabled.status_code == 200
    assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401


async def test_password_change_retires_cached_tokens(client: httpx.AsyncClient) -> None:
    account = await register(client)
    assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 200
    changed = await client.patch(
        "/api/auth/me",
        json={"current_password": account.password, "new_password": "a brand new one 7"},
        headers=account.headers,
    )
    assert changed.status_code == 200
    assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 401


async def test_new_name_shows_on_the_next_request(client: httpx.AsyncClient) -> None:
    account = await register(client)
    await client.get("/api/auth/me", headers=account.headers)
    await client.patch("/api/auth/me", json={"display_name": "Ada"}, headers=account.headers)
    me = await client.get("/api/auth/me", headers=account.headers)
    assert me.json()["display_name"] == "Ada"


async def test_promoted_user_gets_admin_routes_at_once(client: httpx.AsyncClient) -> None:
    admin = await register(client)
    user = await register(client)
    assert (await client.get("/api/users", headers=user.headers)).status_code == 403
    await client.patch(
        f"/api/users/{user.user['id']}", json={"role": "admin"}, headers=admin.headers
    )
    assert (await client.get("/api/users", headers=user.headers)).status_code == 200
