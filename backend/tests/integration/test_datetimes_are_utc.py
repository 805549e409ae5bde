"""Read paths send datetimes with their timezone, as create paths do (SQLite forgets it)."""

import httpx
import pytest

from tests.fixtures.factories import register

pytestmark = pytest.mark.integration


def assert_utc(value: object) -> None:
    assert isinstance(value, str)
    assert value.endswith("Z"), f"{value} has no timezone"


async def test_account_and_key_times_say_utc(client: httpx.AsyncClient) -> None:
    account = await register(client)  # the first account is the admin
    created = await client.post(
        "/api/keys", json={"name": "ci", "expires_in_days": 7}, headers=account.headers
    )
    assert_utc(created.json()["created_at"])
    me = await client.get("/api/auth/me", headers=account.headers)
    keys = await client.get("/api/keys", headers=account.headers)
    users = await client.get("/api/users", headers=account.headers)
    assert_utc(me.json()["created_at"])
    assert_utc(keys.json()[0]["created_at"])
    assert_utc(keys.json()[0]["expires_at"])
    assert_utc(users.json()[0]["created_at"])
