"""Crafted requests get a 4xx in the error shape, never a 500: out-of-range path ids, JSON
nested past the parser's recursion limit, lone UTF-16 surrogates and NUL in text fields.

The LLM is a healthy fake, so a request that passed validation would reach the cache, the
database and the upstream, where these inputs used to fail.
"""

import time
from typing import Any

import httpx
import pytest

from app.deps import MAX_ROW_ID
from tests.fixtures.factories import Account, register

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
# Where the database is what fails (integer width, NUL in text), both backends are run.
BOTH_DATABASES = pytest.mark.parametrize(
    "database_backend", ["sqlite", "postgresql"], indirect=True
)


def assert_error_shape(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["code"], str)
    assert abs(body["timestamp"] - time.time()) < 60
    return body


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> Account:
    """The first account registered is the admin."""
    return await register(client)


@BOTH_DATABASES
class TestPathIds:
    @pytest.mark.parametrize("key_id", [2**63, MAX_ROW_ID + 1, 0])
    async def test_deleting_a_key_with_an_id_out_of_range_is_400(
        self, client: httpx.AsyncClient, admin: Account, key_id: int
    ) -> None:
        response = await client.delete(f"/api/keys/{key_id}", headers=admin.headers)
        assert assert_error_shape(response, 400)["code"] == "validation_error"

    async def test_deleting_the_largest_id_is_404(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        response = await client.delete(f"/api/keys/{MAX_ROW_ID}", headers=admin.headers)
        assert_error_shape(response, 404)

    @pytest.mark.parametrize("user_id", [2**63, MAX_ROW_ID + 1])
    async def test_updating_a_user_with_an_id_out_of_range_is_400(
        self, client: httpx.AsyncClient, admin: Account, user_id: int
    ) -> None:
        response = await client.patch(
            f"/api/users/{user_id}", json={"is_active": False}, headers=admin.headers
        )
        assert assert_error_shape(response, 400)["code"] == "validation_error"

    async def test_updating_the_largest_id_is_404(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        response = await client.patch(
            f"/api/users/{MAX_ROW_ID}", json={"is_active": False}, headers=admin.headers
        )
        assert_error_shape(response, 404)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


DEPTHS = [1_000, 100_000]  # at the default recursion limit, and far past it
JSON = {"content-type": "application/json"}


class TestDeeplyNestedJson:
    @pytest.mark.parametrize("depth", DEPTHS)
    @pytest.mark.parametrize("headers", [JSON, {}], ids=["json", "no-content-type"])
    async def test_login_is_400(
        self, client: httpx.AsyncClient, depth: int, headers: dict[str, str]
    ) -> None:
        response = await client.post("/api/auth/login", content=nested(depth), headers=headers)
        assert_error_shape(response, 400)

    @pytest.mark.parametrize("depth", DEPTHS)
    async def test_register_is_400(self, client: httpx.AsyncClient, depth: int) -> None:
        response = await client.post("/api/auth/register", content=nested(depth), headers=JSON)
        assert_error_shape(response, 400)

    @pytest.mark.parametrize("depth", DEPTHS)
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("POST", "/api/llm/chat"),
            ("POST", "/api/llm/chat/session"),
            ("POST", "/api/completion/generate"),
            ("POST", "/api/keys"),
            ("PATCH", "/api/auth/me"),
        ],
    )
    async def test_authenticated_routes_are_400(
        self, client: httpx.AsyncClient, admin: Account, depth: int, method: str, path: str
    ) -> None:
        response = await client.request(
            method, path, content=nested(depth), headers={**JSON, **admin.headers}
        )
        assert_error_shape(response, 400)

    async def test_nested_inside_a_field_is_400(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        body = b'{"messages": [{"role": "user", "content": ' + nested(100_000) + b"}]}"
        response = await client.post(
            "/api/llm/chat", content=body, headers={**JSON, **admin.headers}
        )
        assert_error_shape(response, 400)


LONE_SURROGATE = b'"hi \\ud800 there"'  # the JSON escape, as a client would send it


class TestLoneSurrogates:
    @pytest.mark.parametrize("stream", [b"false", b"true"])
    async def test_completion_text_is_400(
        self, client: httpx.AsyncClient, admin: Account, stream: bytes
    ) -> None:
        body = b'{"text": ' + LONE_SURROGATE + b', "stream": ' + stream + b"}"
        response = await client.post(
            "/api/completion/generate", content=body, headers={**JSON, **admin.headers}
        )
        error = assert_error_shape(response, 400)
        assert error["code"] == "validation_error"
        assert error["details"][0]["field"] == "text"

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            (
                "/api/llm/chat",
                b'{"messages": [{"role": "user", "content": ' + LONE_SURROGATE + b"}]}",
            ),
            ("/api/llm/chat/stream", b'{"messages": [{"role": "user", "content": "\\udfff"}]}'),
            ("/api/llm/chat/session", b'{"message": ' + LONE_SURROGATE + b"}"),
            ("/api/llm/chat/session/stream", b'{"message": ' + LONE_SURROGATE + b"}"),
            ("/api/llm/chat/session", b'{"message": "hi", "system_prompt": "\\ud800"}'),
        ],
    )
    async def test_chat_text_is_400(
        self, client: httpx.AsyncClient, admin: Account, path: str, body: bytes
    ) -> None:
        response = await client.post(path, content=body, headers={**JSON, **admin.headers})
        assert assert_error_shape(response, 400)["code"] == "validation_error"

    async def test_a_paired_surrogate_escape_is_ordinary_text(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        response = await client.post(
            "/api/completion/generate",
            content=b'{"text": "smile \\ud83d\\ude00"}',
            headers={**JSON, **admin.headers},
        )
        assert response.status_code == 200
        assert "smile \U0001f600" in response.json()["completion"]  # the fake echoes its prompt


@BOTH_DATABASES
class TestNulCharacters:
    """PostgreSQL `text` cannot hold U+0000: stored chat text refuses it up front."""

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/api/llm/chat/session", b'{"message": "hi \\u0000 there"}'),
            ("/api/llm/chat/session/stream", b'{"message": "hi \\u0000 there"}'),
            ("/api/llm/chat/session", b'{"message": "hi", "system_prompt": "\\u0000"}'),
            ("/api/llm/chat", b'{"messages": [{"role": "user", "content": "\\u0000"}]}'),
        ],
    )
    async def test_chat_text_is_400(
        self, client: httpx.AsyncClient, admin: Account, path: str, body: bytes
    ) -> None:
        response = await client.post(path, content=body, headers={**JSON, **admin.headers})
        assert assert_error_shape(response, 400)["code"] == "validation_error"

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/api/keys", b'{"name": "key \\u0000"}'),
            ("PATCH", "/api/auth/me", b'{"display_name": "Ada \\u0000"}'),
        ],
    )
    async def test_account_text_is_400(
        self, client: httpx.AsyncClient, admin: Account, method: str, path: str, body: bytes
    ) -> None:
        response = await client.request(
            method, path, content=body, headers={**JSON, **admin.headers}
        )
        assert assert_error_shape(response, 400)["code"] == "validation_error"

    async def test_registering_a_name_with_nul_is_400(self, client: httpx.AsyncClient) -> None:
        body = (
            b'{"email": "nul@example.com", "password": "correct horse 42", '
            b'"display_name": "\\u0000"}'
        )
        response = await client.post("/api/auth/register", content=body, headers=JSON)
        assert assert_error_shape(response, 400)["code"] == "validation_error"
