"""Helpers of the chat tests that read or change a session over the public API."""

from typing import Any

import httpx

from tests.fixtures.factories import Account

SESSIONS = "/api/llm/chat/sessions"


def session_url(session_id: str, action: str = "") -> str:
    return f"/api/llm/chat/session/{session_id}" + (f"/{action}" if action else "")


async def say(
    http: httpx.AsyncClient, account: Account, message: str, **extra: object
) -> httpx.Response:
    """One JSON turn."""
    body = {"message": message, **extra}
    return await http.post("/api/llm/chat/session", json=body, headers=account.headers)


async def listed(
    http: httpx.AsyncClient, account: Account, q: str | None = None
) -> list[dict[str, Any]]:
    params = {} if q is None else {"q": q}
    response = await http.get(SESSIONS, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def messages_of(
    http: httpx.AsyncClient, account: Account, session_id: str
) -> list[dict[str, Any]]:
    """The stored messages, each with its id, role, content and status."""
    response = await http.get(session_url(session_id, "history"), headers=account.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["messages"])


def contents(messages: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(m["role"], m["content"], m["status"]) for m in messages]
