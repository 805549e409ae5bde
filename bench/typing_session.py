"""`typing`: a scripted typing session against TAB completion on the embedded SmolLM2.

The same keystrokes (`keystrokes.py`) drive a smart client (cache, debounce, abort) and a
naive one (a request per key, no abort) through `/api/completion/generate`, each against a
fresh portal (empty completion cache) in front of the same llama.cpp server. Upstream work
comes from llama.cpp's `/metrics` before and after each client (`tokens_predicted_total`
counts aborted generations too); pause-to-ghost is the time from the last key before a pause
to the ghost text for exactly that text appearing, if it appears before the next key.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import aiohttp

from ghost_clients import DEBOUNCE_S, Endpoint, NaiveClient, SmartClient, Tally
from keystrokes import PAUSE_THRESHOLD_MS, Keystroke, script
from measure import Section, fmt_ms, markdown_table, percentile
from portal_client import bearer, bench_token
from stack import Stack

KEYSTROKES = 200
QUICK_KEYSTROKES = 60
COMPLETION_PARAMS = {"completion_type": "general", "max_tokens": 24, "temperature": 0.0}
BACKLOG_TIMEOUT_S = 120.0
IDLE_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 60.0
Client: TypeAlias = SmartClient | NaiveClient


async def llama_metrics(session: aiohttp.ClientSession, llama_url: str) -> dict[str, float]:
    async with session.get(f"{llama_url}/metrics") as response:
        response.raise_for_status()
        text = await response.text()
    values: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            values[parts[0].removeprefix("llamacpp:")] = float(parts[1])
    return values


async def wait_idle(session: aiohttp.ClientSession, llama_url: str) -> dict[str, float]:
    """Metrics once llama.cpp has no request in progress (bounded wait)."""
    deadline = time.monotonic() + IDLE_TIMEOUT_S
    while True:
        metrics = await llama_metrics(session, llama_url)
        if metrics.get("requests_processing", 0) == 0 or time.monotonic() > deadline:
            return metrics
        await asyncio.sleep(0.2)


async def count_tokens(session: aiohttp.ClientSession, llama_url: str, text: str) -> int:
    async with session.post(f"{llama_url}/tokenize", json={"content": text}) as response:
        response.raise_for_status()
        tokens: list[int] = (await response.json())["tokens"]
    return len(tokens)


async def replay(client: Client, keys: list[Keystroke]) -> dict[int, float]:
    """Press every key at its scripted moment; returns when each key was pressed."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    pressed: dict[int, float] = {}
    for key in keys:
        await asyncio.sleep(max(0.0, start + key.at_s - loop.time()))
        pressed[key.index] = time.perf_counter()
        client.on_key(key.index, key.text)
    await asyncio.sleep(keys[-1].gap_after_s)
    return pressed


@dataclass(frozen=True)
class Outcome:
    """One client's session, measured."""

    tally: Tally
    predicted: float
    prompt_processed: float
    tokens_shown: int
    pause_latencies_ms: list[float]
    pauses: int
    left_open: int
    portal_cancelled: int


def pause_latencies(keys: list[Keystroke], pressed: dict[int, float], tally: Tally) -> list[float]:
    """For each pause: ms from its last key to the first ghost text for that exact text."""
    latencies = []
    for key in keys:
        if not key.is_pause:
            continue
        window_end = pressed[key.index] + key.gap_after_s
        shown = [s.at for s in tally.shown if s.key == key.index and s.at <= window_end]
        if shown:
            latencies.append((min(shown) - pressed[key.index]) * 1000)
    return latencies


async def tokens_shown(session: aiohttp.ClientSession, llama_url: str, tally: Tally) -> int:
    """Tokens of the server answers that reached the screen, each answer counted once."""
    texts = {(s.text, s.completion) for s in tally.shown if s.from_server}
    return sum([await count_tokens(session, llama_url, completion) for _, completion in texts])


def portal_cancellations(log: Path) -> int:
    """Completions the portal logged as cancelled: proof that an abort reached it."""
    if not log.is_file():
        return 0
    return sum("outcome=cancelled" in line for line in log.read_text().splitlines())


