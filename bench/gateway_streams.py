"""The `gateway` bench's many-streams part: 1,000 concurrent `/v1/chat/completions` streams on
one portal worker, without errors, and what each costs in memory.

The fake upstream and the load are those of the `streams` bench (a fixed 25-chunk answer, 20 ms
after each chunk; one aiohttp client, `limit=0`; caps raised to the stream count), but each
stream is an SDK-style `/v1` call with a portal API key, read to `[DONE]` and checked against
the expected text. The same streams straight to the fake first show what the client and the
fake alone take. The portal's resident memory (VmRSS) is read before the streams start (after
a warm-up), every 50 ms while they run (the peak is reported) and 2 s after they ended; memory
per stream = (peak - before) ÷ streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

import streams
from fake_upstream_launcher import fixed_reply
from gateway_client import (
    StreamRead,
    chat_body,
    first_model,
    portal_credentials,
    read_stream,
    streamed,
)
from measure import fmt_ms, markdown_table, percentile
from portal_client import bearer
from processes import cpu_seconds
from stack import Stack, bench_caps

RSS_INTERVAL_S = 0.05
SETTLE_S = 2.0
WARMUP_STREAMS = 8
MESSAGES = [{"role": "user", "content": "What is new?"}]
MIB = 1024 * 1024
MODEL = "fake-model"


def rss_bytes(pid: int) -> int:
    """The process's resident set size now (0 when it is gone)."""
    status = Path(f"/proc/{pid}/status")
    with contextlib.suppress(OSError):
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


async def _peak_rss(pid: int, stop: asyncio.Event) -> int:
    peak = rss_bytes(pid)
    while not stop.is_set():
        peak = max(peak, rss_bytes(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), RSS_INTERVAL_S)
    return peak


def _result(read: StreamRead, expected: str) -> streams.StreamResult:
    status = str(read.status)
    if read.status != 200:
        return streams.StreamResult("refused", status, detail=read.error)
    if not read.ok:
        return streams.StreamResult("error", status, read.first_content_s, detail=read.error)
    if read.content.strip() != expected:
        detail = read.content.strip()[:120]
        return streams.StreamResult(
            "wrong answer", status, read.first_content_s, read.done_s, detail
        )
    return streams.StreamResult("done", status, read.first_content_s, read.done_s)


async def _stream(
    session: aiohttp.ClientSession, url: str, body: dict[str, object], headers: dict[str, str]
) -> streams.StreamResult:
    expected = fixed_reply(streams.REPLY_CHUNKS).strip()
    try:
        return _result(await read_stream(session, url, dict(body), headers), expected)
    except TimeoutError:
        return streams.StreamResult(
            "client timeout", "none", detail=f"{streams.STREAM_TIMEOUT_S:.0f} s"
        )
    except aiohttp.ClientError as exc:
        return streams.StreamResult(type(exc).__name__, "none", detail=str(exc)[:300])


def _verdict(completed: int, n: int) -> str:
    if completed < n:
        return f"**missed**: {n - completed} of {n:,} failed"
    if n < streams.STREAMS:
        return f"not measured (quick run: {n:,} streams)"
    return "met"


@dataclass(frozen=True)
class Burst:
    """N streams sent at once to one URL, and the portal's CPU and memory meanwhile."""

    name: str
    results: list[streams.StreamResult]
    wall_s: float
    cpu_s: float = math.nan
    rss_mib: tuple[float, float, float] = (math.nan, math.nan, math.nan)

    def row(self) -> list[str]:
        n, results = len(self.results), self.results
        completed = sum(result.ok for result in results)
        done_ms = [r.done_s * 1000 for r in results if r.ok and r.done_s is not None]
        first_ms = [r.first_delta_s * 1000 for r in results if r.first_delta_s is not None]
        before, peak, after = self.rss_mib
        portal = not math.isnan(self.cpu_s)
        return [
            self.name,
            f"{completed:,} / {n:,}",
            " / ".join(fmt_ms(percentile(done_ms, q)) for q in (0.50, 0.99)),
            " / ".join(fmt_ms(percentile(first_ms, q)) for q in (0.50, 0.99)),
            f"{self.wall_s:.1f}",
            f"{100 * self.cpu_s / self.wall_s:.0f} % / {1000 * self.cpu_s / n:.1f} ms"
            if portal
            else "—",
            f"{before:.0f} / {peak:.0f} / {after:.0f}" if portal else "—",
            f"{(peak - before) * 1024 / n:.0f}" if portal else "—",
            _verdict(completed, n) if portal else "—",
        ]


