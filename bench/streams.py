"""`streams`: many concurrent session streams while the model is slow.

A fake upstream streams every answer as 25 chunks, 20 ms apart (a model at 50 tokens/s, so
an answer takes about 0.5 s). One portal worker per database (SQLite, then PostgreSQL), its
database pool at the defaults (5 + 10 overflow) and the gate's caps raised to admit every
stream, serves N concurrent `POST /api/llm/chat/session` with `stream: true`, each a new
session, then a second round continuing the same sessions (history read and written). Each
SSE stream is read to its `done` event. Meanwhile a probe in a process of its own
(`health_probe.py`) polls `GET /api/health` every 50 ms.

Target (one worker, either database): every stream completes and `/api/health` stays under
50 ms at p99 during the load. Where streams fail, the portal's log lines that explain it are
quoted in the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from fake_upstream_launcher import fixed_reply
from health_probe import READY_LINE, RESULT_PREFIX
from measure import Section, fmt_ms, markdown_table, percentile
from portal_client import bearer, bench_token, sse_events
from processes import cpu_seconds, open_files_limit, raise_open_files_limit
from stack import PYTHON, ROOT, Stack, bench_caps

STREAMS = 1000
QUICK_STREAMS = 200
CHUNK_DELAY_S = 0.020
REPLY_CHUNKS = 25
HEALTH_INTERVAL_S = 0.050
HEALTH_P99_TARGET_MS = 50.0
NO_DB_PATH = "/api/bench-no-such-route"
STREAM_TIMEOUT_S = 300.0
PROBE_START_S = 30.0
WARMUP_STREAMS = 8
HISTORY_SAMPLE = 20
DATABASE_POOL = {"DATABASE_POOL_SIZE": "5", "DATABASE_MAX_OVERFLOW": "10"}
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SYSTEM_PROMPT = "You are a terse assistant."
LOG_PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b|\" 5\d\d ")
LOG_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")
APP_FRAME = re.compile(r'File ".*/backend/(app/[^"]+)", line (\d+), in (\S+)')
LOG_EXCERPT_LINES = 10
ROUNDS = ("1: new sessions", "2: same sessions, 2nd turn")


@dataclass(frozen=True)
class StreamResult:
    """One stream: how it ended, and when (seconds after its request was sent)."""

    outcome: str
    status: str
    first_delta_s: float | None = None
    done_s: float | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "done"


@dataclass(frozen=True)
class HealthSamples:
    latencies_ms: list[float]
    failures: dict[str, int]


@dataclass
class Round:
    label: str
    streams: list[StreamResult]
    health: HealthSamples
    no_db: HealthSamples
    wall_s: float
    portal_cpu_s: float
    client_cpu_s: float
    load_1min: float

    @property
    def completed(self) -> int:
        return sum(result.ok for result in self.streams)

    @property
    def health_p99_ms(self) -> float:
        return percentile(self.health.latencies_ms, 0.99)

    @property
    def met(self) -> bool:
        return (
            self.completed == len(self.streams)
            and self.health_p99_ms < HEALTH_P99_TARGET_MS
            and not self.health.failures
        )


@dataclass
class DatabaseRun:
    name: str
    rounds: list[Round] = field(default_factory=list)
    history_check: str = ""
    log_excerpt: list[str] = field(default_factory=list)
    open_files: str = "unknown"
    gate: str = ""
    skipped: str = ""


class PostgresUnavailable(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A fresh `pp_bench_<random>` database (SQLAlchemy URL), dropped at the end."""
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        raise PostgresUnavailable(f"{POSTGRES_ADMIN_URL}: {exc}") from exc
    name = f"pp_bench_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "", 1)
        yield f"postgresql+asyncpg://{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _stream(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], body: dict[str, Any]
) -> StreamResult:
    """Send one streamed turn and read its events until `done` (or an error)."""
    expected = fixed_reply(REPLY_CHUNKS).strip()
    started = time.perf_counter()
    first: float | None = None
    try:
        async with session.post(url, json=body, headers=headers) as response:
            if response.status != 200:
                detail = (await response.text())[:300]
                return StreamResult("refused", str(response.status), detail=detail)
            async for event in sse_events(response):
                if event.event == "error":
                    return StreamResult("error event", "200", first, detail=event.data[:300])
                if event.event == "done":
                    done = time.perf_counter() - started
                    answer = str(event.json().get("response", "")).strip()
                    if answer != expected:
                        return StreamResult("wrong answer", "200", first, done, answer[:120])
                    return StreamResult("done", "200", first, done)
                if first is None and event.event == "message":
                    first = time.perf_counter() - started
            return StreamResult("ended without done", "200", first)
    except TimeoutError:
        status = "200" if first is not None else "none"
        return StreamResult("client timeout", status, first, detail=f"{STREAM_TIMEOUT_S:.0f} s")
    except aiohttp.ClientError as exc:
        status = "200" if first is not None else "none"
        return StreamResult(type(exc).__name__, status, first, detail=str(exc)[:300])


