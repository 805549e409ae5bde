"""Every route except the deliberately public ones answers 401 without a token."""

import re

import httpx
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.integration

PUBLIC = {
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("GET", "/api/health"),
    ("GET", "/api/llm/health"),
}


def protected_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every operation the app serves (its OpenAPI schema lists them all) minus the public ones."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if (method.upper(), path) not in PUBLIC:
                found.append((method.upper(), path))
    return found


async def test_every_non_public_route_needs_a_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    routes = protected_routes(app)
    assert len(routes) >= 7
    for method, path in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = await client.request(method, url, json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert response.json()["error"] == "Unauthorized"


async def test_public_routes_answer_without_a_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/health")).json()["database"] == "ok"
    assert (await client.get("/")).status_code == 200
    unknown = await client.get("/api/nope")
    assert unknown.status_code == 404
    assert set(unknown.json()) >= {"error", "timestamp"}
