"""The one client of the upstream LLM server: chat, streams, raw completions, tokens, health.

One :class:`LLMClient` per process owns one pooled ``openai.AsyncOpenAI`` on the aiohttp
transport (the measured fastest; see docs on the LLM runtime). llama.cpp's own endpoints
outside ``/v1`` go over the same HTTP client, never a second pool.

llama.cpp is detected once through ``/props``. Only then are its extras sent
(``cache_prompt``; ``chat_template_kwargs`` when ``LLM_SKIP_THINKING`` is on): the real
OpenAI API rejects unknown fields. What the server told (llama.cpp or not, model, slot
context, slot count) is cached, and probed again after the server was unreachable.
Chat answers lose their ``<think>…</think>`` blocks whatever the settings.

Deadlines: ``LLMSettings.timeout`` bounds a whole request, streams included. It is
applied to each step of a stream separately (never as one scope spanning a ``yield``,
which would cancel whatever the consumer happens to be doing).

Cancellation: the upstream response is held in ``async with``, so closing a stream
generator (``aclose()``) or cancelling its task closes the upstream connection at once,
which makes llama.cpp stop generating. Consumers that stop early must ``aclose()`` the
generator (``contextlib.aclosing``) rather than leave it to the garbage collector.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import httpx2
import openai
from openai import AsyncOpenAI, DefaultAioHttpClient

from .errors import LLMError, LLMUnavailable
from .llamacpp import LlamaCppEndpoints, total_slots_of
from .parsing import StreamAccumulator, chat_result, completion_result
from .results import (
    ChatMessage,
    ChatResult,
    CompletionEvent,
    CompletionResult,
    GenerationParams,
    HealthReport,
    HealthStatus,
    StreamEvent,
    TextDelta,
    completion_from_chat,
)
from .settings import LLMSettings
from .upstream_errors import START_HINT, resend_if_stale, upstream_errors

T = TypeVar("T")
logger = logging.getLogger(__name__)
NO_KEY = "no-key"  # the openai client insists on a key; servers without auth ignore it


@dataclass(frozen=True)
class _ServerInfo:
    """What the server told about itself; forgotten when it becomes unreachable."""

    model: str
    llama_cpp: bool
    slot_context: int | None
    total_slots: int | None


def server_root(url: str) -> str:
    """The server's root URL, whether it was given with ``/v1`` or without."""
    root = url.rstrip("/")
    return root.removesuffix("/v1")


async def next_before(iterator: AsyncIterator[T], deadline: float) -> T | None:
    """The iterator's next item, ``None`` at its end; ``TimeoutError`` past ``deadline``.

    The deadline covers one wait, not a ``yield``: a timeout around a ``yield`` would belong
    to whichever task pulls the next item, and a streamed answer is pulled from more than one.
    """
    async with asyncio.timeout_at(deadline):
        return await anext(iterator, None)


