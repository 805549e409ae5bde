"""`/v1/models`, who may call `/v1`, and what the SDK raises when they may not."""

import httpx
import openai
import pytest
from fastapi import FastAPI

from tests.fixtures.factories import Account, register
from tests.integration.gateway.gateway_api import MODEL, create_key, sdk_client

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]


class TestModels:
    async def test_the_list_holds_the_model_the_server_serves(
        self, sdk: openai.AsyncOpenAI
    ) -> None:
        page = await sdk.models.list()
        assert [model.id for model in page.data] == [MODEL]
        assert page.data[0].object == "model"

    async def test_one_model_is_read_by_its_id(self, sdk: openai.AsyncOpenAI) -> None:
        model = await sdk.models.retrieve(MODEL)
        assert model.id == MODEL

    async def test_an_unknown_model_is_404_model_not_found(self, sdk: openai.AsyncOpenAI) -> None:
        with pytest.raises(openai.NotFoundError) as raised:
            await sdk.models.retrieve("no-such-model")
        assert raised.value.code == "model_not_found"


class TestCredentials:
    async def test_a_sign_in_token_works_too(self, app: FastAPI, account: Account) -> None:
        async with sdk_client(app, account.token) as sdk:
            assert [m.id for m in (await sdk.models.list()).data] == [MODEL]

    async def test_a_wrong_key_is_an_authentication_error(self, app: FastAPI) -> None:
        async with sdk_client(app, "pp_nokey_wrongsecret") as sdk:
            with pytest.raises(openai.AuthenticationError) as raised:
                await sdk.chat.completions.create(
                    model=MODEL, messages=[{"role": "user", "content": "hi"}]
                )
        assert raised.value.status_code == 401
        assert raised.value.code == "invalid_api_key"
        assert raised.value.type == "authentication_error"
        assert raised.value.response.headers["www-authenticate"] == "Bearer"

    async def test_a_revoked_key_is_an_authentication_error(
        self, app: FastAPI, client: httpx.AsyncClient, account: Account
    ) -> None:
        key = await create_key(client, account)
        async with sdk_client(app, key["key"]) as sdk:
            assert (await sdk.models.list()).data
            revoked = await client.delete(f"/api/keys/{key['id']}", headers=account.headers)
            assert revoked.status_code == 204
            with pytest.raises(openai.AuthenticationError):
                await sdk.models.list()

    async def test_a_temporary_password_is_a_permission_error(
        self, app: FastAPI, client: httpx.AsyncClient, account: Account
    ) -> None:
        user = await register(client)  # the first account registered is the admin
        given = await client.post(
            f"/api/users/{user.user['id']}/temporary-password", headers=account.headers
        )
        login = await client.post(
            "/api/auth/login",
            json={"email": user.email, "password": given.json()["temporary_password"]},
        )
        async with sdk_client(app, login.json()["access_token"]) as sdk:
            with pytest.raises(openai.PermissionDeniedError) as raised:
                await sdk.models.list()
        assert raised.value.code == "password_change_required"


class TestUnknownPaths:
    async def test_an_unknown_path_is_404_in_openai_shape(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/embeddings-of-nothing")
        assert response.status_code == 404
        assert set(response.json()["error"]) >= {"message", "type", "param", "code"}

    async def test_a_known_path_with_another_method_is_405(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/chat/completions")
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.json()["error"]["code"] == "method_not_allowed"

    async def test_the_portal_keeps_its_own_error_shape(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/nope")
        assert response.status_code == 404
        assert isinstance(response.json()["error"], str)
