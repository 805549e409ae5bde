"""Two TAB-completion clients replaying the same keystrokes against `/api/completion/generate`.

- `SmartClient`: checks its cache first (exact text, or the user typing through the ghost
  text already shown), waits for a pause (debounce), and aborts its in-flight request when
  the next key arrives (the task is cancelled, so aiohttp closes the connection and the
  portal cancels the upstream generation).
- `NaiveClient`: one request per keystroke, never aborted; a response is shown only if the
  text has not changed since it was asked for.

Both record what they sent and what ghost text they showed, and when.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

DEBOUNCE_S = 0.200


@dataclass(frozen=True)
class Shown:
    """Ghost text displayed for the text typed by keystroke `key`."""

    key: int
    text: str
    completion: str
    at: float
    from_server: bool


@dataclass
class Tally:
    sent: int = 0
    aborted: int = 0
    errors: int = 0
    server_cache_hits: int = 0
    client_cache_hits: int = 0
    shown: list[Shown] = field(default_factory=list)


@dataclass
class Endpoint:
    """Where and how to ask for a completion."""

    session: aiohttp.ClientSession
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, Any]
    log: Path

    async def complete(self, text: str, tally: Tally) -> str | None:
        body = {**self.params, "text": text}
        async with self.session.post(self.url, json=body, headers=self.headers) as response:
            payload = await response.json() if response.status == 200 else None
            if response.headers.get("X-Cache") == "hit":
                tally.server_cache_hits += 1
        if payload is None:
            tally.errors += 1
            return None
        completion: str = payload["completion"]
        return completion


class NaiveClient:
    """A request per keystroke, none aborted."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.tally = Tally()
        self.current = ""
        self.tasks: list[asyncio.Task[None]] = []

    def on_key(self, key: int, text: str) -> None:
        self.current = text
        self.tally.sent += 1
        self.tasks.append(asyncio.create_task(self._ask(key, text)))

    async def _ask(self, key: int, text: str) -> None:
        try:
            completion = await self.endpoint.complete(text, self.tally)
        except (aiohttp.ClientError, TimeoutError):
            self.tally.errors += 1
            return
        if completion and text == self.current:
            self.tally.shown.append(Shown(key, text, completion, time.perf_counter(), True))

    async def finish(self, timeout_s: float) -> int:
        """Wait for the backlog; returns how many requests were still open at the deadline."""
        pending = [task for task in self.tasks if not task.done()]
        if not pending:
            return 0
        _done, late = await asyncio.wait(pending, timeout=timeout_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        return len(late)


class SmartClient:
    """Cache first, then debounce, and abort the in-flight request on the next key."""

    def __init__(self, endpoint: Endpoint, debounce_s: float = DEBOUNCE_S) -> None:
        self.endpoint = endpoint
        self.debounce_s = debounce_s
        self.tally = Tally()
        self.cache: dict[str, str] = {}
        self.last: Shown | None = None
        self.task: asyncio.Task[None] | None = None
        self.in_flight = False

    def on_key(self, key: int, text: str) -> None:
        self._cancel_pending()
        cached = self._from_cache(text)
        if cached:
            self.tally.client_cache_hits += 1
            self._show(Shown(key, text, cached, time.perf_counter(), False))
            return
        self.task = asyncio.create_task(self._ask(key, text))

    def _cancel_pending(self) -> None:
        if self.task is None or self.task.done():
            return
        if self.in_flight:
            self.tally.aborted += 1
        self.task.cancel()

    def _from_cache(self, text: str) -> str | None:
        if text in self.cache:
            return self.cache[text]
        last = self.last
        if last is None or not text.startswith(last.text):
            return None
        typed = text[len(last.text) :]
        if last.completion.startswith(typed) and len(last.completion) > len(typed):
            return last.completion[len(typed) :]
        return None

    def _show(self, shown: Shown) -> None:
        self.last = shown
        self.tally.shown.append(shown)

    async def _ask(self, key: int, text: str) -> None:
        await asyncio.sleep(self.debounce_s)
        self.in_flight = True
        self.tally.sent += 1
        try:
            completion = await self.endpoint.complete(text, self.tally)
        except (aiohttp.ClientError, TimeoutError):
            self.tally.errors += 1
            return
        finally:
            self.in_flight = False
        if completion:
            self.cache[text] = completion
            self._show(Shown(key, text, completion, time.perf_counter(), True))

    async def finish(self, timeout_s: float) -> int:
        if self.task is None or self.task.done():
            return 0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.task), timeout_s)
        if self.task.done():
            return 0
        self._cancel_pending()
        return 1