async def _start_probe(stack: Stack, url: str, expect: int = 200) -> subprocess.Popen[str]:
    command = [PYTHON, str(ROOT / "bench" / "health_probe.py"), url]
    command += ["--interval", str(HEALTH_INTERVAL_S), "--expect", str(expect)]
    process = stack.group.start(f"probe-{expect}", command, cwd=ROOT, stdin=True)
    await asyncio.to_thread(stack.group.wait_for_line, process, READY_LINE, PROBE_START_S)
    return process


def _finish_probe(process: subprocess.Popen[str]) -> HealthSamples:
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.close()
    output = process.stdout.read()
    process.wait(timeout=PROBE_START_S)
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
            return HealthSamples(result["latencies_ms"], result["failures"])
    raise RuntimeError(f"health probe exited {process.returncode} without a result")


async def _round(
    stack: Stack,
    session: aiohttp.ClientSession,
    portal: str,
    headers: dict[str, str],
    bodies: Sequence[dict[str, Any]],
    label: str,
) -> Round:
    """All `bodies` at once, each its own stream, with the health probe running alongside."""
    url = f"{portal}/api/llm/chat/session"
    pid = stack.portal_pid(portal)
    probe = await _start_probe(stack, f"{portal}/api/health")
    no_db_probe = await _start_probe(stack, f"{portal}{NO_DB_PATH}", 404)
    try:
        started, portal_cpu, client_cpu = time.perf_counter(), cpu_seconds(pid), time.process_time()
        results = await asyncio.gather(*(_stream(session, url, headers, b) for b in bodies))
        wall = time.perf_counter() - started
        portal_cpu, client_cpu = cpu_seconds(pid) - portal_cpu, time.process_time() - client_cpu
    finally:
        health = await asyncio.to_thread(_finish_probe, probe)
        no_db = await asyncio.to_thread(_finish_probe, no_db_probe)
    load = os.getloadavg()[0]
    return Round(label, list(results), health, no_db, wall, portal_cpu, client_cpu, load)


def _turn(session_id: str, message: str, *, first: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"session_id": session_id, "message": message, "stream": True}
    if first:
        body["system_prompt"] = SYSTEM_PROMPT
    return body


async def _check_history(
    session: aiohttp.ClientSession, portal: str, headers: dict[str, str], ids: Sequence[str]
) -> str:
    """A sample of sessions must hold both turns (2 user + 2 assistant messages)."""
    sample = ids[:: max(1, len(ids) // HISTORY_SAMPLE)][:HISTORY_SAMPLE]
    counts: Counter[str] = Counter()
    for session_id in sample:
        async with session.get(
            f"{portal}/api/llm/chat/session/{session_id}/history", headers=headers
        ) as response:
            if response.status != 200:
                counts[f"HTTP {response.status}"] += 1
                continue
            messages = (await response.json())["messages"]
            counts[f"{len(messages)} messages"] += 1
    found = ", ".join(f"{count} x {what}" for what, count in counts.most_common())
    return f"history of {len(sample)} sampled sessions after round 2: {found} (expected 4)"


def _problem_lines(lines: Iterable[str]) -> Iterator[str]:
    """Warnings, errors, 5xx access lines, and the exception line ending each traceback with
    the innermost portal frame that raised it."""
    in_traceback = False
    frame = ""
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            in_traceback, frame = True, ""
        elif in_traceback:
            if match := APP_FRAME.search(line):
                frame = f"{match.group(1)}:{match.group(2)} in {match.group(3)}"
            elif line.strip() and not line.startswith((" ", "\t", "During handling", "The above")):
                in_traceback = False
                yield f"{line} [{frame}]" if frame else line
        elif LOG_PROBLEM.search(line):
            yield line


def _log_excerpt(log: Path) -> list[str]:
    """The portal log's problem lines, grouped (numbers and addresses masked), most frequent
    first, so a flood of one error reads as one line with a count."""
    if not log.is_file():
        return []
    problems: Counter[str] = Counter()
    first_seen: dict[str, str] = {}
    for line in _problem_lines(log.read_text(errors="replace").splitlines()):
        text = LOG_TIMESTAMP.sub("", line)
        key = _masked(text)
        problems[key] += 1
        first_seen.setdefault(key, text)
    return [
        f"{count} x {first_seen[key][:400]}"
        for key, count in problems.most_common(LOG_EXCERPT_LINES)
    ]


def _gate_line(log: Path) -> str:
    """The portal's start-up line stating the gate's capacity (the caps took effect)."""
    if log.is_file():
        for line in log.read_text(errors="replace").splitlines():
            if "LLM gate:" in line:
                return line[line.index("LLM gate:") :]
    return ""


def _masked(text: str) -> str:
    return re.sub(r"0x[0-9a-f]+|(?<![\w.])\d+(\.\d+)?", "N", text)


def _client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=STREAM_TIMEOUT_S),
    )


