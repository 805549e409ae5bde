"""One-shot chat and text completions through `/v1`, JSON and streamed, as the SDK sees them."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.gateway.gateway_api import (
    MODEL,
    last_chat_body,
    messages_sent,
    sdk_client,
)

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
HELLO = [{"role": "user", "content": "hello there"}]


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"x": value}
    return value


async def stream_chunks(sdk: openai.AsyncOpenAI, **options: Any) -> list[Any]:
    stream = await sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True, **options)
    return [chunk async for chunk in stream]


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


async def raw_events(client: httpx.AsyncClient, key: str, body: dict[str, Any]) -> list[str]:
    """The `data:` payloads of a stream as they came over the wire."""
    headers = {"Authorization": f"Bearer {key}"}
    response = await client.post("/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [line[len("data: ") :] for line in response.text.splitlines() if line]


async def post_chunked(app: Any, key: str, body: dict[str, Any]) -> httpx.Response:
    """A body sent without Content-Length."""

    async def chunks() -> AsyncIterator[bytes]:
        yield json.dumps(body).encode()

    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as http:
        return await http.post("/v1/chat/completions", content=chunks(), headers=headers)


class TestChat:
    async def test_a_json_answer(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        answer = await sdk.chat.completions.create(model=MODEL, messages=HELLO)
        assert answer.choices[0].message.content == "Echo: hello there"
        assert answer.choices[0].finish_reason == "stop"
        assert answer.model == MODEL
        assert answer.usage is not None
        assert answer.usage.completion_tokens > 0
        assert messages_sent(fake_upstream) == [("user", "hello there")]

    async def test_a_stream_with_usage_ends_with_a_usage_chunk(
        self, sdk: openai.AsyncOpenAI
    ) -> None:
        chunks = await stream_chunks(sdk, stream_options={"include_usage": True})
        assert text_of(chunks) == "Echo: hello there"
        assert chunks[-1].choices == []
        assert chunks[-1].usage is not None
        assert chunks[-1].usage.total_tokens > 0
        assert [c.usage for c in chunks[:-1]] == [None] * (len(chunks) - 1)
        assert chunks[-2].choices[0].finish_reason == "stop"

    async def test_a_stream_without_usage_has_none(self, sdk: openai.AsyncOpenAI) -> None:
        for options in ({}, {"stream_options": {"include_usage": False}}):
            chunks = await stream_chunks(sdk, **options)
            assert text_of(chunks) == "Echo: hello there"
            assert all(chunk.choices for chunk in chunks)
            assert all(chunk.usage is None for chunk in chunks)

    async def test_a_stream_ends_with_done(self, client: httpx.AsyncClient, api_key: str) -> None:
        body = {"model": MODEL, "messages": HELLO, "stream": True}
        events = await raw_events(client, api_key, body)
        assert events[-1] == "[DONE]"
        chunks = [json.loads(data) for data in events[:-1]]
        assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
        assert {chunk["model"] for chunk in chunks} == {MODEL}

    async def test_usage_riding_on_the_finish_chunk_is_split_off(
        self, make_settings, fake_upstream_server: FakeUpstream, api_key: str
    ) -> None:
        """Older servers put usage on the finish chunk: the caller still gets OpenAI's form."""
        fake_upstream_server.reset()
        settings = make_settings(llm={"server_url": fake_upstream_server.url})
        older = create_app(settings)
        async with LifespanManager(older), sdk_client(older, api_key) as sdk:
            with_usage = await stream_chunks(sdk, stream_options={"include_usage": True})
            without = await stream_chunks(sdk)
        assert with_usage[-1].choices == []
        assert with_usage[-1].usage is not None
        assert with_usage[-2].choices[0].finish_reason == "stop"
        assert with_usage[-2].usage is None
        assert all(chunk.usage is None for chunk in without)
        assert without[-1].choices[0].finish_reason == "stop"

    async def test_unknown_fields_reach_the_server_as_given(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        extra = {"top_k": 7, "mirostat": 2, "grammar": "root ::= [a-z]+"}
        await sdk.chat.completions.create(
            model=MODEL, messages=HELLO, temperature=0.2, seed=3, extra_body=extra
        )
        sent = last_chat_body(fake_upstream)
        assert {name: sent[name] for name in extra} == extra
        assert (sent["temperature"], sent["seed"]) == (0.2, 3)
        assert sent["cache_prompt"] is True  # llama.cpp's extra, added by the client

    async def test_content_parts_are_relayed(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        parts = [{"type": "text", "text": "look"}, {"type": "text", "text": " here"}]
        await sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": parts}]
        )
        assert last_chat_body(fake_upstream)["messages"][0]["content"] == parts


class TestTextCompletions:
    async def test_a_json_completion(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        answer = await sdk.completions.create(model=MODEL, prompt="Once upon", max_tokens=8)
        assert answer.choices[0].text == "Echo: Once upon"
        assert answer.model == MODEL
        sent = next(r for r in fake_upstream.requests if r.path == "/v1/completions").body
        assert (sent["prompt"], sent["max_tokens"]) == ("Once upon", 8)

    async def test_a_streamed_completion(self, sdk: openai.AsyncOpenAI) -> None:
        stream = await sdk.completions.create(
            model=MODEL, prompt="Once upon", stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]
        assert "".join(c.choices[0].text for c in chunks if c.choices) == "Echo: Once upon"
        assert chunks[-1].usage is not None


class TestRefusals:
    async def test_an_unknown_model_is_not_found(self, sdk: openai.AsyncOpenAI) -> None:
        with pytest.raises(openai.NotFoundError) as raised:
            await sdk.chat.completions.create(model="gpt-9", messages=HELLO)
        assert (raised.value.code, raised.value.param) == ("model_not_found", "model")

    @pytest.mark.parametrize(
        ("fields", "param"),
        [
            ({"temperature": 3}, "temperature"),
            ({"top_p": "0.5"}, "top_p"),
            ({"max_tokens": 0}, "max_tokens"),
            ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
            ({"presence_penalty": -2.5}, "presence_penalty"),
            ({"messages": []}, "messages"),
            ({"messages": [{"role": "robot", "content": "hi"}]}, "messages.0.role"),
            ({"messages": [{"role": "user"}]}, "messages.0"),
            ({"model": None}, "model"),
        ],
    )
    async def test_invalid_parameters_are_bad_requests(
        self, sdk: openai.AsyncOpenAI, fields: dict[str, Any], param: str
    ) -> None:
        body: dict[str, Any] = {"model": MODEL, "messages": HELLO, **fields}
        with pytest.raises(openai.BadRequestError) as raised:
            await sdk.post("/chat/completions", body=body, cast_to=object)
        assert raised.value.param == param
        assert raised.value.type == "invalid_request_error"

    async def test_a_refusal_of_the_server_is_a_bad_request_with_its_message(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_400")
        for stream in (False, True):
            with pytest.raises(openai.BadRequestError) as raised:
                await sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=stream)
            assert "exceeds the available context size" in raised.value.message

    @pytest.mark.parametrize(
        "content",
        [
            b"[1, 2]",
            b'{"model": "fake-model", "messages": [{"role": "user", "content": "\xff\xfe"}]}',
            b"{" + b'"a":{' * 1000 + b"}" * 1001,
            b"",
            b"null",
        ],
        ids=["array", "invalid-utf8", "nested-1000", "empty", "null"],
    )
    async def test_a_body_that_is_not_a_request_is_400_in_openai_shape(
        self, client: httpx.AsyncClient, api_key: str, content: bytes
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        response = await client.post("/v1/chat/completions", content=content, headers=headers)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert set(error) >= {"message", "type", "param", "code"}

    @pytest.mark.parametrize(
        ("extra", "param"),
        [
            ({"metadata": nested(300)}, "metadata"),
            ({"seed": 2**70}, "seed"),
            ({"x_portal_test": 2**70}, "x_portal_test"),
        ],
        ids=["nested-300-unknown-field", "seed-over-64-bit", "unknown-field-over-64-bit"],
    )
    @pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
    async def test_a_field_the_model_server_cannot_be_sent_is_a_bad_request(
        self,
        sdk: openai.AsyncOpenAI,
        fake_upstream: FakeUpstream,
        extra: dict[str, Any],
        param: str,
        stream: bool,
    ) -> None:
        """JSON past 254 levels of nesting or with integers past 64 bits cannot be relayed."""
        with pytest.raises(openai.BadRequestError) as raised:
            await sdk.chat.completions.create(
                model=MODEL, messages=HELLO, stream=stream, extra_body=extra
            )
        assert (raised.value.type, raised.value.param) == ("invalid_request_error", param)
        assert fake_upstream.requests == []

    async def test_a_stream_cut_midway_raises_in_the_sdk(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "one two three four five six seven"
        fake_upstream.fault = Fault(mode="truncate", after_chunks=3)
        stream = await sdk.chat.completions.create(model=MODEL, messages=HELLO, stream=True)
        with pytest.raises(openai.APIError):
            async for _ in stream:
                pass

    async def test_a_failing_server_is_a_server_error(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(openai.InternalServerError) as raised:
            await sdk.chat.completions.create(model=MODEL, messages=HELLO)
        assert raised.value.status_code == 503
        assert raised.value.response.headers["retry-after"]

    async def test_a_body_over_the_cap_is_413(
        self, make_settings, api_key: str, fake_upstream: FakeUpstream
    ) -> None:
        small = create_app(make_settings(max_body_bytes=2048))
        long = [{"role": "user", "content": "x" * 4096}]
        async with LifespanManager(small), sdk_client(small, api_key) as sdk:
            with pytest.raises(openai.APIStatusError) as raised:
                await sdk.chat.completions.create(model=MODEL, messages=long)
            assert raised.value.status_code == 413
            assert raised.value.type == "invalid_request_error"
            assert raised.value.code == "payload_too_large"
            # Without a declared length, the cap is found while the route reads the body.
            response = await post_chunked(small, api_key, {"model": MODEL, "messages": long})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert fake_upstream.requests == []
