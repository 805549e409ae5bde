"""`gateway`: the OpenAI-compatible `/v1` against calling the upstream directly, a bare
pass-through and LiteLLM proxy, all in front of the same fake upstream in one run.

One fake upstream answers every request after 50 ms (a stream: then 5 chunks, 5 ms apart).
In front of it: a bare aiohttp pass-through (`passthrough.py`), one portal worker (caps
raised above the load) and LiteLLM proxy (`litellm_proxy.py`, its own venv). One aiohttp
client sends the same non-streamed chat at 1, 16 and 64 concurrent to each path (direct,
pass-through, `/api/llm/chat` with a JWT, `/v1/chat/completions` with a portal API key,
LiteLLM with its master key), then the same chat streamed (time to the first content chunk).
Paths alternate within each level, so a change in the machine's load hits all of them.

Then the real model (`gateway_model.py`: tokens/s direct vs through `/v1`), many concurrent
`/v1` streams on one worker (`gateway_streams.py`: errors, memory per stream), and with
`--profile` a py-spy profile of the portal under 64 concurrent `/v1` requests
(`portal_profile.py`).

Targets (the issue's): the portal's added p99 at 1/16/64 within 1.5x of the pass-through's
and at least 3x below LiteLLM's.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

import gateway_model
import gateway_streams
import litellm_proxy
import portal_profile
from gateway_client import (
    StreamRead,
    chat_body,
    first_model,
    portal_credentials,
    read_stream,
    streamed,
)
from measure import LatencySummary, Section, fmt_ms, fmt_rate, markdown_table
from overhead import Target, load
from portal_client import bearer
from processes import StartError, raise_open_files_limit
from stack import PYTHON, ROOT, START_TIMEOUT_S, Stack

UPSTREAM_DELAY_S = 0.050
CHUNK_DELAY_S = 0.005
REPLY_CHUNKS = 5
LEVELS = (1, 16, 64)
REQUESTS_PER_LEVEL = 300
QUICK_REQUESTS_PER_LEVEL = 60
STREAMS_PER_LEVEL = 200
QUICK_STREAMS_PER_LEVEL = 40
WARMUP_REQUESTS = 64
REQUEST_TIMEOUT_S = 60.0
MODEL = "fake-model"
MESSAGES = [{"role": "user", "content": "Say hello."}]
MAX_TOKENS = 16
PASSTHROUGH_PREFIX = "PASSTHROUGH_URL="
PASSTHROUGH_LIMIT = 1.5
LITELLM_FACTOR = 3.0
PORTAL_PATHS = ("`/api/llm/chat`", "`/v1/chat/completions`")
DIRECT, PASSTHROUGH, LITELLM = "direct", "pass-through", "LiteLLM"


@dataclass(frozen=True)
class Path:
    """One way to the fake upstream: its non-streamed request, and its streamed one."""

    name: str
    json: Target
    stream: Target | None


@dataclass
class Results:
    json: dict[tuple[int, str], LatencySummary] = field(default_factory=dict)
    ttft: dict[tuple[int, str], LatencySummary] = field(default_factory=dict)
    whole: dict[tuple[int, str], LatencySummary] = field(default_factory=dict)


def _passthrough(stack: Stack, upstream: str) -> str:
    command = [PYTHON, str(ROOT / "bench" / "passthrough.py"), "--upstream", upstream]
    process = stack.group.start("passthrough", command, cwd=ROOT, stdin=True)
    return stack.group.wait_for_line(process, PASSTHROUGH_PREFIX, START_TIMEOUT_S)


def _path(name: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> Path:
    return Path(name, Target(url, body, headers), Target(url, streamed(body), headers))


@dataclass(frozen=True)
class Servers:
    """The base URLs in front of (and of) the fake upstream; LiteLLM None when unavailable."""

    upstream: str
    passthrough: str
    portal: str
    litellm: str | None


async def _paths(session: aiohttp.ClientSession, servers: Servers) -> list[Path]:
    fields = {"max_tokens": MAX_TOKENS}
    direct_body = chat_body(MODEL, MESSAGES, **fields)
    token, key = await portal_credentials(session, servers.portal)
    portal_model = await first_model(session, servers.portal, bearer(key))
    chat = Target(f"{servers.portal}/api/llm/chat", {"messages": MESSAGES, **fields}, bearer(token))
    paths = [
        _path(DIRECT, f"{servers.upstream}/v1/chat/completions", direct_body, {}),
        _path(PASSTHROUGH, f"{servers.passthrough}/v1/chat/completions", direct_body, {}),
        Path(PORTAL_PATHS[0], chat, None),
        _path(
            PORTAL_PATHS[1],
            f"{servers.portal}/v1/chat/completions",
            chat_body(portal_model, MESSAGES, **fields),
            bearer(key),
        ),
    ]
    if servers.litellm is not None:
        url = f"{servers.litellm}/v1/chat/completions"
        paths.append(_path(LITELLM, url, direct_body, bearer(litellm_proxy.MASTER_KEY)))
    return paths


async def _workers(
    concurrency: int, total: int, one: Callable[[], Awaitable[StreamRead]]
) -> tuple[list[StreamRead], int, float]:
    """`total` calls of `one`, at most `concurrency` at a time: the good reads, the number of
    failed ones, the wall time."""
    slots = asyncio.Semaphore(concurrency)

    async def bounded() -> StreamRead | None:
        async with slots:
            try:
                return await one()
            except (aiohttp.ClientError, TimeoutError):
                return None

    started = time.perf_counter()
    reads = await asyncio.gather(*(bounded() for _ in range(total)))
    wall = time.perf_counter() - started
    good = [read for read in reads if read is not None and read.ok]
    return good, total - len(good), wall


async def _stream_level(
    session: aiohttp.ClientSession, target: Target, concurrency: int, total: int
) -> tuple[LatencySummary, LatencySummary]:
    """Time to the first content chunk, and to `[DONE]`, of `total` streams."""
    body, headers = dict(target.body), dict(target.headers)
    reads, errors, wall = await _workers(
        concurrency, total, lambda: read_stream(session, target.url, body, headers)
    )
    first = [r.first_content_s for r in reads if r.first_content_s is not None]
    done = [r.done_s for r in reads if r.done_s is not None]
    return LatencySummary.of(first, wall, errors), LatencySummary.of(done, wall, errors)


async def _measure_latency(
    session: aiohttp.ClientSession, paths: Sequence[Path], quick: bool
) -> Results:
    total = QUICK_REQUESTS_PER_LEVEL if quick else REQUESTS_PER_LEVEL
    streams = QUICK_STREAMS_PER_LEVEL if quick else STREAMS_PER_LEVEL
    results = Results()
    for path in paths:  # open connections, fill caches
        await load(session, path.json, 16, WARMUP_REQUESTS)
    for level in LEVELS:
        for path in paths:
            results.json[level, path.name] = await load(session, path.json, level, total)
    for level in LEVELS:
        for path in paths:
            if path.stream is not None:
                ttft, whole = await _stream_level(session, path.stream, level, streams)
                results.ttft[level, path.name], results.whole[level, path.name] = ttft, whole
    return results


def _added(summary: LatencySummary, direct: LatencySummary) -> tuple[float, float]:
    return summary.p50_ms - direct.p50_ms, summary.p99_ms - direct.p99_ms


def _json_table(results: Results, names: Sequence[str]) -> str:
    rows = []
    for level in LEVELS:
        direct = results.json[level, DIRECT]
        for name in names:
            summary = results.json[level, name]
            added = _added(summary, direct)
            rows.append(
                [
                    str(level),
                    name,
                    f"{fmt_ms(summary.p50_ms)} / {fmt_ms(summary.p99_ms)}",
                    fmt_rate(summary.requests_per_s),
                    "—" if name == DIRECT else f"{fmt_ms(added[0])} / {fmt_ms(added[1])}",
                    str(summary.errors),
                ]
            )
    headers = ["concurrent", "path", "p50 / p99 ms", "req/s", "added p50 / p99 ms", "errors"]
    return markdown_table(headers, rows)


def _versus_passthrough(added: float, passthrough: float) -> str:
    limit = PASSTHROUGH_LIMIT * passthrough
    ratio = f"{added / passthrough:.1f}x" if passthrough > 0 else "—"
    if math.isnan(added) or math.isnan(limit):
        return "—"
    if added <= limit:
        return f"met ({ratio} the pass-through's)"
    return f"**missed** by {fmt_ms(added - limit)} ms ({ratio} the pass-through's)"


def _versus_litellm(added: float, litellm: float) -> str:
    if math.isnan(added) or math.isnan(litellm):
        return "—"
    if added <= 0:
        return "met (no added p99)"
    factor = litellm / added
    if factor >= LITELLM_FACTOR:
        return f"met ({factor:.1f}x lower)"
    missing = added - litellm / LITELLM_FACTOR
    return f"**missed**: {factor:.1f}x lower; {fmt_ms(missing)} ms over LiteLLM's ÷ 3"


def _targets_table(results: Results, has_litellm: bool) -> str:
    rows = []
    for level in LEVELS:
        direct = results.json[level, DIRECT]
        passthrough = _added(results.json[level, PASSTHROUGH], direct)[1]
        litellm = _added(results.json[level, LITELLM], direct)[1] if has_litellm else math.nan
        for name in PORTAL_PATHS:
            added = _added(results.json[level, name], direct)[1]
            rows.append(
                [
                    str(level),
                    name,
                    fmt_ms(added),
                    f"{fmt_ms(PASSTHROUGH_LIMIT * passthrough)} ({fmt_ms(passthrough)} x 1.5)",
                    _versus_passthrough(added, passthrough),
                    f"{fmt_ms(litellm / LITELLM_FACTOR)} ({fmt_ms(litellm)} ÷ 3)",
                    _versus_litellm(added, litellm),
                ]
            )
    headers = [
        "concurrent",
        "path",
        "added p99 ms",
        "limit: pass-through ms",
        "≤ 1.5x pass-through",
        "limit: LiteLLM ms",
        "≥ 3x below LiteLLM",
    ]
    return markdown_table(headers, rows)


def _stream_table(results: Results, names: Sequence[str]) -> str:
    rows = []
    for level in LEVELS:
        direct = results.ttft[level, DIRECT]
        for name in names:
            if (level, name) not in results.ttft:
                continue
            ttft, whole = results.ttft[level, name], results.whole[level, name]
            added = _added(ttft, direct)
            rows.append(
                [
                    str(level),
                    name,
                    f"{fmt_ms(ttft.p50_ms)} / {fmt_ms(ttft.p99_ms)}",
                    "—" if name == DIRECT else f"{fmt_ms(added[0])} / {fmt_ms(added[1])}",
                    f"{fmt_ms(whole.p50_ms)} / {fmt_ms(whole.p99_ms)}",
                    fmt_rate(whole.requests_per_s),
                    str(whole.errors),
                ]
            )
    headers = [
        "concurrent",
        "path",
        "TTFT p50 / p99 ms",
        "added TTFT p50 / p99 ms",
        "whole stream p50 / p99 ms",
        "streams/s",
        "errors",
    ]
    return markdown_table(headers, rows)


def _servers(stack: Stack) -> tuple[Servers, str]:
    """Start everything in front of one fake upstream; LiteLLM's absence is a note, not a
    failure (its install needs PyPI)."""
    upstream = stack.fake_upstream(
        UPSTREAM_DELAY_S, chunk_delay_s=CHUNK_DELAY_S, reply_chunks=REPLY_CHUNKS
    )
    passthrough = _passthrough(stack, upstream)
    portal = stack.portal(upstream, "gateway")
    try:
        litellm: str | None = litellm_proxy.start(stack, upstream, MODEL)
    except (litellm_proxy.LiteLLMUnavailable, StartError) as exc:
        return Servers(upstream, passthrough, portal, None), f"**LiteLLM left out**: {exc}"
    return Servers(upstream, passthrough, portal, litellm), ""


async def measure(stack: Stack, *, quick: bool, profile: bool = False) -> Section:
    client_files = raise_open_files_limit()  # before the processes below start: they inherit it
    servers, missing = _servers(stack)
    connector = aiohttp.TCPConnector(limit=max(LEVELS) * 2, limit_per_host=max(LEVELS) * 2)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        paths = await _paths(session, servers)
        results = await _measure_latency(session, paths, quick)
        profiled = ""
        if profile:
            v1 = next(path.json for path in paths if path.name == PORTAL_PATHS[1])
            pid = stack.portal_pid(servers.portal)
            profiled = await portal_profile.record(session, v1, pid, max(LEVELS), quick=quick)
    names = [path.name for path in paths]
    parts = [
        _notes(quick, missing),
        "### Non-streamed chat",
        _json_table(results, names),
        "### Targets",
        _targets_table(results, servers.litellm is not None),
        "### Streamed chat: time to the first content chunk",
        _stream_table(results, names),
        await gateway_model.measure(stack, quick=quick),
        await gateway_streams.measure(stack, quick=quick, client_files=client_files),
    ]
    if profiled:
        parts.append(profiled)
    return Section("gateway", "\n\n".join(parts))


def _notes(quick: bool, missing: str) -> str:
    total = QUICK_REQUESTS_PER_LEVEL if quick else REQUESTS_PER_LEVEL
    streams = QUICK_STREAMS_PER_LEVEL if quick else STREAMS_PER_LEVEL
    notes = (
        f"One fake upstream answering after {UPSTREAM_DELAY_S * 1000:.0f} ms (streamed: then "
        f"{REPLY_CHUNKS} chunks, {CHUNK_DELAY_S * 1000:.0f} ms apart); in front of it a bare "
        "aiohttp pass-through (`bench/passthrough.py`: parse the JSON, forward on one pooled "
        "session, return the bytes), one portal worker (caps raised: `stack.BENCH_CAPS`) and "
        f"LiteLLM proxy {litellm_proxy.LITELLM_VERSION} (`--num_workers 1`, master key, no "
        f"database). {total} non-streamed chats ({streams} streamed) per level and path from "
        "one aiohttp client, paths alternating within each level; `/api/llm/chat` with a JWT, "
        "`/v1/chat/completions` with a portal API key. *Added* = path - direct, per "
        "percentile. TTFT = request sent → first chunk with content. Client, servers and "
        "portal share the machine's cores."
    )
    return f"{notes}\n\n{missing}" if missing else notes
