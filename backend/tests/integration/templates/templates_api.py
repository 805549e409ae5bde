"""Helpers of the template tests: create and read templates over the public API."""

from typing import Any

import httpx

from tests.fixtures.factories import Account

TEMPLATES = "/api/templates"
GREETING = "Hello {{ name }}, you are {{age}} years old."
GREETING_VARIABLES: list[dict[str, Any]] = [
    {"name": "name", "type": "text", "description": "Who is greeted"},
    {"name": "age", "type": "number"},
]


def template_url(template_id: int, action: str = "") -> str:
    return f"{TEMPLATES}/{template_id}" + (f"/{action}" if action else "")


async def create(http: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    """A template of `account` (the greeting unless `fields` say otherwise)."""
    body = {"title": "Greeting", "content": GREETING, "variables": GREETING_VARIABLES, **fields}
    response = await http.post(TEMPLATES, json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def patch(
    http: httpx.AsyncClient, account: Account, template_id: int, **fields: Any
) -> httpx.Response:
    return await http.patch(template_url(template_id), json=fields, headers=account.headers)


async def read(http: httpx.AsyncClient, account: Account, template_id: int) -> dict[str, Any]:
    response = await http.get(template_url(template_id), headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def version_of(
    http: httpx.AsyncClient, account: Account, template_id: int, number: int
) -> dict[str, Any]:
    response = await http.get(
        template_url(template_id, f"versions/{number}"), headers=account.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def render(
    http: httpx.AsyncClient, account: Account, template_id: int, **body: Any
) -> httpx.Response:
    return await http.post(template_url(template_id, "render"), json=body, headers=account.headers)


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json().get("code"))