async def _portal_burst(session: aiohttp.ClientSession, portal: str, pid: int, n: int) -> Burst:
    _token, key = await portal_credentials(session, portal)
    headers = bearer(key)
    body = streamed(chat_body(await first_model(session, portal, headers), MESSAGES))
    url = f"{portal}/v1/chat/completions"
    await asyncio.gather(*(_stream(session, url, body, headers) for _ in range(WARMUP_STREAMS)))
    before, cpu_before = rss_bytes(pid), cpu_seconds(pid)
    stop = asyncio.Event()
    sampler = asyncio.create_task(_peak_rss(pid, stop))
    started = time.perf_counter()
    results = await asyncio.gather(*(_stream(session, url, body, headers) for _ in range(n)))
    wall, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    stop.set()
    peak = await sampler
    await asyncio.sleep(SETTLE_S)
    rss = (before / MIB, peak / MIB, rss_bytes(pid) / MIB)
    return Burst("portal `/v1`", list(results), wall, cpu, rss)


async def _direct_burst(session: aiohttp.ClientSession, upstream: str, n: int) -> Burst:
    url = f"{upstream}/v1/chat/completions"
    body = streamed(chat_body(MODEL, MESSAGES))
    await asyncio.gather(*(_stream(session, url, body, {}) for _ in range(WARMUP_STREAMS)))
    started = time.perf_counter()
    results = await asyncio.gather(*(_stream(session, url, body, {}) for _ in range(n)))
    return Burst("direct (fake upstream)", list(results), time.perf_counter() - started)


HEADERS = [
    "path",
    "completed",
    "stream p50 / p99 ms",
    "first chunk p50 / p99 ms",
    "wall s",
    "portal CPU (one core) / per stream",
    "portal RSS before / peak / after MiB",
    "KiB per stream",
    f"≥ {streams.STREAMS:,} without errors",
]


async def measure(stack: Stack, *, quick: bool, client_files: int) -> str:
    n = streams.QUICK_STREAMS if quick else streams.STREAMS
    upstream = stack.fake_upstream(
        0.0, chunk_delay_s=streams.CHUNK_DELAY_S, reply_chunks=streams.REPLY_CHUNKS
    )
    portal = stack.portal(upstream, "gateway-streams", bench_caps(n))
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=streams.STREAM_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        direct = await _direct_burst(session, upstream, n)
        through = await _portal_burst(session, portal, stack.portal_pid(portal), n)
    lines = [
        "### Many concurrent `/v1` streams on one worker",
        (
            f"Fake upstream streaming a {streams.REPLY_CHUNKS}-chunk answer, "
            f"{streams.CHUNK_DELAY_S * 1000:.0f} ms after each chunk (ideal stream ≈ "
            f"{(streams.REPLY_CHUNKS + 1) * streams.CHUNK_DELAY_S * 1000:.0f} ms); one portal "
            f"worker with the caps raised to {n} (`stack.bench_caps`); {n} concurrent streamed "
            "chat completions from one aiohttp client (`limit=0`, open-files limit "
            f"{client_files}), first straight to the fake, then through `/v1/chat/completions` "
            "with a portal API key, each read to `[DONE]` and its text checked. RSS = the "
            "portal process's VmRSS: before (after a warm-up), peak (sampled every "
            f"{RSS_INTERVAL_S * 1000:.0f} ms), {SETTLE_S:.0f} s after; per stream = "
            "(peak - before) ÷ streams."
        ),
        markdown_table(HEADERS, [direct.row(), through.row()]),
    ]
    for burst in (direct, through):
        if not all(result.ok for result in burst.results):
            lines.append(f"Failures ({burst.name}): {streams._failures(burst.results)}")
    excerpt = streams._log_excerpt(stack.portal_log(portal))
    if excerpt:
        lines += ["Portal log, problem lines (grouped):", "```\n" + "\n".join(excerpt) + "\n```"]
    return "\n\n".join(lines)
