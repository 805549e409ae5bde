"""Staying signed in: refresh renews a sign-in's token; logout, a password change and the
sign-in's maximum age end it, for the first token and every renewal alike."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from jose import jwt
from sqlalchemy import update

from app.auth.models import SignIn
from app.config import Settings
from app.db import create_engine
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str, settings: Settings) -> dict[str, object]:
    decoded: dict[str, object] = jwt.decode(
        token, settings.secret_key.get_secret_value(), algorithms=["HS256"]
    )
    return decoded


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/api/auth/refresh", headers=bearer(token))


async def log_in_again(client: httpx.AsyncClient, account: Account) -> str:
    login = await client.post(
        "/api/auth/login", json={"email": account.email, "password": account.password}
    )
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


async def move_sign_ins_back(database_url: str, *, user_id: int, hours: float) -> None:
    """Pretend the account's sign-ins started `hours` earlier than they did."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(SignIn)
                .where(SignIn.user_id == user_id)
                .values(started_at=datetime.now(UTC) - timedelta(hours=hours))
            )
    finally:
        await engine.dispose()


class TestLogin:
    async def test_token_names_its_sign_in_and_when_it_started(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        claims = claims_of(account.token, settings)
        assert isinstance(claims["sid"], str)
        assert isinstance(claims["sit"], int)
        assert abs(claims["sit"] - time.time()) < 60

    async def test_each_login_is_its_own_sign_in(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        again = await log_in_again(client, account)
        assert claims_of(again, settings)["sid"] != claims_of(account.token, settings)["sid"]


class TestRefresh:
    async def test_gives_a_working_token_for_the_same_sign_in(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        renewed = await refresh(client, account.token)
        assert renewed.status_code == 200, renewed.text
        body = renewed.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == settings.access_token_minutes * 60
        old, new = claims_of(account.token, settings), claims_of(body["access_token"], settings)
        assert (new["sid"], new["sit"], new["sub"]) == (old["sid"], old["sit"], old["sub"])
        me = await client.get("/api/auth/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["email"] == account.email

    async def test_a_renewed_token_can_be_renewed(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        first = (await refresh(client, account.token)).json()["access_token"]
        second = await refresh(client, first)
        assert second.status_code == 200

    async def test_after_logout_is_401(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        renewed = (await refresh(client, account.token)).json()["access_token"]
        logout = await client.post("/api/auth/logout", headers=bearer(renewed))
        assert logout.status_code == 204
        for token in (account.token, renewed):
            refused = await refresh(client, token)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"

    async def test_after_password_change_is_401(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        changed = await client.patch(
            "/api/auth/me",
            json={"current_password": account.password, "new_password": "brand new 99"},
            headers=account.headers,
        )
        assert changed.status_code == 200
        assert (await refresh(client, account.token)).status_code == 401

    async def test_past_the_maximum_age_is_401(
        self, client: httpx.AsyncClient, settings: Settings, database_url: str
    ) -> None:
        account = await register(client)
        await move_sign_ins_back(
            database_url, user_id=int(str(account.user["id"])), hours=settings.sign_in_max_hours
        )
        assert (await refresh(client, account.token)).status_code == 401
        # The token itself stops too: its sign-in is over.
        assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 401

    async def test_api_key_is_not_renewed(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        key = (await client.post("/api/keys", json={"name": "k"}, headers=account.headers)).json()
        refused = await refresh(client, key["key"])
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_a_sign_in"

    async def test_token_from_before_sign_ins_is_401(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        now = int(time.time())
        claims = {"sub": str(account.user["id"]), "typ": "access", "ver": 0}
        old_style = jwt.encode(
            {**claims, "iat": now, "exp": now + 600},
            settings.secret_key.get_secret_value(),
            algorithm="HS256",
        )
        assert (await client.get("/api/auth/me", headers=bearer(old_style))).status_code == 401
        assert (await refresh(client, old_style)).status_code == 401


class TestMaximumAge:
    @pytest.fixture
    def settings(self, make_settings: SettingsFactory) -> Settings:
        return make_settings(sign_in_max_hours=5 / 3600)  # five seconds

    async def test_no_token_outlives_its_sign_in(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        renewed = await refresh(client, account.token)
        assert renewed.status_code == 200
        assert renewed.json()["expires_in"] <= 5
        started = claims_of(account.token, settings)["sit"]
        assert isinstance(started, int)
        assert claims_of(renewed.json()["access_token"], settings)["exp"] <= started + 5
        await asyncio.sleep(5.5)
        assert (await refresh(client, renewed.json()["access_token"])).status_code == 401
        assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 401


class TestLogout:
    async def test_ends_the_token_and_every_renewal(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        renewed = (await refresh(client, account.token)).json()["access_token"]
        assert (await client.get("/api/auth/me", headers=bearer(renewed))).status_code == 200
        logout = await client.post("/api/auth/logout", headers=account.headers)
        assert logout.status_code == 204
        for token in (account.token, renewed):
            me = await client.get("/api/auth/me", headers=bearer(token))
            assert me.status_code == 401

    async def test_other_sign_ins_stay(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        other = await log_in_again(client, account)
        await client.post("/api/auth/logout", headers=account.headers)
        assert (await client.get("/api/auth/me", headers=bearer(other))).status_code == 200
        assert (await refresh(client, other)).status_code == 200

    async def test_twice_is_401(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        assert (await client.post("/api/auth/logout", headers=account.headers)).status_code == 204
        again = await client.post("/api/auth/logout", headers=account.headers)
        assert again.status_code == 401

    async def test_api_key_is_refused(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        key = (await client.post("/api/keys", json={"name": "k"}, headers=account.headers)).json()
        refused = await client.post("/api/auth/logout", headers=bearer(key["key"]))
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_a_sign_in"
        assert (await client.get("/api/auth/me", headers=bearer(key["key"]))).status_code == 200


class TestWithCachedTokens:
    """A minute-long auth cache: what passes here is invalidation, not an entry expiring."""

    @pytest.fixture
    def settings(self, make_settings: SettingsFactory) -> Settings:
        return make_settings(auth_cache_seconds=60)

    async def test_logout_drops_that_sign_ins_tokens_at_once(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)
        other = await log_in_again(client, account)
        renewed = (await refresh(client, account.token)).json()["access_token"]
        for token in (account.token, renewed, other):
            assert (await client.get("/api/auth/me", headers=bearer(token))).status_code == 200
        assert (await client.post("/api/auth/logout", headers=account.headers)).status_code == 204
        assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 401
        assert (await client.get("/api/auth/me", headers=bearer(renewed))).status_code == 401
        assert (await client.get("/api/auth/me", headers=bearer(other))).status_code == 200

    async def test_refresh_checks_the_sign_in_itself(
        self, client: httpx.AsyncClient, settings: Settings, database_url: str
    ) -> None:
        """A sign-in that ended where this worker's cache cannot see it is not renewed."""
        account = await register(client)
        assert (await client.get("/api/auth/me", headers=account.headers)).status_code == 200
        await move_sign_ins_back(
            database_url, user_id=int(str(account.user["id"])), hours=settings.sign_in_max_hours
        )
        refused = await refresh(client, account.token)
        assert refused.status_code == 401
        assert refused.json()["code"] == "sign_in_ended"
