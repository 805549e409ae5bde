"""Client-side helpers: a bench user's token and a small Server-Sent Events reader."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

BENCH_PASSWORD = "bench-password-123"
LOGIN_ATTEMPTS = 20
LOGIN_RETRY_S = 0.05


async def bench_token(session: aiohttp.ClientSession, portal_url: str) -> str:
    """Register a fresh user and return its access token.

    Login is retried briefly: the registration's commit may land just after its 201.
    """
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    credentials = {"email": email, "password": BENCH_PASSWORD}
    async with session.post(f"{portal_url}/api/auth/register", json=credentials) as response:
        if response.status != 201:
            raise RuntimeError(f"register: HTTP {response.status}: {await response.text()}")
    for _ in range(LOGIN_ATTEMPTS):
        async with session.post(f"{portal_url}/api/auth/login", json=credentials) as response:
            if response.status == 200:
                token: str = (await response.json())["access_token"]
                return token
            detail = f"HTTP {response.status}: {await response.text()}"
        await asyncio.sleep(LOGIN_RETRY_S)
    raise RuntimeError(f"login after register: {detail}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str

    def json(self) -> Any:
        return json.loads(self.data)


async def sse_events(response: aiohttp.ClientResponse) -> AsyncIterator[SseEvent]:
    """Parse `event:`/`data:` blocks as they arrive; comments (keep-alives) are skipped."""
    event = "message"
    data: list[str] = []
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                yield SseEvent(event, "\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield SseEvent(event, "\n".join(data))