async def run_client(
    session: aiohttp.ClientSession, llama_url: str, client: Client, keys: list[Keystroke]
) -> Outcome:
    before = await wait_idle(session, llama_url)
    pressed = await replay(client, keys)
    left_open = await client.finish(BACKLOG_TIMEOUT_S)
    after = await wait_idle(session, llama_url)
    return Outcome(
        tally=client.tally,
        predicted=after["tokens_predicted_total"] - before["tokens_predicted_total"],
        prompt_processed=after["prompt_tokens_total"] - before["prompt_tokens_total"],
        tokens_shown=await tokens_shown(session, llama_url, client.tally),
        pause_latencies_ms=pause_latencies(keys, pressed, client.tally),
        pauses=sum(key.is_pause for key in keys),
        left_open=left_open,
        portal_cancelled=portal_cancellations(client.endpoint.log),
    )


async def _endpoint(session: aiohttp.ClientSession, stack: Stack, tag: str) -> Endpoint:
    portal = stack.portal(stack.llama(), tag=tag)
    token = await bench_token(session, portal)
    url = f"{portal}/api/completion/generate"
    return Endpoint(session, url, bearer(token), COMPLETION_PARAMS, stack.portal_log(portal))


async def measure(stack: Stack, *, quick: bool) -> Section:
    keys = script(QUICK_KEYSTROKES if quick else KEYSTROKES)
    llama_url = stack.llama()
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        smart = SmartClient(await _endpoint(session, stack, "typing-smart"))
        naive = NaiveClient(await _endpoint(session, stack, "typing-naive"))
        smart_outcome = await run_client(session, llama_url, smart, keys)
        naive_outcome = await run_client(session, llama_url, naive, keys)
    body = _notes(keys) + "\n\n" + _table(smart_outcome, naive_outcome)
    return Section("typing", body)


def _row(label: str, smart: str, naive: str) -> list[str]:
    return [label, smart, naive]


def _table(smart: Outcome, naive: Outcome) -> str:
    def both(pick: str) -> tuple[str, str]:
        return _cell(smart, pick), _cell(naive, pick)

    labels = {
        "sent": "requests sent",
        "aborted": "requests aborted (connection closed)",
        "cancelled": "completions the portal logged as cancelled",
        "client_hits": "ghost texts from the client cache",
        "server_hits": "server cache hits (`X-Cache: hit`)",
        "errors": "errors",
        "predicted": "upstream tokens generated",
        "prompt": "upstream prompt tokens processed",
        "shown_tokens": "tokens shown (server answers displayed)",
        "pauses": "pauses with ghost text before the next key",
        "latency": "pause → ghost p50 / p95 ms",
        "left_open": "requests still open 120 s after the last key",
    }
    rows = [_row(label, *both(pick)) for pick, label in labels.items()]
    return markdown_table(["", "smart client", "naive client"], rows)


def _cell(outcome: Outcome, pick: str) -> str:
    tally = outcome.tally
    latencies = outcome.pause_latencies_ms
    cells = {
        "sent": str(tally.sent),
        "aborted": str(tally.aborted),
        "cancelled": str(outcome.portal_cancelled),
        "client_hits": str(tally.client_cache_hits),
        "server_hits": str(tally.server_cache_hits),
        "errors": str(tally.errors),
        "predicted": f"{outcome.predicted:,.0f}",
        "prompt": f"{outcome.prompt_processed:,.0f}",
        "shown_tokens": f"{outcome.tokens_shown:,}",
        "pauses": f"{len(latencies)} / {outcome.pauses}",
        "latency": f"{fmt_ms(percentile(latencies, 0.5))} / {fmt_ms(percentile(latencies, 0.95))}",
        "left_open": str(outcome.left_open),
    }
    return cells[pick]


def _notes(keys: list[Keystroke]) -> str:
    duration = keys[-1].at_s + keys[-1].gap_after_s
    pauses = sum(key.is_pause for key in keys)
    hesitations = sum(key.gap_after_s > DEBOUNCE_S and not key.is_pause for key in keys)
    max_tokens = COMPLETION_PARAMS["max_tokens"]
    return (
        f"{len(keys)} keystrokes of a fixed paragraph in {duration:.0f} s (80-200 ms between "
        f"keys; {pauses} pauses ≥ {PAUSE_THRESHOLD_MS} ms after some words and every sentence, "
        f"{hesitations} shorter hesitations after other words; fixed seed), `completion_type` "
        f"general, `max_tokens` {max_tokens}, temperature 0, JSON answers. Smart client: "
        f"client cache checked first, {DEBOUNCE_S * 1000:.0f} ms debounce, in-flight request "
        "aborted on the next key. Naive client: one request per key, never aborted, stale "
        "answers not shown. Each client talks to a fresh portal; both share one SmolLM2 "
        "llama.cpp server (4 slots). A pause's latency counts only if the ghost text appears "
        "before the next key."
    )
