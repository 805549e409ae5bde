"""An account with a temporary password reaches only the routes that let it set its own.

Every other route — found by enumerating the app's operations, so a new route is covered
without being listed — answers 403 `password_change_required` until the password is changed.
"""

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.factories import Account, register
from tests.fixtures.routes import PUBLIC, Route, error_of, operations, sample_url

pytestmark = pytest.mark.integration

OPEN_WHILE_CHANGE_IS_DUE: set[Route] = {
    ("GET", "/api/auth/me"),
    ("PATCH", "/api/auth/me"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
}


async def with_temporary_password(client: httpx.AsyncClient) -> tuple[Account, str, str]:
    """An admin, and a user signed in with the temporary password the admin set (+ the token)."""
    admin = await register(client)
    user = await register(client)
    given = await client.post(
        f"/api/users/{user.user['id']}/temporary-password", headers=admin.headers
    )
    assert given.status_code == 200, given.text
    temporary = given.json()["temporary_password"]
    login = await client.post("/api/auth/login", json={"email": user.email, "password": temporary})
    assert login.status_code == 200, login.text
    return user, temporary, login.json()["access_token"]


async def test_every_other_route_answers_403(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, _, token = await with_temporary_password(client)
    headers = {"Authorization": f"Bearer {token}"}
    routes = operations(app, excluding=PUBLIC | OPEN_WHILE_CHANGE_IS_DUE)
    assert ("GET", "/api/keys") in routes
    assert len(routes) >= 10
    for method, path in routes:
        response = await client.request(method, sample_url(path), json={}, headers=headers)
        assert response.status_code == 403, f"{method} {path} answered {response.status_code}"
        assert error_of(response)[1] == "password_change_required", f"{method} {path}"


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_account_refresh_and_logout_stay_open(client: httpx.AsyncClient) -> None:
    _, _, token = await with_temporary_password(client)
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["must_change_password"] is True
    renamed = await client.patch("/api/auth/me", json={"display_name": "Ada"}, headers=headers)
    assert renamed.status_code == 200
    assert renamed.json()["must_change_password"] is True
    renewed = await client.post("/api/auth/refresh", headers=headers)
    assert renewed.status_code == 200
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_new_password_opens_everything(client: httpx.AsyncClient) -> None:
    user, temporary, token = await with_temporary_password(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/keys", headers=headers)).status_code == 403
    changed = await client.patch(
        "/api/auth/me",
        json={"current_password": temporary, "new_password": "my own pass 42"},
        headers=headers,
    )
    assert changed.status_code == 200
    assert changed.json()["must_change_password"] is False
    # A password change ends every sign-in, this one too: sign in with the new password.
    assert (await client.get("/api/keys", headers=headers)).status_code == 401
    login = await client.post(
        "/api/auth/login", json={"email": user.email, "password": "my own pass 42"}
    )
    fresh = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/keys", headers=fresh)).status_code == 200
    assert (await client.get("/api/auth/me", headers=fresh)).json()["must_change_password"] is False


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_api_keys_are_held_back_too(client: httpx.AsyncClient) -> None:
    admin = await register(client)
    user = await register(client)
    key = (await client.post("/api/keys", json={"name": "k"}, headers=user.headers)).json()["key"]
    await client.post(f"/api/users/{user.user['id']}/temporary-password", headers=admin.headers)
    held = await client.get("/api/keys", headers={"Authorization": f"Bearer {key}"})
    assert held.status_code == 403
    assert held.json()["code"] == "password_change_required"
