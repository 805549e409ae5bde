"""Which cells of a run wait for another: a version's first cell warms the KV cache.

The cells of one version usually share a long rendered prompt (the system prompt) and differ
only in the input. llama.cpp reuses a prompt only from a slot that holds it, or from its
host-memory prompt cache once that slot is idle; cells started together each land on a slot of
their own and each process the whole prompt again. So when a version's cells share at least
`PRIME_MIN_CHARS` characters of prompt, its first cell runs first (the *primer*, alongside the
other versions' primers) and the version's other cells start when it ends: their shared part
then comes from the cache (`cache_n`) and only the rest is processed. Below that, the wait
would cost more than the prompt processing it saves, and every cell starts at once.
Measured in `docs/performance.md` (playground section).
"""

from collections import defaultdict

from app.playground.cells import CellJob

PRIME_MIN_CHARS = 1_000
"""About 250 tokens: the shared prompt below which cells do not wait for a primer."""

CellKey = tuple[int, int]


def key_of(job: CellJob) -> CellKey:
    return job.outcome.v, job.outcome.i


def shared_prompt_chars(jobs: list[CellJob]) -> int:
    """How many leading characters the first messages of all `jobs` have in common."""
    texts = [job.messages[0]["content"] for job in jobs]
    shortest, longest = min(texts), max(texts)  # the extremes bound every common prefix
    return next(
        (n for n, (a, b) in enumerate(zip(shortest, longest, strict=False)) if a != b),
        min(len(shortest), len(longest)),
    )


def primers(jobs: list[CellJob]) -> dict[CellKey, CellKey]:
    """Each cell that waits, mapped to the cell it waits for (its version's first)."""
    by_version: dict[int, list[CellJob]] = defaultdict(list)
    for job in jobs:
        by_version[job.outcome.v].append(job)
    waits: dict[CellKey, CellKey] = {}
    for same in by_version.values():
        if len(same) < 2 or shared_prompt_chars(same) < PRIME_MIN_CHARS:
            continue
        first = min(same, key=lambda job: job.outcome.i)
        waits.update({key_of(job): key_of(first) for job in same if job is not first})
    return waits
