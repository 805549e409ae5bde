"""LLMClient against a real HTTP server that misbehaves on demand."""

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable

import pytest

from app.llm import (
    ChatResult,
    CompletionResult,
    GenerationParams,
    LLMBadResponse,
    LLMClient,
    LLMError,
    LLMTimeout,
    LLMUnavailable,
    TextDelta,
)
from tests.fixtures.fake_upstream import MODEL_ID, FakeUpstream, Fault
from tests.integration.llm.llm_api import HELLO, cancel_midway, client_with

pytestmark = pytest.mark.integration


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def _collect(llm: LLMClient, messages: list[dict[str, str]]) -> list[object]:
    return [event async for event in llm.stream(messages)]


async def _collect_completion(llm: LLMClient, prompt: str) -> list[object]:
    return [event async for event in llm.stream_complete(prompt)]


STREAMS: dict[str, Callable[[LLMClient], Awaitable[list[object]]]] = {
    "chat": lambda llm: _collect(llm, HELLO),
    "completion": lambda llm: _collect_completion(llm, "Once upon a time"),
}


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def _assert_for_users(error: LLMError, server_url: str) -> None:
    """What users see names no internal address and no operator command."""
    assert server_url not in error.message
    assert server_url not in str(error)
    assert "make llm" not in error.message
    assert "LLM_" not in error.message