async def _run_database(
    stack: Stack, run: DatabaseRun, upstream: str, n: int, env: dict[str, str]
) -> None:
    portal = stack.portal(
        upstream, f"streams-{run.name}", {**bench_caps(n), **DATABASE_POOL, **env}
    )
    run.open_files = open_files_limit(stack.portal_pid(portal))
    try:
        # A client per round: round 1's idle keep-alive connections are closed by the server
        # between the rounds, and reusing one as it closes is a client-side race, not a
        # failure of the portal's.
        async with _client() as session:
            headers = bearer(await bench_token(session, portal))
            url = f"{portal}/api/llm/chat/session"
            warmup = [
                _turn(uuid.uuid4().hex, "Warm up.", first=True) for _ in range(WARMUP_STREAMS)
            ]
            await asyncio.gather(*(_stream(session, url, headers, body) for body in warmup))
            ids = [uuid.uuid4().hex for _ in range(n)]
            first = [_turn(i, f"Question {k}: what is new?", first=True) for k, i in enumerate(ids)]
            run.rounds.append(await _round(stack, session, portal, headers, first, ROUNDS[0]))
        async with _client() as session:
            again = [_turn(i, f"Question {k}: and then?", first=False) for k, i in enumerate(ids)]
            run.rounds.append(await _round(stack, session, portal, headers, again, ROUNDS[1]))
            run.history_check = await _check_history(session, portal, headers, ids)
    finally:
        stack.stop_portal(portal)
        run.log_excerpt = _log_excerpt(stack.portal_log(portal))
        run.gate = _gate_line(stack.portal_log(portal))


def _failures(results: Sequence[StreamResult]) -> str:
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for result in results:
        if not result.ok:
            what = f"{result.outcome} ({result.status})"
            what += f": {result.detail}" if result.detail else ""
            counts[_masked(what)] += 1
            example.setdefault(_masked(what), what)
    return "; ".join(f"{count} x {example[key]}" for key, count in counts.most_common(5))


def _row(round_: Round) -> list[str]:
    results = round_.streams
    done_ms = [r.done_s * 1000 for r in results if r.done_s is not None and r.ok]
    first_ms = [r.first_delta_s * 1000 for r in results if r.first_delta_s is not None]
    statuses = Counter(r.status for r in results)
    health = round_.health
    failures = sum(health.failures.values())
    return [
        round_.label,
        str(len(results)),
        str(round_.completed),
        str(len(results) - round_.completed),
        ", ".join(f"{status} x {count}" for status, count in sorted(statuses.items())),
        " / ".join(fmt_ms(percentile(done_ms, q)) for q in (0.50, 0.95, 0.99)),
        " / ".join(fmt_ms(percentile(first_ms, q)) for q in (0.50, 0.99)),
        " / ".join(fmt_ms(percentile(health.latencies_ms, q)) for q in (0.50, 0.99, 1.0))
        + f" ({len(health.latencies_ms)} probes, {failures} failed)",
        " / ".join(fmt_ms(percentile(round_.no_db.latencies_ms, q)) for q in (0.50, 0.99, 1.0)),
        f"{round_.wall_s:.1f}",
        f"{100 * round_.portal_cpu_s / round_.wall_s:.0f} % / "
        f"{1000 * round_.portal_cpu_s / len(results):.0f} ms / "
        f"{100 * round_.client_cpu_s / round_.wall_s:.0f} %",
        f"{round_.load_1min:.1f}",
        "yes" if round_.met else "**no**",
    ]


