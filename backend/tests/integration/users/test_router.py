"""Account administration over HTTP: temporary passwords, and never losing the last admin."""

import asyncio

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.users import service
from app.users.models import User
from app.users.schemas import UserCreate
from tests.fixtures.factories import Account, register

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def set_role(
    client: httpx.AsyncClient, admin: Account, target: Account, **change: object
) -> httpx.Response:
    return await client.patch(f"/api/users/{target.user['id']}", json=change, headers=admin.headers)


async def give_temporary_password(
    client: httpx.AsyncClient, admin: Account, target: Account
) -> httpx.Response:
    return await client.post(
        f"/api/users/{target.user['id']}/temporary-password", headers=admin.headers
    )


class TestTemporaryPassword:
    async def test_signs_in_once_and_must_be_changed(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        user = await register(client)
        given = await give_temporary_password(client, admin, user)
        assert given.status_code == 200
        temporary = given.json()["temporary_password"]
        UserCreate(email="check@example.com", password=temporary)  # meets the password rules
        old = await client.post(
            "/api/auth/login", json={"email": user.email, "password": user.password}
        )
        assert old.status_code == 401
        login = await client.post(
            "/api/auth/login", json={"email": user.email, "password": temporary}
        )
        assert login.status_code == 200
        me = await client.get("/api/auth/me", headers=bearer(login.json()["access_token"]))
        assert me.json()["must_change_password"] is True
        listed = await client.get("/api/users", headers=admin.headers)
        flags = {item["email"]: item["must_change_password"] for item in listed.json()}
        assert flags == {admin.email: False, user.email: True}

    async def test_ends_the_accounts_sign_ins(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        user = await register(client)
        await give_temporary_password(client, admin, user)
        assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401
        refresh = await client.post("/api/auth/refresh", headers=user.headers)
        assert refresh.status_code == 401

    async def test_each_one_is_new(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        user = await register(client)
        first = (await give_temporary_password(client, admin, user)).json()
        second = (await give_temporary_password(client, admin, user)).json()
        assert first["temporary_password"] != second["temporary_password"]

    async def test_plain_user_gets_403(self, client: httpx.AsyncClient) -> None:
        await register(client)  # the admin
        user = await register(client)
        other = await register(client)
        refused = await give_temporary_password(client, user, other)
        assert refused.status_code == 403
        assert refused.json()["error"] == "Admin role required"

    async def test_own_account_is_403(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        refused = await give_temporary_password(client, admin, admin)
        assert refused.status_code == 403
        assert refused.json()["code"] == "own_account"
        assert (await client.get("/api/auth/me", headers=admin.headers)).status_code == 200

    async def test_unknown_account_is_404(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        missing = await client.post(
            "/api/users/2147483647/temporary-password", headers=admin.headers
        )
        assert missing.status_code == 404
        assert missing.json()["error"] == "User not found"

    async def test_anonymous_is_401(self, client: httpx.AsyncClient) -> None:
        assert (await client.post("/api/users/1/temporary-password")).status_code == 401


class TestLastAdmin:
    @pytest.mark.parametrize("change", [{"role": "user"}, {"is_active": False}])
    async def test_the_only_admin_cannot_step_down(
        self, client: httpx.AsyncClient, change: dict[str, object]
    ) -> None:
        admin = await register(client)
        refused = await set_role(client, admin, admin, **change)
        assert refused.status_code == 409
        assert refused.json()["code"] == "last_admin"
        me = await client.get("/api/auth/me", headers=admin.headers)
        assert (me.json()["role"], me.json()["is_active"]) == ("admin", True)

    async def test_a_disabled_admin_does_not_count(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        other = await register(client)
        await set_role(client, admin, other, role="admin")
        assert (await set_role(client, admin, other, is_active=False)).status_code == 200
        refused = await set_role(client, admin, admin, role="user")
        assert refused.status_code == 409

    async def test_with_another_admin_one_may_step_down(self, client: httpx.AsyncClient) -> None:
        admin = await register(client)
        other = await register(client)
        assert (await set_role(client, admin, other, role="admin")).status_code == 200
        stepped_down = await set_role(client, admin, admin, role="user")
        assert stepped_down.status_code == 200
        assert stepped_down.json()["role"] == "user"
        assert (await client.get("/api/users", headers=admin.headers)).status_code == 403
        # Now `other` is the last one.
        refused = await set_role(client, other, other, is_active=False)
        assert refused.json()["code"] == "last_admin"

    @pytest.mark.parametrize("change", [{"role": "user"}, {"is_active": False}])
    @pytest.mark.parametrize("target", ["each_other", "themselves"])
    async def test_two_admins_stepping_down_at_once_leave_one(
        self,
        client: httpx.AsyncClient,
        monkeypatch: pytest.MonkeyPatch,
        change: dict[str, object],
        target: str,
    ) -> None:
        first = await register(client)
        second = await register(client)
        assert (await set_role(client, first, second, role="admin")).status_code == 200
        check = service._keep_another_active_admin

        async def slow_check(session: AsyncSession, *, user: User) -> None:
            await check(session, user=user)
            await asyncio.sleep(0.2)  # both requests are past the check before either writes

        monkeypatch.setattr(service, "_keep_another_active_admin", slow_check)
        if target == "each_other":
            pairs = [(first, second), (second, first)]
        else:
            pairs = [(first, first), (second, second)]
        answers = await asyncio.gather(
            *(set_role(client, actor, subject, **change) for actor, subject in pairs)
        )
        assert sorted(answer.status_code for answer in answers) == [200, 409]
        refused = next(answer for answer in answers if answer.status_code == 409)
        assert refused.json()["code"] == "last_admin"
        admins = []
        for account in (first, second):
            login = await client.post(
                "/api/auth/login", json={"email": account.email, "password": account.password}
            )
            if login.status_code != 200:
                continue
            me = await client.get("/api/auth/me", headers=bearer(login.json()["access_token"]))
            if (me.json()["role"], me.json()["is_active"]) == ("admin", True):
                admins.append(account.email)
        assert len(admins) == 1


class TestDisable:
    async def test_enabling_again_does_not_revive_old_sign_ins(
        self, client: httpx.AsyncClient
    ) -> None:
        admin = await register(client)
        user = await register(client)
        assert (await set_role(client, admin, user, is_active=False)).status_code == 200
        assert (await set_role(client, admin, user, is_active=True)).status_code == 200
        assert (await client.get("/api/auth/me", headers=user.headers)).status_code == 401
        login = await client.post(
            "/api/auth/login", json={"email": user.email, "password": user.password}
        )
        assert login.status_code == 200
