"""Helpers of the playground tests: templates made through the API, runs read as events."""

from typing import Any

import httpx

from tests.fixtures.factories import Account
from tests.fixtures.sse import Event, read_events

RUN = "/api/playground/run"
GREETING = {
    "title": "Greeter",
    "content": "Say {{ greeting }} to {{ name }}.",
    "variables": [
        {"name": "greeting", "type": "text"},
        {"name": "name", "type": "text", "required": False, "default": "world"},
    ],
}


async def make_template(
    http: httpx.AsyncClient, account: Account, **overrides: object
) -> dict[str, Any]:
    response = await http.post(
        "/api/templates", json={**GREETING, **overrides}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def new_version(
    http: httpx.AsyncClient, account: Account, template_id: int, content: str
) -> int:
    """Version n+1 with other content and the same variables; its number."""
    response = await http.patch(
        f"/api/templates/{template_id}", json={"content": content}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


async def run(
    http: httpx.AsyncClient, account: Account, body: dict[str, Any]
) -> tuple[httpx.Response, list[Event]]:
    """Post a run; its response and, when it streamed, all of its events."""
    async with http.stream("POST", RUN, json=body, headers=account.headers) as response:
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            return response, await read_events(response)
        await response.aread()
        return response, []


def named(events: list[Event], name: str) -> list[dict[str, Any]]:
    return [event.data for event in events if event.name == name]


def text_of(events: list[Event], v: int, i: int) -> str:
    return "".join(d["delta"] for d in named(events, "cell") if (d["v"], d["i"]) == (v, i))


async def stored(http: httpx.AsyncClient, account: Account, run_id: int) -> dict[str, Any]:
    response = await http.get(f"/api/playground/runs/{run_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())
