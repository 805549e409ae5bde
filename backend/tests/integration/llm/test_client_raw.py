"""LLMClient's raw OpenAI calls (what the gateway passes through) against real HTTP servers:
the fault-injecting fake upstream, and a scripted server for multi-choice streams."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from openai.types import Completion
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from app.llm import (
    LLMBadResponse,
    LLMClient,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
)
from tests.fixtures.fake_upstream import MODEL_ID, FakeUpstream, Fault
from tests.integration.llm.llm_api import HELLO, cancel_midway, client_with

pytestmark = pytest.mark.integration


async def _chunks(llm: LLMClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [chunk async for chunk in llm.chat_completion_chunks(body)]


async def _completion_chunks(llm: LLMClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    return [chunk async for chunk in llm.completion_chunks(body)]


def _content(chunks: list[dict[str, Any]], index: int = 0) -> str:
    return "".join(
        choice["delta"].get("content") or ""
        for chunk in chunks
        for choice in chunk["choices"]
        if choice["index"] == index
    )


CHAT = {"messages": HELLO}
PROMPT = {"prompt": "Once upon"}
STREAMS: dict[str, Callable[[LLMClient], Any]] = {
    "chat": lambda llm: _chunks(llm, CHAT),
    "completion": lambda llm: _completion_chunks(llm, PROMPT),
}


class TestModels:
    async def test_the_servers_list_as_sent(self, client: LLMClient) -> None:
        assert await client.models() == [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "fake"}
        ]

    async def test_cached_with_the_server_facts(self, client: LLMClient) -> None:
        await client.models()
        models = await client.models()
        models[0]["id"] = "changed by the caller"
        assert (await client.models())[0]["id"] == MODEL_ID


class TestChatCompletion:
    async def test_passes_every_field_and_sets_model_stream_and_extras(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        body = {
            "messages": HELLO,
            "model": "whatever-the-caller-named",
            "stream": True,
            "stream_options": {"include_usage": False},
            "user": "u1",
            "logit_bias": {"42": -100},
            "x_unknown": {"nested": [1, 2]},
        }
        await client.chat_completion(body)
        sent = fake_upstream.requests[-1].body
        assert sent["model"] == MODEL_ID
        assert sent["stream"] is False
        assert "stream_options" not in sent
        assert sent["cache_prompt"] is True
        assert sent["chat_template_kwargs"] == {"enable_thinking": False}
        assert (sent["user"], sent["logit_bias"], sent["x_unknown"]) == (
            "u1",
            {"42": -100},
            {"nested": [1, 2]},
        )
        assert body["model"] == "whatever-the-caller-named"  # the caller's dict is left alone

    async def test_the_callers_own_extras_win(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        kwargs = {"enable_thinking": True}
        await client.chat_completion({**CHAT, "chat_template_kwargs": kwargs})
        assert fake_upstream.requests[-1].body["chat_template_kwargs"] == kwargs

    async def test_answers_the_servers_body_with_thinking_stripped(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>hmm</think>\n\nParis."
        response = await client.chat_completion(CHAT)
        assert response["choices"][0]["message"]["content"] == "Paris."
        assert response["timings"]["predicted_n"] > 0  # llama.cpp's own field is kept
        assert response["usage"]["total_tokens"] > 0
        ChatCompletion.model_validate(response)  # the reference client reads it

    async def test_sends_no_extras_to_other_servers(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.llama_cpp = False
        async with client_with(fake_upstream.url) as llm:
            await llm.chat_completion(CHAT)
        sent = fake_upstream.requests[-1].body
        assert "cache_prompt" not in sent
        assert "chat_template_kwargs" not in sent

    async def test_a_refused_request_is_rejected_with_the_servers_words(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_400")
        with pytest.raises(LLMRejected) as error:
            await client.chat_completion(CHAT)
        assert error.value.status == 400
        assert error.value.detail == "the request exceeds the available context size"

    async def test_a_server_failure_is_unavailable(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(LLMUnavailable):
            await client.chat_completion(CHAT)


class TestChatCompletionChunks:
    async def test_every_chunk_as_sent_with_usage_at_the_end(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        chunks = await _chunks(client, {**CHAT, "stream_options": {"x_option": 1}, "n_probs": 0})
        assert _content(chunks) == "Echo: hello there"
        for chunk in chunks:
            ChatCompletionChunk.model_validate(chunk)
        assert chunks[-1]["usage"]["completion_tokens"] > 0
        assert "timings" in chunks[-1]
        assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
        sent = fake_upstream.requests[-1].body
        assert sent["stream"] is True
        assert sent["stream_options"] == {"x_option": 1, "include_usage": True}
        assert sent["n_probs"] == 0

    async def test_thinking_split_across_chunks_is_stripped(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>secret plan</think>The answer."
        chunks = await _chunks(client, CHAT)
        assert _content(chunks) == "The answer."
        assert "secret" not in json.dumps(chunks)

    async def test_a_refused_request_is_rejected_before_any_chunk(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_400")
        with pytest.raises(LLMRejected, match="context size"):
            await _chunks(client, CHAT)

    async def test_a_stall_times_out(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        async with client_with(fake_upstream.url, timeout=0.5) as llm:
            with pytest.raises(LLMTimeout):
                await asyncio.wait_for(_chunks(llm, CHAT), 5)


class TestCutStreams:
    @pytest.mark.parametrize("mode", ["cut", "truncate"])
    @pytest.mark.parametrize("stream", sorted(STREAMS))
    async def test_a_stream_cut_midway_is_unavailable(
        self, client: LLMClient, fake_upstream: FakeUpstream, mode: str, stream: str
    ) -> None:
        fake_upstream.fault = Fault(mode=mode, after_chunks=2)
        with pytest.raises(LLMUnavailable, match="before the reply was complete"):
            await asyncio.wait_for(STREAMS[stream](client), 5)


class TestCancellation:
    async def test_closing_the_chunks_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        chunks = client.chat_completion_chunks(CHAT)
        assert "choices" in await anext(chunks)
        closed_at = time.monotonic()
        await chunks.aclose()
        disconnect = await fake_upstream.wait_for_disconnect(within=1)
        assert disconnect is not None
        assert disconnect.at - closed_at < 1

    async def test_cancelling_the_task_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        await cancel_midway(_completion_chunks(client, PROMPT), fake_upstream)
        assert await fake_upstream.wait_for_disconnect(within=1) is not None

    async def test_cancelling_a_json_call_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=30)
        await cancel_midway(client.chat_completion(CHAT), fake_upstream)
        assert await fake_upstream.wait_for_disconnect(within=1) is not None


class TestCompletion:
    async def test_continuations_are_kept_as_sent(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>not thinking, just text</think>"
        response = await client.completion({**PROMPT, "max_tokens": 9, "echo": False})
        assert response["choices"][0]["text"] == "<think>not thinking, just text</think>"
        Completion.model_validate(response)
        sent = fake_upstream.requests[-1].body
        assert (sent["model"], sent["max_tokens"], sent["stream"]) == (MODEL_ID, 9, False)
        assert sent["cache_prompt"] is True
        assert "chat_template_kwargs" not in sent

    async def test_streamed_continuations_are_kept_as_sent(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "a <think> b"
        chunks = await _completion_chunks(client, PROMPT)
        assert "".join(c["choices"][0]["text"] for c in chunks if c["choices"]) == "a <think> b"
        assert chunks[-1]["usage"]["prompt_tokens"] > 0
        assert fake_upstream.requests[-1].body["stream_options"] == {"include_usage": True}


# --- a scripted server: streams exactly the events given --------------------------------


@contextlib.asynccontextmanager
async def scripted(
    events: list[bytes], *, models: bool = True
) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A llama.cpp-like server whose chat stream is ``events``, sent as they are; yields its
    URL and the request bodies it received."""
    received: list[dict[str, Any]] = []

    async def props(_request: web.Request) -> web.Response:
        return web.json_response({"default_generation_settings": {"n_ctx": 4096}})

    async def listed(_request: web.Request) -> web.Response:
        if not models:
            raise web.HTTPNotFound()
        return web.json_response({"object": "list", "data": [{"id": "listed"}]})

    async def chat(request: web.Request) -> web.StreamResponse:
        received.append(await request.json())
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for event in events:
            await response.write(event)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/props", props)
    app.router.add_get("/v1/models", listed)
    app.router.add_post("/v1/chat/completions", chat)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), received
    finally:
        await server.close()