class LLMClient:
    """Async client of an OpenAI-compatible server (llama.cpp, vLLM, OpenAI)."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        base_url: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        url = base_url or settings.server_url
        if not url:
            raise LLMUnavailable(
                "The model is not set up on this portal — ask the administrator",
                log_message=f"No LLM server is configured — {START_HINT}",
            )
        self._settings = settings
        self._root = server_root(url)
        api_key = settings.api_key.get_secret_value() if settings.api_key else None
        timeout = httpx2.Timeout(settings.timeout, connect=settings.connect_timeout)
        self._owns_http = http_client is None
        self._http = http_client or DefaultAioHttpClient(
            timeout=timeout,
            limits=httpx2.Limits(
                max_connections=settings.pool_size, max_keepalive_connections=settings.pool_size
            ),
        )
        self._openai = AsyncOpenAI(
            base_url=f"{self._root}/v1",
            api_key=api_key or NO_KEY,
            http_client=self._http,
            max_retries=settings.max_retries,
            timeout=timeout,
        )
        self._llama = LlamaCppEndpoints(
            self._http, self._root, api_key=api_key, timeout=settings.health_timeout
        )
        self._server: _ServerInfo | None = None
        self._probe_lock = asyncio.Lock()
        self._completions_missing = False
        self._tokenizer_missing = False

    @property
    def server_url(self) -> str:
        return self._root

    @property
    def settings(self) -> LLMSettings:
        return self._settings

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool, unless it was handed in by the caller."""
        if self._owns_http:
            await self._openai.close()

    # --- server discovery ---------------------------------------------------------------

    @contextlib.contextmanager
    def _errors(self, log_level: int = logging.WARNING) -> Iterator[None]:
        """Failures become library errors, logged here once with their operator text (the
        user's text is the message); an unreachable server is forgotten and probed afresh."""
        try:
            with upstream_errors(self._root, self._settings.timeout):
                yield
        except LLMError as exc:
            logger.log(log_level, "%s", exc.log_message)
            if isinstance(exc, LLMUnavailable):
                self._forget_server()
            raise

    def _forget_server(self) -> None:
        self._server = None
        self._completions_missing = False
        self._tokenizer_missing = False

    async def _info(self) -> _ServerInfo:
        info = self._server
        if info is not None:
            return info
        async with self._probe_lock:
            if self._server is None:
                self._server = await self._probe()
            return self._server

    async def _probe(self) -> _ServerInfo:
        with self._errors():
            props = await self._llama.props()
            slot_context = await self._llama.slot_context(props) if props is not None else None
            model = self._settings.model or await self._first_model()
        return _ServerInfo(model, props is not None, slot_context, total_slots_of(props))

    async def is_llama_cpp(self) -> bool:
        """Whether the server accepts llama.cpp's extra request fields (found once, cached)."""
        return (await self._info()).llama_cpp

    async def _first_model(self) -> str:
        try:
            page = await self._openai.models.list()
        except openai.NotFoundError:
            return "default"
        return page.data[0].id if page.data else "default"

    async def slot_context(self) -> int:
        """Context size of one server slot, or ``LLM_SLOT_CONTEXT_FALLBACK`` if unknown."""
        info = await self._info()
        return info.slot_context or self._settings.slot_context_fallback

    async def total_slots(self) -> int | None:
        """llama.cpp's parallel slots (``/props`` → ``total_slots``), cached and re-probed with
        the other server facts; ``None`` for other servers, if unsaid, or while unreachable."""
        try:
            info = await self._info()
        except LLMError:
            return None
        return info.total_slots

    # --- request bodies -----------------------------------------------------------------

    def _deadline(self) -> float:
        return asyncio.get_running_loop().time() + self._settings.timeout

    def _body(
        self, info: _ServerInfo, params: GenerationParams | None, *, chat: bool
    ) -> dict[str, Any]:
        params = params or GenerationParams()
        body: dict[str, Any] = {"model": info.model, **params.sampling(self._settings)}
        extra: dict[str, Any] = {}
        if info.llama_cpp:
            extra["cache_prompt"] = True
            if chat and self._settings.skip_thinking:  # thinking is stripped either way
                extra["chat_template_kwargs"] = {"enable_thinking": False}
        extra.update(params.extra)
        if extra:
            body["extra_body"] = extra
        return body

    # --- chat ---------------------------------------------------------------------------

    async def chat(
        self, messages: Sequence[ChatMessage], params: GenerationParams | None = None
    ) -> ChatResult:
        """One chat answer, free of thinking blocks."""
        info = await self._info()
        body = self._body(info, params, chat=True)
        with self._errors():
            async with asyncio.timeout(self._settings.timeout):
                response = await resend_if_stale(
                    lambda: self._openai.chat.completions.create(
                        messages=cast(Any, list(messages)), stream=False, **body
                    ),
                    self._root,
                )
            return chat_result(response)

    async def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams | None = None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Chat answer as :class:`TextDelta` events, then one final :class:`ChatResult`."""
        info = await self._info()
        body = self._body(info, params, chat=True)
        accumulator = StreamAccumulator(info.model, strip=True)
        deadline = self._deadline()
        with self._errors():
            async with asyncio.timeout_at(deadline):
                upstream = await resend_if_stale(
                    lambda: self._openai.chat.completions.create(
                        messages=cast(Any, list(messages)),
                        stream=True,
                        stream_options={"include_usage": True},
                        **body,
                    ),
                    self._root,
                )
            async with upstream:
                chunks = aiter(upstream)
                while (chunk := await next_before(chunks, deadline)) is not None:
                    if text := accumulator.add_chat(chunk):
                        yield TextDelta(text)
            if tail := accumulator.flush():
                yield TextDelta(tail)
            yield accumulator.result(ChatResult)

    # --- raw completion -----------------------------------------------------------------

    async def complete(
        self, prompt: str, params: GenerationParams | None = None
    ) -> CompletionResult:
        """Continuation of a raw prompt (``/v1/completions``), or a chat answer as fallback."""
        if not self._completions_missing:
            info = await self._info()
            body = self._body(info, params, chat=False)
            with self._errors():
                try:
                    async with asyncio.timeout(self._settings.timeout):
                        response = await resend_if_stale(
                            lambda: self._openai.completions.create(
                                prompt=prompt, stream=False, **body
                            ),
                            self._root,
                        )
                    return completion_result(response)
                except openai.NotFoundError:
                    self._completions_missing = True
        return completion_from_chat(await self.chat([{"role": "user", "content": prompt}], params))

    async def stream_complete(
        self, prompt: str, params: GenerationParams | None = None
    ) -> AsyncGenerator[CompletionEvent, None]:
        """Streamed continuation of a raw prompt, with the same chat fallback."""
        if not self._completions_missing:
            info = await self._info()
            body = self._body(info, params, chat=False)
            deadline = self._deadline()
            with self._errors():
                try:
                    async with asyncio.timeout_at(deadline):
                        upstream = await resend_if_stale(
                            lambda: self._openai.completions.create(
                                prompt=prompt,
                                stream=True,
                                stream_options={"include_usage": True},
                                **body,
                            ),
                            self._root,
                        )
                except openai.NotFoundError:
                    self._completions_missing = True
                else:
                    accumulator = StreamAccumulator(info.model, strip=False)
                    async with upstream:
                        chunks = aiter(upstream)
                        while (chunk := await next_before(chunks, deadline)) is not None:
                            if text := accumulator.add_completion(chunk):
                                yield TextDelta(text)
                    yield accumulator.result(CompletionResult)
                    return
        async with contextlib.aclosing(
            self.stream([{"role": "user", "content": prompt}], params)
        ) as events:
            async for event in events:
                yield completion_from_chat(event) if isinstance(event, ChatResult) else event

    # --- tokens and health --------------------------------------------------------------

    async def tokenize(self, text: str) -> list[int] | None:
        """The server's token ids for ``text``; ``None`` when it has no tokenizer endpoint."""
        if self._tokenizer_missing:
            return None
        # Quiet: callers estimate instead, and the generation call after it logs the outage.
        with self._errors(logging.DEBUG):
            tokens = await self._llama.tokenize(text)
        self._tokenizer_missing = tokens is None
        return tokens

    async def health(self) -> HealthReport:
        """Probe the server; never raises, so a health route can always answer."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._settings.health_timeout):
                status, detail = await self._health_status()
        except (LLMError, TimeoutError) as exc:
            return self._report("unavailable", started, None, self._failure(exc))
        latency = time.perf_counter() - started
        try:
            async with asyncio.timeout(self._settings.health_timeout):
                info = await self._info()
        except (LLMError, TimeoutError) as exc:
            return self._report("degraded", started, None, self._failure(exc), latency)
        return self._report(status, started, info, detail, latency)

    def _failure(self, exc: LLMError | TimeoutError) -> str:
        """What a health report tells users about a probe that failed."""
        if isinstance(exc, LLMError):
            return exc.message
        return f"The model did not answer within {self._settings.health_timeout:g} s"

    async def _health_status(self) -> tuple[HealthStatus, str | None]:
        # Pages poll health; an outage is logged at INFO here, at WARNING by real requests.
        with self._errors(logging.INFO):
            code = await self._llama.health_status()
            if code == 404:
                await self._openai.models.list()
                return "ok", None
        if code == 200:
            return "ok", None
        if code == 503:
            return "degraded", "The model is still loading — try again in a minute"
        return "degraded", f"The model reports a problem (HTTP {code}) — try again in a minute"

    def _report(
        self,
        status: HealthStatus,
        started: float,
        info: _ServerInfo | None,
        detail: str | None,
        latency: float | None = None,
    ) -> HealthReport:
        elapsed = latency if latency is not None else time.perf_counter() - started
        return HealthReport(
            status=status,
            server_url=self._root,
            model=info.model if info else self._settings.model,
            latency_ms=round(elapsed * 1000, 2),
            slot_context=(info.slot_context or self._settings.slot_context_fallback)
            if info
            else None,
            detail=detail,
        )
