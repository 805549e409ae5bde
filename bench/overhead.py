"""`overhead`: what the portal adds to a chat request, against calling the upstream directly.

The same fake upstream answers every generation request after a fixed 50 ms. One aiohttp
client sends the same number of requests per concurrency level, first straight to the
upstream's `/v1/chat/completions`, then through the portal's `/api/llm/chat` (auth, gate,
the package's pooled aiohttp client). Both paths are measured in the same run, on
the same machine and the same processes, so the difference is the portal's cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from measure import LatencySummary, Section, fmt_ms, fmt_rate, markdown_table
from portal_client import bearer, bench_token
from stack import Stack

UPSTREAM_DELAY_S = 0.050
LEVELS = (1, 16, 64)
REQUESTS_PER_LEVEL = 200
QUICK_REQUESTS_PER_LEVEL = 50
WARMUP_REQUESTS = 64
REQUEST_TIMEOUT_S = 30.0
MESSAGES = [{"role": "user", "content": "Say hello."}]
MAX_TOKENS = 16


@dataclass(frozen=True)
class Target:
    """One path to the same upstream: where to post, what, with which headers."""

    url: str
    body: Mapping[str, Any]
    headers: Mapping[str, str]


async def _one(session: aiohttp.ClientSession, target: Target) -> float | None:
    started = time.perf_counter()
    async with session.post(target.url, json=target.body, headers=target.headers) as response:
        await response.read()
        ok = response.status == 200
    return time.perf_counter() - started if ok else None


async def load(
    session: aiohttp.ClientSession, target: Target, concurrency: int, total: int
) -> LatencySummary:
    """`concurrency` workers share `total` requests; latencies of the successful ones."""
    latencies: list[float] = []
    errors = 0
    remaining = total

    async def worker() -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            try:
                latency = await _one(session, target)
            except (aiohttp.ClientError, TimeoutError):
                latency = None
            if latency is None:
                errors += 1
            else:
                latencies.append(latency)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return LatencySummary.of(latencies, time.perf_counter() - started, errors)


async def _targets(session: aiohttp.ClientSession, stack: Stack) -> tuple[Target, Target]:
    upstream = stack.fake_upstream(UPSTREAM_DELAY_S)
    portal = stack.portal(upstream)
    token = await bench_token(session, portal)
    direct_body = {"model": "fake-model", "messages": MESSAGES, "max_tokens": MAX_TOKENS}
    direct = Target(f"{upstream}/v1/chat/completions", direct_body, {})
    portal_body = {"messages": MESSAGES, "max_tokens": MAX_TOKENS}
    through = Target(f"{portal}/api/llm/chat", portal_body, bearer(token))
    return direct, through


def _row(level: int, direct: LatencySummary, portal: LatencySummary) -> list[str]:
    return [
        str(level),
        f"{fmt_ms(direct.p50_ms)} / {fmt_ms(direct.p99_ms)} / {fmt_rate(direct.requests_per_s)}",
        f"{fmt_ms(portal.p50_ms)} / {fmt_ms(portal.p99_ms)} / {fmt_rate(portal.requests_per_s)}",
        f"{fmt_ms(portal.p50_ms - direct.p50_ms)} / {fmt_ms(portal.p99_ms - direct.p99_ms)}",
        f"{portal.requests_per_s / direct.requests_per_s:.2f}",
        str(direct.errors + portal.errors),
    ]


async def measure(stack: Stack, *, quick: bool) -> Section:
    total = QUICK_REQUESTS_PER_LEVEL if quick else REQUESTS_PER_LEVEL
    connector = aiohttp.TCPConnector(limit=max(LEVELS) * 2, limit_per_host=max(LEVELS) * 2)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    rows: list[list[str]] = []
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        direct, through = await _targets(session, stack)
        for target in (direct, through):  # open connections, fill caches, JIT nothing
            await load(session, target, 16, WARMUP_REQUESTS)
        for level in LEVELS:
            direct_summary = await load(session, direct, level, total)
            portal_summary = await load(session, through, level, total)
            rows.append(_row(level, direct_summary, portal_summary))
    headers = [
        "concurrent",
        "direct p50 / p99 ms, req/s",
        "portal p50 / p99 ms, req/s",
        "added p50 / p99 ms",
        "portal/direct req/s",
        "errors",
    ]
    return Section("overhead", _notes(total) + "\n\n" + markdown_table(headers, rows))


def _notes(total: int) -> str:
    return (
        f"Fake upstream answering after {UPSTREAM_DELAY_S * 1000:.0f} ms (ideal p50 ≈ 50 ms); "
        f"{total} requests per level and path from one aiohttp client; direct = the upstream's "
        "`/v1/chat/completions`, portal = `/api/llm/chat` (JWT auth, gate, the package's "
        "pooled aiohttp client). Client, portal and upstream share the machine's cores."
    )
