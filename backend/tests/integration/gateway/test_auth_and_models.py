"""`/v1/models` and the model that answers, who may call `/v1`, and what the SDK raises when
they may not."""

from collections.abc import Iterator

import httpx
import openai
import pytest
from aiohttp import web
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.main import create_app
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import Account, register
from tests.integration.gateway.gateway_api import (
    MODEL,
    LlamaCppUpstream,
    create_key,
    last_chat_body,
    sdk_client,
)

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
HELLO = [{"role": "user", "content": "hello"}]


class TwoModelUpstream(LlamaCppUpstream):
    """A server listing two models (vLLM with a LoRA adapter, llama-swap, an OpenAI account)."""

    async def _models(self, _request: web.Request) -> web.Response:
        data = [
            {"id": MODEL, "object": "model", "created": 0, "owned_by": "fake"},
            {"id": "second-model", "object": "model", "created": 0, "owned_by": "fake"},
        ]
        return web.json_response({"object": "list", "data": data})


@pytest.fixture
def two_models() -> Iterator[TwoModelUpstream]:
    server = TwoModelUpstream()
    server.start()
    yield server
    server.stop()


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

    @pytest.mark.parametrize("session", [False, True], ids=["one-shot", "session-turn"])
    async def test_each_listed_model_is_the_one_that_answers(
        self,
        make_settings: SettingsFactory,
        two_models: TwoModelUpstream,
        api_key: str,
        session: bool,
    ) -> None:
        app = create_app(make_settings(llm={"server_url": two_models.url}))
        extra = {"session_id": "on-second"} if session else {}
        async with LifespanManager(app), sdk_client(app, api_key) as sdk:
            assert [m.id async for m in sdk.models.list()] == [MODEL, "second-model"]
            await sdk.chat.completions.create(
                model="second-model", messages=HELLO, extra_body=extra
            )
            assert last_chat_body(two_models)["model"] == "second-model"
            await sdk.chat.completions.create(model=MODEL, messages=HELLO, extra_body=extra)
            assert last_chat_body(two_models)["model"] == MODEL


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
