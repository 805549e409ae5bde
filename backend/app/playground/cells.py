"""Running a run's cells side by side, their progress merged into one queue.

Each cell is a task of its own: it takes a gate slot in the `chat` lane for the run's owner,
streams its answer and measures it (time to first text and total, from the moment the gate
admitted it, so a wait for a slot is not counted as the model's time). Cancelling a cell's
task closes its upstream request (the client's stream is closed with it) and gives its slot
back.

A run must not be refused because of itself. A semaphore sized to the owner's per-user
allowance starts at most that many cells at once, so a 24-cell run queues inside itself
instead of meeting the gate's per-user limit; and a cell the gate turns away (its queue wait
timed out, the owner at their limit) while cells of the same run hold slots waits for one of
them to end and asks again (:class:`Crowd`). The lane may admit fewer cells than the
allowance (it keeps a slot for idle lanes), and a long answer outlasts the queue timeout, so
without this the last cells of a run would fail `llm_busy` behind their own siblings. Only a
cell refused while none of its run holds a slot fails: then the gate is busy with others.
"""

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from app.errors import llm_error_to_app_error
from app.llm.client import LLMClient
from app.llm.errors import LLMBusy, LLMError, LLMUserLimit
from app.llm.limits import ConcurrencyGate
from app.llm.results import ChatResult, GenerationParams, TextDelta, cache_n
from app.playground.store import CellOutcome


@dataclass(frozen=True)
class CellDelta:
    """A piece of a cell's answer, as it arrives."""

    v: int
    i: int
    text: str


@dataclass
class CellJob:
    """One cell to run: its messages, and what it has produced so far."""

    outcome: CellOutcome
    messages: Sequence[Mapping[str, str]]
    parts: list[str] = field(default_factory=list)

    def stopped(self) -> CellOutcome:
        """The outcome of a cell cut short by the run's cancellation: its text so far."""
        self.outcome.status = "stopped"
        self.outcome.text = "".join(self.parts)
        return self.outcome


CellEvent = CellDelta | CellOutcome


class Crowd:
    """The cells of one run that hold a gate slot, and a signal each time one lets go."""

    def __init__(self) -> None:
        self.running = 0
        self._released = asyncio.Event()

    def admitted(self) -> None:
        self.running += 1

    def release(self) -> None:
        self.running -= 1
        self._released.set()
        self._released = asyncio.Event()

    def next_release(self) -> asyncio.Event:
        """Set when a cell admitted before now lets go of its slot."""
        return self._released


async def _enter_gate(
    exits: contextlib.AsyncExitStack, gate: ConcurrencyGate, owner: str, crowd: Crowd
) -> None:
    """Hold a `chat` slot until ``exits`` closes, waiting out refusals caused by the run."""
    while True:
        released = crowd.next_release()
        try:
            await exits.enter_async_context(gate.acquire("chat", owner))
        except (LLMBusy, LLMUserLimit):
            if crowd.running == 0 and not released.is_set():
                raise
            await released.wait()
            continue
        crowd.admitted()
        exits.callback(crowd.release)
        return


def _elapsed_ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)


def _finish(job: CellJob, result: ChatResult, started: float) -> None:
    outcome = job.outcome
    outcome.text = result.text
    outcome.usage = asdict(result.usage) if result.usage is not None else None
    outcome.cache_n = cache_n(result.timings)
    outcome.total_ms = _elapsed_ms(started)


async def _stream(
    job: CellJob, client: LLMClient, params: GenerationParams, queue: asyncio.Queue[CellEvent]
) -> None:
    started = time.perf_counter()
    events = client.stream(job.messages, params)
    async with contextlib.aclosing(events):
        async for event in events:
            if isinstance(event, TextDelta):
                if not job.parts:
                    job.outcome.ttft_ms = _elapsed_ms(started)
                job.parts.append(event.text)
                await queue.put(CellDelta(job.outcome.v, job.outcome.i, event.text))
            else:
                _finish(job, event, started)


async def run_cell(
    job: CellJob,
    *,
    client: LLMClient,
    gate: ConcurrencyGate,
    owner: str,
    params: GenerationParams,
    limit: asyncio.Semaphore,
    crowd: Crowd,
    queue: asyncio.Queue[CellEvent],
    after: asyncio.Task[None] | None = None,
) -> None:
    """Run one cell (once ``after`` has ended, if given) and put its deltas, then its
    outcome, on ``queue``.

    An LLM failure (refused at the gate, upstream error, timeout) ends only this cell,
    `failed` with the code the HTTP routes would answer; cancellation propagates.
    """
    if after is not None:
        await asyncio.wait({after})
    try:
        async with limit, contextlib.AsyncExitStack() as exits:
            await _enter_gate(exits, gate, owner, crowd)
            await _stream(job, client, params, queue)
    except LLMError as exc:
        error = llm_error_to_app_error(exc)
        job.outcome.status, job.outcome.error, job.outcome.code = (
            "failed",
            error.message,
            error.error_code,
        )
        job.outcome.text = "".join(job.parts)
    await queue.put(job.outcome)
