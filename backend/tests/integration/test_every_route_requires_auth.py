"""Every route except the deliberately public ones answers 401 without a token."""

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.routes import PUBLIC, error_of, operations, sample_url

pytestmark = pytest.mark.integration


async def test_every_non_public_route_needs_a_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = operations(app, excluding=PUBLIC)
    assert len(routes) >= 7
    for method, path in routes:
        response = await client.request(method, sample_url(path), json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        message, _ = error_of(response)
        assert message.startswith("Unauthorized"), f"{method} {path}: {message}"


async def test_public_routes_answer_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/health")).json()["database"] == "ok"
    assert (await client.get("/")).status_code == 200
    unknown = await client.get("/api/nope")
    assert unknown.status_code == 404
    assert set(unknown.json()) >= {"error", "timestamp"}