class TestChat:
    async def test_answers_with_usage_and_timings(self, client: LLMClient) -> None:
        result = await client.chat(HELLO)
        assert result.text == "Echo: hello there"
        assert result.model == MODEL_ID
        assert result.usage is not None
        assert result.usage.completion_tokens > 0
        assert result.timings is not None
        assert "predicted_per_second" in result.timings
        assert result.finish_reason == "stop"

    async def test_sends_llama_cpp_extras_and_params(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        await client.chat(HELLO, GenerationParams(temperature=0, max_tokens=7, seed=3))
        body = fake_upstream.requests[-1].body
        assert body["cache_prompt"] is True
        assert body["chat_template_kwargs"] == {"enable_thinking": False}
        assert (body["temperature"], body["max_tokens"], body["seed"]) == (0, 7, 3)
        assert body["model"] == MODEL_ID
        assert "/no_think" not in str(body["messages"])

    async def test_sends_no_extras_to_other_servers(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.llama_cpp = False
        async with client_with(fake_upstream.url) as llm:
            await llm.chat(HELLO)
        body = fake_upstream.requests[-1].body
        assert "cache_prompt" not in body
        assert "chat_template_kwargs" not in body

    async def test_strips_thinking(self, client: LLMClient, fake_upstream: FakeUpstream) -> None:
        fake_upstream.reply = "<think>hmm</think>\n\nParis."
        assert (await client.chat(HELLO)).text == "Paris."

    async def test_strips_thinking_even_when_thinking_is_allowed(
        self, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>hmm</think>\n\nParis."
        async with client_with(fake_upstream.url, skip_thinking=False) as llm:
            assert (await llm.chat(HELLO)).text == "Paris."
        assert "chat_template_kwargs" not in fake_upstream.requests[-1].body

    async def test_accepts_a_url_ending_in_v1(self, fake_upstream: FakeUpstream) -> None:
        async with client_with(fake_upstream.url + "/v1/") as llm:
            assert (await llm.chat(HELLO)).text == "Echo: hello there"


class TestStream:
    async def test_yields_deltas_then_the_result(self, client: LLMClient) -> None:
        events = await _collect(client, HELLO)
        *deltas, final = events
        assert all(isinstance(event, TextDelta) for event in deltas)
        assert len(deltas) > 1
        assert isinstance(final, ChatResult)
        assert "".join(d.text for d in deltas if isinstance(d, TextDelta)) == final.text
        assert final.text == "Echo: hello there"
        assert final.usage is not None
        assert final.timings is not None
        assert final.finish_reason == "stop"

    async def test_strips_thinking_split_across_chunks(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>secret plan</think>The answer."
        events = await _collect(client, HELLO)
        shown = "".join(e.text for e in events if isinstance(e, TextDelta))
        assert shown == "The answer."
        assert isinstance(events[-1], ChatResult)
        assert events[-1].text == "The answer."

    async def test_strips_thinking_even_when_thinking_is_allowed(
        self, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>secret plan</think>The answer."
        async with client_with(fake_upstream.url, skip_thinking=False) as llm:
            events = await _collect(llm, HELLO)
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "The answer."
        assert isinstance(events[-1], ChatResult)
        assert events[-1].text == "The answer."

    async def test_slow_first_byte_within_the_timeout_works(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="slow_first_byte", delay=0.4)
        events = await _collect(client, HELLO)
        assert isinstance(events[-1], ChatResult)


class TestFailures:
    async def test_http_500_is_unavailable(
        self, client: LLMClient, fake_upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(LLMUnavailable, match="try again") as chat_error:
            await client.chat(HELLO)
        with pytest.raises(LLMUnavailable, match="try again") as stream_error:
            await _collect(client, HELLO)
        for error in (chat_error.value, stream_error.value):
            _assert_for_users(error, fake_upstream.url)
        assert f"LLM server at {fake_upstream.url} failed with HTTP 500" in _logged(caplog)

    async def test_request_the_server_refuses_is_a_bad_response_with_its_reason(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_400")
        with pytest.raises(LLMBadResponse, match="context size") as error:
            await client.chat(HELLO)
        _assert_for_users(error.value, fake_upstream.url)

    async def test_dead_server_tells_users_to_retry_and_the_log_what_to_run(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        url = _closed_port_url()
        async with client_with(url) as llm:
            with (
                caplog.at_level(logging.WARNING, logger="app.llm"),
                pytest.raises(LLMUnavailable, match="offline — try again in a minute") as error,
            ):
                await llm.chat(HELLO)
        _assert_for_users(error.value, url)
        assert f"LLM server at {url} is not answering — start it with `make llm`" in _logged(caplog)

    async def test_stall_mid_stream_times_out(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        async with client_with(fake_upstream.url, timeout=0.5) as llm:
            started = time.monotonic()
            with pytest.raises(LLMTimeout):
                await _collect(llm, HELLO)
        assert time.monotonic() - started < 3

    async def test_slow_json_answer_times_out(
        self, fake_upstream: FakeUpstream, caplog: pytest.LogCaptureFixture
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=5)
        async with client_with(fake_upstream.url, timeout=0.3) as llm:
            with pytest.raises(LLMTimeout, match=r"took longer than 0\.3 s") as error:
                await llm.chat(HELLO)
        _assert_for_users(error.value, fake_upstream.url)
        assert "raise LLM_TIMEOUT" in _logged(caplog)

    @pytest.mark.parametrize("mode", ["cut", "truncate"])
    @pytest.mark.parametrize("stream", sorted(STREAMS))
    async def test_stream_cut_midway_is_unavailable_not_a_hang(
        self, client: LLMClient, fake_upstream: FakeUpstream, mode: str, stream: str
    ) -> None:
        fake_upstream.fault = Fault(mode=mode, after_chunks=2)
        with pytest.raises(LLMUnavailable, match="before the reply was complete") as error:
            await asyncio.wait_for(STREAMS[stream](client), 3)
        _assert_for_users(error.value, fake_upstream.url)

    async def test_the_next_request_after_a_cut_stream_succeeds(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="cut", after_chunks=2)
        with pytest.raises(LLMUnavailable):
            await _collect(client, HELLO)
        fake_upstream.fault = Fault()
        assert isinstance((await _collect(client, HELLO))[-1], ChatResult)


class TestCancellation:
    async def test_closing_the_stream_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        stream = client.stream(HELLO)
        assert isinstance(await anext(stream), TextDelta)
        closed_at = time.monotonic()
        await stream.aclose()
        disconnect = await fake_upstream.wait_for_disconnect(within=1)
        assert disconnect is not None
        assert disconnect.at - closed_at < 1

    async def test_cancelling_the_task_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        cancelled_at = await cancel_midway(_collect(client, HELLO), fake_upstream)
        disconnect = await fake_upstream.wait_for_disconnect(within=1)
        assert disconnect is not None
        assert disconnect.at - cancelled_at < 1

    async def test_cancelling_a_json_request_disconnects_upstream(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=30)
        await cancel_midway(client.chat(HELLO), fake_upstream)
        assert await fake_upstream.wait_for_disconnect(within=1) is not None


class TestCompletion:
    async def test_completes_a_raw_prompt_with_extras(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        params = GenerationParams(stop=["\n"], extra={"t_max_predict_ms": 500, "n_probs": 0})
        result = await client.complete("Once upon", params)
        assert isinstance(result, CompletionResult)
        assert result.text == "Echo: Once upon"
        request = fake_upstream.requests[-1]
        assert request.path == "/v1/completions"
        assert request.body["t_max_predict_ms"] == 500
        assert request.body["cache_prompt"] is True
        assert request.body["stop"] == ["\n"]
        assert "chat_template_kwargs" not in request.body

    async def test_streams_a_raw_prompt(self, client: LLMClient) -> None:
        events = [event async for event in client.stream_complete("Once upon")]
        assert isinstance(events[-1], CompletionResult)
        assert "".join(e.text for e in events[:-1] if isinstance(e, TextDelta)) == "Echo: Once upon"

    async def test_falls_back_to_chat_without_a_completions_endpoint(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.completions_endpoint = False
        result = await client.complete("Once upon")
        assert result.text == "Echo: Once upon"
        events = [event async for event in client.stream_complete("Once more")]
        assert isinstance(events[-1], CompletionResult)
        assert events[-1].text == "Echo: Once more"
        assert fake_upstream.requests[-1].path == "/v1/chat/completions"


class TestServerInfo:
    async def test_tokenize(self, client: LLMClient) -> None:
        assert await client.tokenize("abcdefgh") == [0, 1]

    async def test_tokenize_without_a_tokenizer_is_none(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.llama_cpp = False
        async with client_with(fake_upstream.url) as llm:
            assert await llm.tokenize("abc") is None

    async def test_slot_context_from_props(self, client: LLMClient) -> None:
        assert await client.slot_context() == 8192

    async def test_slot_context_falls_back_to_the_setting(
        self, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.llama_cpp = False
        async with client_with(fake_upstream.url, slot_context_fallback=2048) as llm:
            assert await llm.slot_context() == 2048

    async def test_health_ok(self, client: LLMClient, fake_upstream: FakeUpstream) -> None:
        report = await client.health()
        assert report.status == "ok"
        assert report.model == MODEL_ID
        assert report.slot_context == 8192
        assert report.server_url == fake_upstream.url
        assert report.latency_ms is not None

    async def test_health_of_a_dead_server_is_unavailable(self) -> None:
        url = _closed_port_url()
        async with client_with(url) as llm:
            report = await llm.health()
        assert report.status == "unavailable"
        assert report.server_url == url
        assert report.detail == "The model is offline — try again in a minute"


class TestTotalSlots:
    async def test_read_from_props(self, client: LLMClient) -> None:
        assert await client.total_slots() == 4

    async def test_none_for_servers_other_than_llama_cpp(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.llama_cpp = False
        async with client_with(fake_upstream.url) as llm:
            assert await llm.total_slots() is None

    async def test_none_when_props_do_not_say(self, fake_upstream: FakeUpstream) -> None:
        fake_upstream.total_slots = None
        async with client_with(fake_upstream.url) as llm:
            assert await llm.total_slots() is None

    async def test_none_while_the_server_is_down(self) -> None:
        async with client_with(_closed_port_url()) as llm:
            assert await llm.total_slots() is None

    async def test_cached_then_refreshed_after_an_outage(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        assert await client.total_slots() == 4
        fake_upstream.total_slots = 2
        assert await client.total_slots() == 4
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(LLMUnavailable):
            await client.chat(HELLO)
        assert await client.total_slots() == 2
