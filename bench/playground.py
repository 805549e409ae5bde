"""`playground`: what does running a 2 x 2 matrix at once buy, and does a rerun hit the cache?

On the embedded SmolLM2, a template with two versions (each a ~600-token system prompt, the
versions differing from their first line on) and two inputs (a question each). Per round:

- the 2 x 2 matrix as one `POST /api/playground/run`: wall time = request sent → `done`;
- the same four cells one after another, each its own 1 x 1 run through the same route (the
  way a cell is re-run): wall time = first request sent → last `done`.

Every round renders with a fresh `run` value at the start of the prompt, so neither side finds
the other's prompts in llama.cpp's KV cache; the two sides alternate which goes first. Then
the last matrix is run again unchanged: its cells' `cache_n` (prompt tokens llama.cpp took from
its cache) shows the KV reuse of a second run of the same version.

The portal runs with the product's gate (4 slots as llama.cpp reports them, the defaults per
user and lane: the `chat` lane runs 3 at once while the other lanes are idle), not the raised
bench caps: what a person gets. (A version's cells share a ~600-token prompt, so the matrix
runs each version's first cell, then the other: at most 2 at once, which the gate admits.)
"""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from measure import Section, fmt_ms, markdown_table
from portal_client import bearer, bench_token, sse_events
from stack import Stack

MAX_TOKENS = 48
RUN_TIMEOUT_S = 600.0
RULES = 24
PRODUCT_GATE = {
    "LLM_MAX_CONCURRENCY": "4",
    "LLM_MAX_QUEUE": "32",
    "LLM_PER_USER_CONCURRENCY": "4",
}
"""What the gate is without bench overrides on a 4-slot server (the cap follows the slots)."""
QUESTIONS = (
    "List twenty products the shop sells, one per line.",
    "Write the numbers from one to forty in words, separated by commas.",
)
"""Questions with long answers, so most cells write all `MAX_TOKENS` tokens on both sides."""
TOPICS = ("billing", "shipping", "returns", "warranty", "accounts", "passwords", "privacy")


def _content(tone: str) -> str:
    rules = "\n".join(
        f"Rule {n + 1}: when asked about {TOPICS[n % len(TOPICS)]}, answer {tone} in at most "
        f"{2 + n % 3} sentences and name the help page."
        for n in range(RULES)
    )
    return (
        f"Run {{{{ run }}}}. You are a {tone} assistant of an electronics shop.\n{rules}\n"
        "The customer is {{ customer }}."
    )


TEMPLATE = {
    "title": "Bench support assistant",
    "content": _content("friendly"),
    "variables": [
        {"name": "run", "type": "text"},
        {"name": "customer", "type": "text"},
    ],
}


@dataclass
class RunResult:
    wall_ms: float
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)


async def _run(
    session: aiohttp.ClientSession, portal: str, token: str, body: dict[str, Any]
) -> RunResult:
    started = time.perf_counter()
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    async with session.post(
        f"{portal}/api/playground/run", json=body, headers=bearer(token)
    ) as response:
        if response.status != 200:
            raise RuntimeError(f"run: HTTP {response.status}: {await response.text()}")
        async for event in sse_events(response):
            if event.event in ("cell_error", "error"):
                raise RuntimeError(f"cell failed: {event.data}")
            if event.event == "cell_done":
                data = event.json()
                cells[(data["v"], data["i"])] = data
    return RunResult((time.perf_counter() - started) * 1000, cells)


async def _template(session: aiohttp.ClientSession, portal: str, token: str) -> int:
    async with session.post(f"{portal}/api/templates", json=TEMPLATE, headers=bearer(token)) as r:
        if r.status != 201:
            raise RuntimeError(f"template: HTTP {r.status}: {await r.text()}")
        template_id = int((await r.json())["id"])
    second = {"content": _content("concise")}
    async with session.patch(
        f"{portal}/api/templates/{template_id}", json=second, headers=bearer(token)
    ) as r:
        if r.status != 200:
            raise RuntimeError(f"version 2: HTTP {r.status}: {await r.text()}")
    return template_id


def _body(
    template_id: int, nonce: str, versions: list[int], questions: list[int]
) -> dict[str, Any]:
    return {
        "versions": [{"template_id": template_id, "version": v} for v in versions],
        "inputs": [
            {"variables": {"run": nonce, "customer": f"customer {q}"}, "message": QUESTIONS[q]}
            for q in questions
        ],
        "temperature": 0,
        "max_tokens": MAX_TOKENS,
    }


async def _matrix(ctx: _Context, nonce: str) -> RunResult:
    return await _run(ctx.session, ctx.portal, ctx.token, _body(ctx.tid, nonce, [1, 2], [0, 1]))


