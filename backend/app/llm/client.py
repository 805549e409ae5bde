"""The one client of the upstream LLM server: chat, streams, raw completions, tokens, health,
and the raw OpenAI-shaped calls a gateway passes through.

One :class:`LLMClient` per process speaks OpenAI-compatible HTTP itself over one pooled
aiohttp session (:mod:`.transport`): bodies are plain dicts encoded and decoded by
``orjson``, streams are parsed as they arrive, and nothing is validated into models on the
way (an SDK doing so cost about half the event loop's time under load). llama.cpp's own
endpoints outside ``/v1`` go over the same session, never a second pool.

llama.cpp is detected once through ``/props`` (:mod:`.server_facts` keeps what the server
told, and probes it again after an outage). Only then are its extras sent (``cache_prompt``;
``chat_template_kwargs`` when ``LLM_SKIP_THINKING`` is on): the real OpenAI API rejects
unknown fields. Chat answers lose their ``<think>…</think>`` blocks whatever the settings.
Health checks live in :mod:`.health`.

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
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any, TypeVar

import aiohttp

from .errors import LLMError, LLMUnavailable
from .health import HealthCheck
from .llamacpp import LlamaCppEndpoints
from .parsing import (
    ChunkPassage,
    StreamAccumulator,
    chat_result,
    completion_result,
    strip_choices,
)
from .results import (
    ChatMessage,
    ChatResult,
    CompletionEvent,
    CompletionResult,
    GenerationParams,
    HealthReport,
    StreamEvent,
    TextDelta,
    completion_from_chat,
)
from .server_facts import ServerFacts, ServerInfo
from .settings import LLMSettings
from .transport import EndpointMissing, Upstream
from .upstream_errors import START_HINT

T = TypeVar("T")
CHAT_PATH = "/v1/chat/completions"
COMPLETIONS_PATH = "/v1/completions"


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
    """Async client of an OpenAI-compatible server (llama.cpp, vLLM, OpenAI).

    ``session`` is an aiohttp session the caller owns and closes (tests, or a process that
    already pools connections); without one the client opens and closes its own.
    """

    def __init__(
        self,
        settings: LLMSettings,
        *,
        base_url: str | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        url = base_url or settings.server_url
        if not url:
            raise LLMUnavailable(
                "The model is not set up on this portal — ask the administrator",
                log_message=f"No LLM server is configured — {START_HINT}",
            )
        self._settings = settings
        self._root = server_root(url)
        self._upstream = Upstream(self._root, settings, session)
        self._llama = LlamaCppEndpoints(self._upstream, timeout=settings.health_timeout)
        self._facts = ServerFacts(settings, self._upstream, self._llama)
        self._health = HealthCheck(settings, self._upstream, self._llama, self._facts)

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
        await self._upstream.close()

    # --- server facts -----------------------------------------------------------------

    async def is_llama_cpp(self) -> bool:
        """Whether the server accepts llama.cpp's extra request fields (found once, cached)."""
        return (await self._facts.info()).llama_cpp

    async def slot_context(self) -> int:
        """Context size of one server slot, or ``LLM_SLOT_CONTEXT_FALLBACK`` if unknown."""
        info = await self._facts.info()
        return info.slot_context or self._settings.slot_context_fallback

    async def total_slots(self) -> int | None:
        """llama.cpp's parallel slots (``/props`` → ``total_slots``), cached and re-probed with
        the other server facts; ``None`` for other servers, if unsaid, or while unreachable."""
        try:
            info = await self._facts.info()
        except LLMError:
            return None
        return info.total_slots

    async def models(self) -> list[dict[str, Any]]:
        """The server's ``/v1/models`` entries as it sent them, cached with the other server
        facts; a server without that list gets one entry for the model the portal uses."""
        return await self._facts.models()

    # --- request bodies -----------------------------------------------------------------

    def _deadline(self) -> float:
        return asyncio.get_running_loop().time() + self._settings.timeout

    def _extras(self, info: ServerInfo, *, chat: bool) -> dict[str, Any]:
        """llama.cpp's request fields; nothing for other servers, which reject them."""
        if not info.llama_cpp:
            return {}
        if chat and self._settings.skip_thinking:  # thinking is stripped either way
            return {"cache_prompt": True, "chat_template_kwargs": {"enable_thinking": False}}
        return {"cache_prompt": True}

    def _body(
        self, info: ServerInfo, params: GenerationParams | None, *, chat: bool, stream: bool
    ) -> dict[str, Any]:
        params = params or GenerationParams()
        body: dict[str, Any] = {
            "model": info.model,
            **params.sampling(self._settings),
            **self._extras(info, chat=chat),
            **params.extra,
            "stream": stream,
        }
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def _raw_body(
        self, info: ServerInfo, body: dict[str, Any], *, chat: bool, stream: bool
    ) -> dict[str, Any]:
        """The caller's body as given, on the model it names when the server lists it (else
        the one the portal uses), with llama.cpp's extras unless the caller set them, and the
        stream mode the method stands for."""
        model = await self._facts.model_for(body.get("model"))
        payload = {**self._extras(info, chat=chat), **body, "model": model, "stream": stream}
        options = payload.pop("stream_options", None)
        if stream:
            payload["stream_options"] = {
                **(options if isinstance(options, dict) else {}),
                "include_usage": True,
            }
        return payload

    # --- chat ---------------------------------------------------------------------------

    async def chat(
        self, messages: Sequence[ChatMessage], params: GenerationParams | None = None
    ) -> ChatResult:
        """One chat answer, free of thinking blocks."""
        info = await self._facts.info()
        body = self._body(info, params, chat=True, stream=False)
        body["messages"] = messages
        with self._facts.watch():
            response = await self._upstream.json(
                "POST", CHAT_PATH, body, budget=self._settings.timeout
            )
            return chat_result(response, info.model)

    async def stream(
        self, messages: Sequence[ChatMessage], params: GenerationParams | None = None
    ) -> AsyncGenerator[StreamEvent, None]:
        """Chat answer as :class:`TextDelta` events, then one final :class:`ChatResult`."""
        info = await self._facts.info()
        body = self._body(info, params, chat=True, stream=True)
        body["messages"] = messages
        accumulator = StreamAccumulator(info.model, strip=True)
        with self._facts.watch():
            async with self._upstream.stream(
                CHAT_PATH, body, deadline=self._deadline(), budget=self._settings.timeout
            ) as chunks:
                async for chunk in chunks:
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
        if not self._facts.completions_missing:
            info = await self._facts.info()
            body = self._body(info, params, chat=False, stream=False)
            body["prompt"] = prompt
            with self._facts.watch():
                try:
                    response = await self._upstream.json(
                        "POST",
                        COMPLETIONS_PATH,
                        body,
                        budget=self._settings.timeout,
                        missing=(404,),
                    )
                except EndpointMissing:
                    self._facts.completions_missing = True
                else:
                    return completion_result(response, info.model)
        return completion_from_chat(await self.chat([{"role": "user", "content": prompt}], params))

    async def stream_complete(
        self, prompt: str, params: GenerationParams | None = None
    ) -> AsyncGenerator[CompletionEvent, None]:
        """Streamed continuation of a raw prompt, with the same chat fallback."""
        if not self._facts.completions_missing:
            info = await self._facts.info()
            body = self._body(info, params, chat=False, stream=True)
            body["prompt"] = prompt
            accumulator = StreamAccumulator(info.model, strip=False)
            with self._facts.watch():
                try:
                    async with self._upstream.stream(
                        COMPLETIONS_PATH,
                        body,
                        deadline=self._deadline(),
                        budget=self._settings.timeout,
                        missing=(404,),
                    ) as chunks:
                        async for chunk in chunks:
                            if text := accumulator.add_completion(chunk):
                                yield TextDelta(text)
                except EndpointMissing:
                    self._facts.completions_missing = True
                else:
                    yield accumulator.result(CompletionResult)
                    return
        async with contextlib.aclosing(
            self.stream([{"role": "user", "content": prompt}], params)
        ) as events:
            async for event in events:
                yield completion_from_chat(event) if isinstance(event, ChatResult) else event

    # --- raw OpenAI bodies, for the gateway -------------------------------------------------

    async def chat_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/chat/completions`` with the caller's OpenAI body (every field as given,
        ``model`` kept when the server lists it, llama.cpp's extras added, not streamed):
        the server's JSON with each ``choices[i].message.content`` free of thinking blocks."""
        return await self._raw_json(CHAT_PATH, body, chat=True)

    def chat_completion_chunks(self, body: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """The same, streamed: every chunk as the server sent it, each choice's
        ``delta.content`` free of thinking blocks (it may become ``""``). A stream that ends
        without any finish reason raises :class:`LLMUnavailable` (cut short)."""
        return self._raw_chunks(CHAT_PATH, body, chat=True)

    async def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/completions`` with the caller's body, like :meth:`chat_completion`;
        continuations are returned as sent (no thinking stripping)."""
        return await self._raw_json(COMPLETIONS_PATH, body, chat=False)

    def completion_chunks(self, body: dict[str, Any]) -> AsyncGenerator[dict[str, Any], None]:
        """The same, streamed, like :meth:`chat_completion_chunks` without stripping."""
        return self._raw_chunks(COMPLETIONS_PATH, body, chat=False)

    async def _raw_json(self, path: str, body: dict[str, Any], *, chat: bool) -> dict[str, Any]:
        """One raw call answered with JSON; a chat answer is freed of thinking blocks."""
        info = await self._facts.info()
        payload = await self._raw_body(info, body, chat=chat, stream=False)
        with self._facts.watch():
            response = await self._upstream.json(
                "POST", path, payload, budget=self._settings.timeout
            )
            if not isinstance(response, dict):
                what = "chat completion" if chat else "completion"
                raise ValueError(f"the {what} is not a JSON object")
            return strip_choices(response) if chat else response

    async def _raw_chunks(
        self, path: str, body: dict[str, Any], *, chat: bool
    ) -> AsyncGenerator[dict[str, Any], None]:
        info = await self._facts.info()
        payload = await self._raw_body(info, body, chat=chat, stream=True)
        passage = ChunkPassage(strip=chat)
        with self._facts.watch():
            async with self._upstream.stream(
                path, payload, deadline=self._deadline(), budget=self._settings.timeout
            ) as chunks:
                async for chunk in chunks:
                    yield passage(chunk)
            passage.end()

    # --- tokens and health --------------------------------------------------------------

    async def tokenize(self, text: str) -> list[int] | None:
        """The server's token ids for ``text``; ``None`` when it has no tokenizer endpoint."""
        if self._facts.tokenizer_missing:
            return None
        # Quiet: callers estimate instead, and the generation call after it logs the outage.
        with self._facts.watch(logging.DEBUG):
            tokens = await self._llama.tokenize(text)
        self._facts.tokenizer_missing = tokens is None
        return tokens

    async def health(self) -> HealthReport:
        """Probe the server; never raises, so a health route can always answer."""
        return await self._health.report()
