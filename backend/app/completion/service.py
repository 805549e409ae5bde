"""TAB completion: validate, check the cache and the rate limit, generate within a time budget.

One log line per request: type, max_tokens, input length, duration, cache hit, outcome.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field

from app.completion.cache import CompletionCache, cache_key
from app.completion.cleaning import clean_completion
from app.completion.kinds import KINDS, CompletionKind, build_prompt
from app.completion.schemas import CompletionDone, CompletionRequest, CompletionResponse
from app.config import Settings
from app.errors import AppError, BadRequest, llm_error_to_app_error
from app.llm.client import LLMClient, next_before
from app.llm.errors import LLMError
from app.llm.limits import ConcurrencyGate
from app.llm.results import CompletionEvent, CompletionResult, GenerationParams, TextDelta
from app.ratelimit import RateLimiter

logger = logging.getLogger(__name__)
UNAVAILABLE = "LLM service unavailable"


@dataclass(frozen=True)
class CompletionContext:
    """What a completion needs, built once by the lifespan."""

    client: LLMClient
    gate: ConcurrencyGate
    cache: CompletionCache
    limiter: RateLimiter
    settings: Settings


@dataclass(frozen=True)
class _Job:
    kind: CompletionKind
    text: str
    params: GenerationParams
    key: str
    deadline: float  # event-loop time when the budget is spent; the answer is what came by then


@dataclass
class _Generated:
    """What the model produced so far, and its usage once it finished."""

    pieces: list[str] = field(default_factory=list)
    result: CompletionResult | None = None

    def done(self, completion: str) -> CompletionDone:
        usage = timings = None
        if self.result is not None:
            usage = asdict(self.result.usage) if self.result.usage else None
            timings = dict(self.result.timings) if self.result.timings else None
        return CompletionDone(
            completion=completion, timestamp=int(time.time()), usage=usage, timings=timings
        )


@dataclass(frozen=True)
class CompletionOutcome:
    response: CompletionResponse
    cache_hit: bool


def _validate(data: CompletionRequest, settings: Settings) -> tuple[CompletionKind, str]:
    text = data.text or ""
    if not text.strip():
        raise BadRequest("Empty input text", code="empty_input")
    if len(text) > settings.completion_max_chars:
        raise BadRequest("Input text too long", code="input_too_long")
    kind = KINDS.get(data.completion_type or "general")
    if kind is None:
        raise BadRequest(
            "Invalid completion_type", code="invalid_completion_type", details=sorted(KINDS)
        )
    return kind, text


async def _job(ctx: CompletionContext, data: CompletionRequest) -> _Job:
    deadline = asyncio.get_running_loop().time() + ctx.settings.completion_time_budget
    kind, text = _validate(data, ctx.settings)
    max_tokens = min(
        data.max_tokens or 100, kind.max_tokens_cap, ctx.settings.completion_max_tokens
    )
    temperature = 0.7 if data.temperature is None else data.temperature
    top_p = 0.9 if data.top_p is None else data.top_p
    extra: dict[str, object] = {}
    if await _is_llama_cpp(ctx.client):
        # llama.cpp stops generating by itself when the budget is spent.
        extra["t_max_predict_ms"] = int(ctx.settings.completion_time_budget * 1000)
    params = GenerationParams(
        temperature=temperature, top_p=top_p, max_tokens=max_tokens, stop=kind.stop, extra=extra
    )
    key = cache_key(
        kind=kind.name, text=text, temperature=temperature, top_p=top_p, max_tokens=max_tokens
    )
    return _Job(kind=kind, text=text, params=params, key=key, deadline=deadline)


async def _is_llama_cpp(client: LLMClient) -> bool:
    try:
        return await client.is_llama_cpp()
    except LLMError as exc:
        raise _as_app_error(exc) from exc


def _as_app_error(exc: LLMError) -> AppError:
    """The documented contract: 503 "LLM service unavailable" for every LLM failure but limits."""
    return llm_error_to_app_error(exc, unavailable=UNAVAILABLE)


async def _generate(
    ctx: CompletionContext, job: _Job, owner: str, generated: _Generated
) -> AsyncIterator[TextDelta]:
    """Raw text pieces until the model stops or the time budget runs out."""
    try:
        async with ctx.gate.acquire("completion", owner):
            events = ctx.client.stream_complete(build_prompt(job.kind, job.text), job.params)
            async with contextlib.aclosing(events):
                while (event := await _next_event(events, job.deadline)) is not None:
                    if isinstance(event, TextDelta):
                        generated.pieces.append(event.text)
                        yield event
                    else:
                        generated.result = event
    except LLMError as exc:
        raise _as_app_error(exc) from exc


async def _next_event(
    events: AsyncIterator[CompletionEvent], deadline: float
) -> CompletionEvent | None:
    """The next event, or None when the model finished or the budget is spent."""
    with contextlib.suppress(TimeoutError):
        return await next_before(events, deadline)
    return None


def _log(
    job: _Job | None, data: CompletionRequest, started: float, *, cache_hit: bool, outcome: str
) -> None:
    logger.info(
        "completion type=%s max_tokens=%s input_len=%d duration_ms=%.0f cache_hit=%s outcome=%s",
        job.kind.name if job else _loggable(data.completion_type),
        job.params.max_tokens if job else data.max_tokens,
        len(data.text or ""),
        (time.perf_counter() - started) * 1000,
        cache_hit,
        outcome,
    )


def _loggable(value: str | None) -> str:
    """A client-chosen string fit for one log line: short, and no line breaks."""
    return repr(value)[:40]


async def generate_completion(
    *, ctx: CompletionContext, owner: str, data: CompletionRequest
) -> CompletionOutcome:
    """The documented JSON answer: the cleaned continuation of `data.text`."""
    started, job, cache_hit, outcome = time.perf_counter(), None, False, "error"
    try:
        job = await _prepare(ctx, owner, data)
        completion = await ctx.cache.get(job.key)
        cache_hit = completion is not None
        if completion is None:
            generated = _Generated()
            async for _piece in _generate(ctx, job, owner, generated):
                pass
            completion = clean_completion("".join(generated.pieces), text=job.text, kind=job.kind)
            await ctx.cache.put(job.key, completion)
        outcome = "ok"
        return CompletionOutcome(_response(completion), cache_hit=cache_hit)
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        _log(job, data, started, cache_hit=cache_hit, outcome=outcome)


async def _prepare(ctx: CompletionContext, owner: str, data: CompletionRequest) -> _Job:
    job = await _job(ctx, data)
    await ctx.limiter.hit("completion", owner)
    return job


def _response(completion: str) -> CompletionResponse:
    return CompletionResponse(completion=completion, timestamp=int(time.time()))


async def stream_completion(
    *, ctx: CompletionContext, owner: str, data: CompletionRequest
) -> AsyncIterator[TextDelta | CompletionDone]:
    """Raw deltas as they arrive (progress), then `done`: the cleaned completion to show.

    The deltas are the model's own words; cleaning (echo, chatter, the cut at a boundary)
    needs the whole answer, so only `done.completion` is ghost text. `done` also carries
    `usage` and `timings` when the model ran (not on a cache hit).
    """
    started, job, cache_hit, outcome = time.perf_counter(), None, False, "error"
    try:
        job = await _prepare(ctx, owner, data)
        completion = await ctx.cache.get(job.key)
        cache_hit = completion is not None
        generated = _Generated()
        if completion is None:
            async for delta in _generate(ctx, job, owner, generated):
                yield delta
            completion = clean_completion("".join(generated.pieces), text=job.text, kind=job.kind)
            await ctx.cache.put(job.key, completion)
        outcome = "ok"
        yield generated.done(completion)
    except (asyncio.CancelledError, GeneratorExit):
        outcome = "cancelled"
        raise
    finally:
        _log(job, data, started, cache_hit=cache_hit, outcome=outcome)