async def _one_by_one(ctx: _Context, nonce: str) -> RunResult:
    started = time.perf_counter()
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    for v in (1, 2):
        for q in (0, 1):
            single = await _run(ctx.session, ctx.portal, ctx.token, _body(ctx.tid, nonce, [v], [q]))
            cells[(v - 1, q)] = single.cells[(0, 0)]
    return RunResult((time.perf_counter() - started) * 1000, cells)


@dataclass(frozen=True)
class _Context:
    session: aiohttp.ClientSession
    portal: str
    token: str
    tid: int


def _tokens(result: RunResult) -> int:
    return sum(
        (cell.get("usage") or {}).get("completion_tokens", 0) for cell in result.cells.values()
    )


async def _setup(
    stack: Stack, llama_url: str, name: str, quick: bool
) -> tuple[list[str], list[list[str]]]:
    """One portal's comparison row and its second-run `cache_n` rows."""
    portal = stack.portal(llama_url, tag=f"playground-{name}", env=PRODUCT_GATE)
    timeout = aiohttp.ClientTimeout(total=RUN_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        token = await bench_token(session, portal)
        ctx = _Context(session, portal, token, await _template(session, portal, token))
        await _run(session, portal, token, _body(ctx.tid, "warm-up", [1], [0]))
        matrix_ms: list[float] = []
        serial_ms: list[float] = []
        tokens: list[tuple[int, int]] = []
        last, last_nonce = RunResult(0.0), ""
        for round_ in range(1 if quick else 3):
            nonces = (uuid.uuid4().hex[:8], uuid.uuid4().hex[:8])
            if round_ % 2 == 0:
                last = await _matrix(ctx, nonces[0])
                one_by_one = await _one_by_one(ctx, nonces[1])
            else:
                one_by_one = await _one_by_one(ctx, nonces[1])
                last = await _matrix(ctx, nonces[0])
            matrix_ms.append(last.wall_ms)
            serial_ms.append(one_by_one.wall_ms)
            tokens.append((_tokens(last), _tokens(one_by_one)))
            last_nonce = nonces[0]
        again = await _matrix(ctx, last_nonce)
    matrix, serial = statistics.median(matrix_ms), statistics.median(serial_ms)
    row = [
        name,
        str(len(matrix_ms)),
        fmt_ms(matrix),
        fmt_ms(serial),
        f"{serial / matrix:.2f}x",
        " / ".join(f"{m}, {s}" for m, s in tokens),
    ]
    cache_rows = [
        [
            name,
            f"v{v + 1} x input {i + 1}",
            str(last.cells[(v, i)]["usage"]["prompt_tokens"]),
            str(last.cells[(v, i)]["cache_n"]),
            str(again.cells[(v, i)]["cache_n"]),
            fmt_ms(last.cells[(v, i)]["ttft_ms"]),
            fmt_ms(again.cells[(v, i)]["ttft_ms"]),
        ]
        for v, i in sorted(again.cells)
    ]
    return row, cache_rows


async def measure(stack: Stack, *, quick: bool) -> Section:
    llama_url = stack.llama()
    rows: list[list[str]] = []
    cache_rows: list[list[str]] = []
    for name in ("product gate",):
        row, cells = await _setup(stack, llama_url, name, quick)
        rows.append(row)
        cache_rows.extend(cells)
    wall = markdown_table(
        [
            "portal",
            "rounds",
            "2x2 matrix wall ms (median)",
            "4 cells one by one ms (median)",
            "speed-up",
            "answer tokens per round (matrix, one by one)",
        ],
        rows,
    )
    cache = markdown_table(
        [
            "portal",
            "cell",
            "prompt tokens",
            "cache_n, 1st run",
            "cache_n, 2nd run",
            "TTFT ms, 1st run",
            "TTFT ms, 2nd run",
        ],
        cache_rows,
    )
    notes = (
        "SmolLM2-135M (embedded llama.cpp, 4 slots, 32,768-token context); a template with two "
        "versions of about 600 tokens (system prompt) x two inputs (the user's question), "
        f"answers of at most {MAX_TOKENS} tokens at temperature 0, all through "
        "`POST /api/playground/run`. Matrix = one 2x2 run, request sent → `done`; one by one = "
        "the same four cells as four 1x1 runs in a row (fresh prompts each side, alternating "
        "which goes first). TTFT and `cache_n` are the portal's per-cell figures (`cell_done`): "
        "TTFT from the gate's admission to the first text; `cache_n` = prompt tokens llama.cpp "
        "reused from its KV cache. The 2nd run repeats the last matrix unchanged."
    )
    return Section("playground", f"{notes}\n\n{wall}\n\n{cache}")
