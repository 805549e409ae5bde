"""`kv_reuse`: does turn 5 of a session reuse the KV cache of the turns before it?

One session on the embedded SmolLM2 with a ~1,500-token system prompt, five streamed turns
through `/api/llm/chat/session`. TTFT is the time from sending the request to the first
`delta` event; `prompt_n` and `cache_n` come from llama.cpp's `timings` in the `done` event
(`cache_n`: prompt tokens taken from the slot's cache instead of being processed again).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

from measure import Section, fmt_ms, markdown_table
from portal_client import bearer, bench_token, sse_events
from stack import Stack

SYSTEM_PROMPT_TOKENS = 1500
QUESTIONS = (
    "Which city is the capital of France?",
    "What is the capital of Japan?",
    "Name a large animal that lives in Africa.",
    "What colour is the sky on a clear day?",
    "How many days are there in a week?",
)
MAX_TOKENS = 48
TURN_TIMEOUT_S = 120.0
TOPICS = (
    "billing",
    "shipping",
    "returns",
    "warranty",
    "accounts",
    "passwords",
    "privacy",
    "gift cards",
    "discounts",
    "store hours",
    "deliveries",
    "repairs",
    "installation",
    "batteries",
    "chargers",
    "screens",
    "keyboards",
    "printers",
    "cables",
    "software updates",
)


def _rule(index: int) -> str:
    topic = TOPICS[index % len(TOPICS)]
    limit = 2 + index % 4
    return (
        f"Rule {index + 1}: when a customer asks about {topic}, answer politely in at most "
        f"{limit} sentences, name the relevant help page, and never invent order numbers."
    )


def system_prompt(rules: int) -> str:
    intro = "You are the support assistant of an electronics shop. Follow these rules.\n"
    return intro + "\n".join(_rule(index) for index in range(rules))


async def _count_tokens(session: aiohttp.ClientSession, llama_url: str, text: str) -> int:
    async with session.post(f"{llama_url}/tokenize", json={"content": text}) as response:
        response.raise_for_status()
        return len((await response.json())["tokens"])


async def sized_system_prompt(session: aiohttp.ClientSession, llama_url: str) -> tuple[str, int]:
    """A prompt of about SYSTEM_PROMPT_TOKENS tokens (measured with the model's tokenizer)."""
    per_rule = await _count_tokens(session, llama_url, system_prompt(20)) / 20
    prompt = system_prompt(max(1, round(SYSTEM_PROMPT_TOKENS / per_rule)))
    # A run id at the very start: a server reused across runs cannot start warm.
    prompt = f"Conversation {uuid.uuid4().hex[:8]}. {prompt}"
    return prompt, await _count_tokens(session, llama_url, prompt)


@dataclass(frozen=True)
class Turn:
    ttft_ms: float
    total_ms: float
    timings: dict[str, Any]
    session_id: str


async def _turn(session: aiohttp.ClientSession, url: str, token: str, body: dict[str, Any]) -> Turn:
    started = time.perf_counter()
    ttft: float | None = None
    done: dict[str, Any] = {}
    async with session.post(url, json=body, headers=bearer(token)) as response:
        response.raise_for_status()
        async for event in sse_events(response):
            if event.event == "message" and ttft is None:
                ttft = (time.perf_counter() - started) * 1000
            elif event.event == "done":
                done = event.json()
            elif event.event == "error":
                raise RuntimeError(f"turn failed: {event.data}")
    total = (time.perf_counter() - started) * 1000
    if ttft is None:
        raise RuntimeError("the turn streamed no text")
    return Turn(ttft, total, done.get("timings") or {}, str(done.get("session_id", "")))


def _value(timings: dict[str, Any], key: str) -> str:
    return str(timings[key]) if key in timings else "—"


async def measure(stack: Stack, *, quick: bool) -> Section:
    llama_url = stack.llama()
    portal = stack.portal(llama_url)
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    rows: list[list[str]] = []
    async with aiohttp.ClientSession(timeout=timeout) as session:
        token = await bench_token(session, portal)
        prompt, prompt_tokens = await sized_system_prompt(session, llama_url)
        session_id = f"kv-{uuid.uuid4().hex[:12]}"
        for number, question in enumerate(QUESTIONS[: 2 if quick else 5], start=1):
            body = {
                "session_id": session_id,
                "message": question,
                "system_prompt": prompt,
                "temperature": 0,
                "max_tokens": MAX_TOKENS,
                "stream": True,
            }
            turn = await _turn(session, f"{portal}/api/llm/chat/session", token, body)
            rows.append(
                [
                    str(number),
                    fmt_ms(turn.ttft_ms),
                    fmt_ms(turn.total_ms),
                    _value(turn.timings, "prompt_n"),
                    _value(turn.timings, "cache_n"),
                ]
            )
    headers = ["turn", "TTFT ms", "whole turn ms", "prompt_n", "cache_n"]
    notes = (
        f"SmolLM2-135M (embedded llama.cpp, 4 slots, 32,768-token context), one session, "
        f"system prompt of {prompt_tokens:,} tokens, streamed turns of at most {MAX_TOKENS} "
        "tokens at temperature 0 through `/api/llm/chat/session`. TTFT = request sent → first "
        "delta. `prompt_n` = prompt tokens processed, `cache_n` = prompt tokens reused from "
        "the slot's KV cache (llama.cpp `timings` in the `done` event)."
    )
    return Section("kv_reuse", notes + "\n\n" + markdown_table(headers, rows))