HEADERS = [
    "round",
    "streams",
    "completed",
    "failed",
    "HTTP statuses",
    "stream p50 / p95 / p99 ms",
    "first delta p50 / p99 ms",
    "`/api/health` p50 / p99 / max ms",
    "no-DB 404 p50 / p99 / max ms",
    "wall s",
    "portal CPU, per stream / client CPU",
    "load avg 1 min",
    "target met",
]


def _database_markdown(run: DatabaseRun) -> str:
    if run.skipped:
        return f"### {run.name}\n\nSkipped: {run.skipped}\n"
    lines = [f"### {run.name}", "", markdown_table(HEADERS, [_row(r) for r in run.rounds]), ""]
    for round_ in run.rounds:
        if round_.completed < len(round_.streams):
            lines.append(f"- round {round_.label}, failures: {_failures(round_.streams)}")
        if round_.health.failures:
            lines.append(f"- round {round_.label}, health probe failures: {round_.health.failures}")
        if round_.no_db.failures:
            lines.append(f"- round {round_.label}, no-DB probe failures: {round_.no_db.failures}")
    if run.history_check:
        lines.append(f"- {run.history_check}")
    lines.append(f"- portal's open-files limit: {run.open_files}")
    if run.gate:
        lines.append(f"- portal log at start: `{run.gate}`")
    if run.log_excerpt:
        lines += ["- portal log, problem lines (grouped, most frequent first):", "", "```"]
        lines += run.log_excerpt
        lines.append("```")
    else:
        lines.append("- portal log: no warnings or errors")
    verdict = all(r.met for r in run.rounds) and len(run.rounds) == len(ROUNDS)
    lines += ["", f"**Target {'met' if verdict else 'not met'}** on {run.name}.", ""]
    return "\n".join(lines)


async def measure(stack: Stack, *, quick: bool) -> Section:
    n = QUICK_STREAMS if quick else STREAMS
    client_files = raise_open_files_limit()  # before any process below starts: they inherit it
    upstream = stack.fake_upstream(0.0, chunk_delay_s=CHUNK_DELAY_S, reply_chunks=REPLY_CHUNKS)
    sqlite = DatabaseRun("SQLite")
    await _run_database(stack, sqlite, upstream, n, {})
    postgres = DatabaseRun("PostgreSQL")
    try:
        async with postgres_database() as url:
            await _run_database(stack, postgres, upstream, n, {"DATABASE_URL": url})
    except PostgresUnavailable as exc:
        postgres.skipped = f"PostgreSQL not reachable ({exc}); set BENCH_POSTGRES_URL"
    body = [_notes(n, client_files), _database_markdown(sqlite), _database_markdown(postgres)]
    return Section("streams", "\n\n".join(body))


def _notes(n: int, client_files: int) -> str:
    caps = ", ".join(f"`{k}={v}`" for k, v in {**bench_caps(n), **DATABASE_POOL}.items())
    return (
        f"Fake upstream streaming a {REPLY_CHUNKS}-chunk answer, {CHUNK_DELAY_S * 1000:.0f} ms "
        f"after each chunk (ideal stream ≈ {(REPLY_CHUNKS + 1) * CHUNK_DELAY_S * 1000:.0f} ms). "
        f"One portal worker per database with {caps}. {n} concurrent streamed "
        "`POST /api/llm/chat/session` from one user and one aiohttp client per round "
        "(`limit=0`), each a new session; round 2 continues the same sessions. A stream "
        "completes at its `done` event with the expected answer. `/api/health` is polled every "
        f"{HEALTH_INTERVAL_S * 1000:.0f} ms from a separate process during each round, and so "
        f"is `GET {NO_DB_PATH}` (a 404 that touches no database: event-loop lag alone). Client "
        f"open-files limit {client_files}. **Target**: all {n} streams complete and "
        f"`/api/health` p99 < {HEALTH_P99_TARGET_MS:.0f} ms, on SQLite and on PostgreSQL. "
        "Client, portal and upstream share the machine's cores; CPU is the portal "
        "worker's CPU time over the round's wall time (100 % = one core), the same divided by "
        "the streams, and the client's share; "
        "the load average is taken at the round's end."
    )
