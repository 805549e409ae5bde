"""Accounts over HTTP: register, login (JSON and form), me, password change, API keys."""

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from jose import jwt

from app.config import Settings
from tests.fixtures.factories import DEFAULT_PASSWORD, register, unique_email

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


def assert_error_shape(body: dict[str, object], message: str | None = None) -> None:
    assert isinstance(body["error"], str)
    assert isinstance(body["timestamp"], int)
    assert abs(body["timestamp"] - time.time()) < 60
    if message is not None:
        assert body["error"] == message


class TestRegister:
    async def test_first_user_is_admin_and_no_password_is_returned(
        self, client: httpx.AsyncClient
    ) -> None:
        first = await client.post(
            "/api/auth/register", json={"email": unique_email(), "password": DEFAULT_PASSWORD}
        )
        second = await client.post(
            "/api/auth/register", json={"email": unique_email(), "password": DEFAULT_PASSWORD}
        )
        assert first.status_code == 201
        assert first.json()["role"] == "admin"
        assert second.json()["role"] == "user"
        assert first.json()["must_change_password"] is False
        assert not any("password" in key for key in first.json() if key != "must_change_password")

    async def test_taken_email_is_409(self, client: httpx.AsyncClient) -> None:
        email = unique_email()
        await register(client, email=email)
        again = await client.post(
            "/api/auth/register", json={"email": email.upper(), "password": DEFAULT_PASSWORD}
        )
        assert again.status_code == 409
        assert_error_shape(again.json(), "Email already registered")

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "email"),
            ({"email": "a@example.com", "password": "short1"}, "password"),
            ({"email": "a@example.com", "password": "onlyletters"}, "password"),
            ({"email": "a@example.com", "password": "x1" * 100}, "password"),
            ({"email": "a" * 250 + "@example.com", "password": DEFAULT_PASSWORD}, "email"),
            ({"password": DEFAULT_PASSWORD}, "email"),
        ],
    )
    async def test_bad_field_is_400_naming_it(
        self, client: httpx.AsyncClient, payload: dict[str, str], field: str
    ) -> None:
        response = await client.post("/api/auth/register", json=payload)
        assert response.status_code == 400
        body = response.json()
        assert_error_shape(body)
        assert body["code"] == "validation_error"
        assert field in [detail["field"] for detail in body["details"]]

    async def test_body_over_the_cap_is_413(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/register",
            content=b'{"email": "' + b"a" * 10_000_000 + b'"}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert_error_shape(response.json())

    async def test_body_over_the_cap_without_length_is_413(self, client: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"email": "'
            for _ in range(200):
                yield b"a" * 10_000
            yield b'"}'

        response = await client.post(
            "/api/auth/register",
            content=chunks(),
            headers={"content-type": "application/json", "origin": "http://localhost:5173"},
        )
        assert response.status_code == 413
        body = response.json()
        assert_error_shape(body)
        assert body["code"] == "payload_too_large"
        # Inside CORS, so a browser may read why its upload was refused.
        assert response.headers["access-control-allow-origin"] == "http://localhost:5173"


class TestLogin:
    async def test_json_login_gives_a_working_token(
        self, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        account = await register(client)
        me = await client.get("/api/auth/me", headers=account.headers)
        assert me.status_code == 200
        assert me.json()["email"] == account.email
        claims = jwt.decode(
            account.token, settings.secret_key.get_secret_value(), algorithms=["HS256"]
        )
        assert claims["exp"] - claims["iat"] == settings.access_token_minutes * 60

    async def test_login_body_that_is_not_utf8_is_400(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/api/auth/login",
            content=b'{"email": "\xff\xfe"}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert_error_shape(response.json())

    async def test_form_login_works(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        response = await client.post(
            "/api/auth/login", data={"username": account.email, "password": account.password}
        )
        assert response.status_code == 200
        assert response.json()["token_type"] == "bearer"

    async def test_wrong_password_and_unknown_email_say_the_same(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)
        wrong = await client.post(
            "/api/auth/login", json={"email": account.email, "password": "wrong pass 1"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"email": unique_email(), "password": "wrong pass 1"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json()["error"] == unknown.json()["error"] == "Invalid email or password"

    async def test_disabled_account_cannot_log_in(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        user = await register(client)
        disabled = await client.patch(
            f"/api/users/{user.user['id']}", json={"is_active": False}, headers=admin.headers
        )
        assert disabled.status_code == 200
        login = await client.post(
            "/api/auth/login", json={"email": user.email, "password": user.password}
        )
        assert login.status_code == 401
        assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401


class TestBearerTokens:
    @pytest.mark.parametrize("kind", ["other_key", "expired", "alg_none", "hs512", "garbage"])
    async def test_bad_tokens_are_401(
        self, client: httpx.AsyncClient, settings: Settings, kind: str
    ) -> None:
        account = await register(client)
        secret = settings.secret_key.get_secret_value()
        now = int(time.time())
        claims = {"sub": str(account.user["id"]), "typ": "access", "iat": now, "exp": now + 600}
        tokens = {
            "other_key": jwt.encode(claims, "another-secret-key-entirely", algorithm="HS256"),
            "expired": jwt.encode({**claims, "exp": now - 10}, secret, algorithm="HS256"),
            "alg_none": _unsigned_token(claims),
            "hs512": jwt.encode(claims, secret, algorithm="HS512"),
            "garbage": "not.a.token",
        }
        response = await client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {tokens[kind]}"}
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert_error_shape(response.json(), "Unauthorized")


def _unsigned_token(claims: dict[str, object]) -> str:
    import base64
    import json

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


class TestUpdateMe:
    async def test_password_change_needs_the_current_password(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)
        refused = await client.patch(
            "/api/auth/me",
            json={"current_password": "nope nope 1", "new_password": "brand new 99"},
            headers=account.headers,
        )
        assert refused.status_code == 400
        assert refused.json()["details"][0]["field"] == "current_password"
        changed = await client.patch(
            "/api/auth/me",
            json={
                "current_password": account.password,
                "new_password": "brand new 99",
                "display_name": "Ada",
            },
            headers=account.headers,
        )
        assert changed.status_code == 200
        assert changed.json()["display_name"] == "Ada"
        old = await client.post(
            "/api/auth/login", json={"email": account.email, "password": account.password}
        )
        new = await client.post(
            "/api/auth/login", json={"email": account.email, "password": "brand new 99"}
        )
        assert (old.status_code, new.status_code) == (401, 200)

    async def test_password_change_logs_out_earlier_tokens_but_not_api_keys(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)
        key = await client.post("/api/keys", json={"name": "script"}, headers=account.headers)
        key_headers = {"Authorization": f"Bearer {key.json()['key']}"}
        changed = await client.patch(
            "/api/auth/me",
            json={"current_password": account.password, "new_password": "brand new 99"},
            headers=account.headers,
        )
        assert changed.status_code == 200
        stale = await client.get("/api/auth/me", headers=account.headers)
        assert stale.status_code == 401
        login = await client.post(
            "/api/auth/login", json={"email": account.email, "password": "brand new 99"}
        )
        fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
        assert (await client.get("/api/auth/me", headers=fresh)).status_code == 200
        # Keys are revoked one by one (DELETE /api/keys/{id}), not by a password change.
        assert (await client.get("/api/auth/me", headers=key_headers)).status_code == 200


class TestApiKeys:
    async def test_key_is_shown_once_and_works_as_bearer(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        created = await client.post("/api/keys", json={"name": "notebook"}, headers=account.headers)
        assert created.status_code == 201
        key = created.json()["key"]
        assert key.startswith(created.json()["prefix"] + "_")
        listed = await client.get("/api/keys", headers=account.headers)
        assert [item["name"] for item in listed.json()] == ["notebook"]
        assert "key" not in listed.json()[0]
        me = await client.get("/api/auth/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200
        assert me.json()["email"] == account.email

    async def test_revoked_or_tampered_key_is_401(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        created = (
            await client.post("/api/keys", json={"name": "k"}, headers=account.headers)
        ).json()
        tampered = created["key"][:-2] + ("AA" if not created["key"].endswith("AA") else "BB")
        assert (
            await client.get("/api/auth/me", headers={"Authorization": f"Bearer {tampered}"})
        ).status_code == 401
        deleted = await client.delete(f"/api/keys/{created['id']}", headers=account.headers)
        assert deleted.status_code == 204
        assert (
            await client.get("/api/auth/me", headers={"Authorization": f"Bearer {created['key']}"})
        ).status_code == 401

    async def test_another_users_key_is_404(self, client: httpx.AsyncClient) -> None:
        owner = await register(client)
        other = await register(client)
        created = (await client.post("/api/keys", json={"name": "k"}, headers=owner.headers)).json()
        response = await client.delete(f"/api/keys/{created['id']}", headers=other.headers)
        assert response.status_code == 404
        assert_error_shape(response.json(), "API key not found")


class TestUsersAdmin:
    async def test_plain_user_gets_403_admin_sees_everyone(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        user = await register(client)
        assert (await client.get("/api/users", headers=user.headers)).status_code == 403
        listed = await client.get("/api/users", headers=admin.headers)
        assert {item["email"] for item in listed.json()} == {admin.email, user.email}


class TestAdminFromSettings:
    async def test_configured_admin_exists_at_start(self, make_settings, database_url: str) -> None:
        from asgi_lifespan import LifespanManager

        from app.main import create_app
        from tests.fixtures.database import clear_tables

        settings = make_settings(admin_email="root@example.com", admin_password="admin pass 77")
        application = create_app(settings)
        try:
            async with (
                LifespanManager(application),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
                ) as http,
            ):
                login = await http.post(
                    "/api/auth/login",
                    json={"email": "root@example.com", "password": "admin pass 77"},
                )
                me = await http.get(
                    "/api/auth/me",
                    headers={"Authorization": f"Bearer {login.json()['access_token']}"},
                )
                assert me.json()["role"] == "admin"
        finally:
            await clear_tables(database_url)
