"""The `gateway` bench's real-model part: aggregate generated tokens/s of SmolLM2 on the
embedded llama.cpp, streamed directly from its `/v1/chat/completions` and through the
portal's, with 1 and 4 concurrent streams.

Both sides send the same prompts (one per stream), `max_tokens` fixed, temperature 0, and ask
for the usage in the last chunk; tokens are counted from it. A round runs the N streams at
once and takes request sent → last `[DONE]`; sides alternate which goes first each round,
after one warm-up of each (the prompts are then in the KV cache for both). Aggregate tokens/s
= all rounds' tokens / all rounds' wall time. llama.cpp's speed swings with whatever else runs
on the machine's cores, so the verdict uses the median of the per-round ratios (each round's
two sides ran back to back) and the table shows their range. Target: the portal keeps ≥ 97 %
of direct.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from gateway_client import chat_body, first_model, portal_credentials, read_stream, streamed
from measure import markdown_table
from overhead import Target
from portal_client import bearer
from stack import Stack

STREAM_COUNTS = (1, 4)
MAX_TOKENS = 128
ROUNDS = 6
QUICK_ROUNDS = 1
TARGET_SHARE = 0.97
TIMEOUT_S = 300.0
DIRECT_MODEL = "smollm2"
PROMPTS = (
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "Explain step by step how a bicycle's gears make climbing a hill easier.",
    "Describe a busy market in a small coastal town early on a summer morning.",
    "Write a letter from a young sailor to his family about his first storm at sea.",
)


@dataclass
class Side:
    """One way to the model, and what its rounds produced."""

    name: str
    target: Target
    tokens: int = 0
    wall_s: float = 0.0
    counted_from_chunks: bool = False
    rates: list[float] = field(default_factory=list)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.wall_s if self.wall_s > 0 else 0.0


def _body(model: str, prompt: str) -> dict[str, Any]:
    messages = [{"role": "user", "content": prompt}]
    return streamed(chat_body(model, messages, max_tokens=MAX_TOKENS, temperature=0))


async def _round(session: aiohttp.ClientSession, side: Side, streams: int) -> tuple[int, float]:
    """The first `streams` prompts at once; tokens generated and wall time."""
    target = side.target
    started = time.perf_counter()
    reads = await asyncio.gather(
        *(
            read_stream(
                session, target.url, _body(str(target.body["model"]), p), {**target.headers}
            )
            for p in PROMPTS[:streams]
        )
    )
    wall = time.perf_counter() - started
    tokens = 0
    for read in reads:
        if not read.ok:
            raise RuntimeError(f"{side.name}: stream failed ({read.status}): {read.error}")
        if read.usage is None:
            side.counted_from_chunks = True
            tokens += len(read.content.split())
        else:
            tokens += int(read.usage["completion_tokens"])
    return tokens, wall


def _sides(llama: str, portal: str, model: str, key: str) -> list[Side]:
    direct = Target(f"{llama}/v1/chat/completions", {"model": DIRECT_MODEL}, {})
    through = Target(f"{portal}/v1/chat/completions", {"model": model}, bearer(key))
    return [Side("direct (llama.cpp)", direct), Side("portal `/v1`", through)]


async def _compare(
    session: aiohttp.ClientSession, sides: list[Side], streams: int, rounds: int
) -> list[str]:
    for side in sides:  # warm-up: prompts into the KV cache, connections open
        await _round(session, side, streams)
    for number in range(rounds):
        for side in sides if number % 2 == 0 else reversed(sides):
            tokens, wall = await _round(session, side, streams)
            side.tokens += tokens
            side.wall_s += wall
            side.rates.append(tokens / wall)
    direct, portal = sides
    ratios = [
        through / straight for straight, through in zip(direct.rates, portal.rates, strict=True)
    ]
    share = statistics.median(ratios)
    verdict = (
        "met"
        if share >= TARGET_SHARE
        else f"**missed** by {100 * (TARGET_SHARE - share):.1f} points"
    )
    return [
        str(streams),
        f"{direct.tokens_per_s:,.1f}",
        f"{portal.tokens_per_s:,.1f}",
        f"{100 * share:.1f} % ({100 * min(ratios):.0f}-{100 * max(ratios):.0f} %)",
        f"{direct.tokens:,} / {portal.tokens:,}",
        f"{os.getloadavg()[0]:.1f}",
        verdict,
    ]


async def measure(stack: Stack, *, quick: bool) -> str:
    llama = stack.llama()
    portal = stack.portal(llama)
    rounds = QUICK_ROUNDS if quick else ROUNDS
    rows = []
    timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
    chunk_counted = False
    async with aiohttp.ClientSession(timeout=timeout) as session:
        _token, key = await portal_credentials(session, portal)
        model = await first_model(session, portal, bearer(key))
        for streams in STREAM_COUNTS:
            sides = _sides(llama, portal, model, key)
            rows.append(await _compare(session, sides, streams, rounds))
            chunk_counted |= any(side.counted_from_chunks for side in sides)
    headers = [
        "streams",
        "direct tokens/s",
        "portal tokens/s",
        "portal / direct: median of rounds (range)",
        "tokens direct / portal",
        "load avg 1 min at the end",
        "≥ 97 % of direct",
    ]
    notes = (
        f"SmolLM2-135M on the embedded llama.cpp (4 slots), streamed chat of at most "
        f"{MAX_TOKENS} tokens at temperature 0, the same prompt per stream on both sides, "
        f"{rounds} round(s) after a warm-up, each running both sides back to back, alternating "
        "which goes first; aggregate tokens/s = tokens from the usage chunk ÷ wall time (all "
        "streams of a round sent at once → last `[DONE]`); the verdict uses the median of the "
        "rounds' portal/direct ratios, since llama.cpp's speed swings with the machine's load."
    )
    if chunk_counted:
        notes += " Some streams carried no usage: their tokens were counted as words."
    return "\n\n".join(
        ["### Real model: tokens/s direct vs through `/v1`", notes, markdown_table(headers, rows)]
    )