def sse(payload: dict[str, Any] | str, *, newline: bytes = b"\n") -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return b"data: " + data.encode() + newline + newline


def chunk(*choices: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"id": "s", "object": "chat.completion.chunk", "created": 0, "model": "listed"}
    return {**body, "choices": list(choices), **fields}


def delta(index: int, content: str | None, finish: str | None = None) -> dict[str, Any]:
    return {
        "index": index,
        "delta": {} if content is None else {"content": content},
        "finish_reason": finish,
    }


class TestScriptedStreams:
    async def test_each_choice_is_stripped_on_its_own_and_the_usage_chunk_is_kept(self) -> None:
        usage = {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}
        events = [
            b": a comment the decoder skips\n\n",
            sse(chunk(delta(0, "<think>zero "), delta(1, "One "), x_vendor="kept")),
            sse(chunk(delta(1, "<think>one</think>said"), delta(0, "thought</think>Zero"))),
            sse(chunk(delta(0, None, "stop"), delta(1, None, "length")), newline=b"\r\n"),
            sse(chunk(usage=usage)),
            sse("[DONE]"),
        ]
        async with scripted(events) as (url, _), client_with(url) as llm:
            chunks = await _chunks(llm, {**CHAT, "n": 2})
        assert (_content(chunks, 0), _content(chunks, 1)) == ("Zero", "One said")
        assert chunks[0]["x_vendor"] == "kept"
        assert chunks[-1] == chunk(usage=usage)
        assert len(chunks) == 4

    async def test_an_error_event_is_raised_as_the_error_it_names(self) -> None:
        error = {"error": {"code": 400, "message": "the prompt is too long", "type": "x"}}
        events = [sse(chunk(delta(0, "Hi"))), sse(error)]
        async with scripted(events) as (url, _), client_with(url) as llm:
            with pytest.raises(LLMRejected, match="the prompt is too long"):
                await _chunks(llm, CHAT)

    async def test_a_broken_chunk_is_a_bad_response(self) -> None:
        events = [sse(chunk(delta(0, "Hi"))), b"data: {not json\n\n"]
        async with scripted(events) as (url, _), client_with(url) as llm:
            with pytest.raises(LLMBadResponse, match="cannot read") as error:
                await _chunks(llm, CHAT)
        assert not isinstance(error.value, LLMRejected)

    @pytest.mark.parametrize(("configured", "expected"), [(None, "default"), ("mine", "mine")])
    async def test_a_server_without_a_model_list_lists_the_model_in_use(
        self, configured: str | None, expected: str
    ) -> None:
        async with (
            scripted([], models=False) as (url, _),
            client_with(url, model=configured) as llm,
        ):
            assert await llm.models() == [
                {"id": expected, "object": "model", "owned_by": "portal", "created": 0}
            ]

    async def test_the_upstream_model_replaces_the_callers(self) -> None:
        events = [sse(chunk(delta(0, "Hi", "stop"))), sse("[DONE]")]
        async with scripted(events) as (url, received), client_with(url) as llm:
            await _chunks(llm, {**CHAT, "model": "gpt-4o"})
        assert received[-1]["model"] == "listed"
