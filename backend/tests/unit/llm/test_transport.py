"""The transport: the hand-written SSE decoder whatever the network's cut points, and what
:class:`~app.llm.transport.Upstream` makes of bodies it cannot send and answers it cannot read.

The server answers on a real socket, written by hand, so the client's own reading is what is
exercised: bytes of one character split across network reads arrive whole, a stream that is
not a stream is a bad response, and a body that cannot be encoded is the caller's error.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from app.llm import LLMBadResponse, LLMClient, LLMRejected, LLMSettings, LLMUnavailable
from app.llm.transport import LINE_LIMIT, SSEDecoder
from tests.fixtures.loopback import LoopbackServer, read_request

BODY = (
    b": keep-alive comment\n\n"
    b'data: {"a": 1}\n\n'
    b"event: message\r\n"
    b'data: {"b":\r\n'
    b"data: 2}\r\n\r\n"
    b"id: 7\n"
    b"data:[DONE]\n\n"
)
EVENTS = [b'{"a": 1}', b'{"b":\n2}', b"[DONE]"]
SETTINGS = LLMSettings.model_validate(
    {"timeout": 5, "connect_timeout": 1, "health_timeout": 1, "model": "m"}
)
HELLO = [{"role": "user", "content": "hello"}]
Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


def decode(pieces: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


class TestSSEDecoder:
    def test_events_from_one_read(self) -> None:
        assert decode([BODY]) == EVENTS

    @pytest.mark.parametrize("cut", range(len(BODY) + 1))
    def test_every_cut_point_gives_the_same_events(self, cut: int) -> None:
        assert decode([BODY[:cut], BODY[cut:]]) == EVENTS

    def test_byte_by_byte(self) -> None:
        assert decode([BODY[i : i + 1] for i in range(len(BODY))]) == EVENTS

    def test_a_half_event_at_the_end_is_not_an_event(self) -> None:
        assert decode([b'data: {"a": 1}\n\ndata: {"b"']) == [b'{"a": 1}']
        assert decode([b'data: {"a": 1}\n']) == []

    def test_a_long_event_in_small_reads_is_decoded_in_linear_time(self) -> None:
        """A few MB of one event (a large tool call, logprobs) in small reads: joining the
        held start to every read would copy it once per read, stalling the event loop (4 MB
        in 4 KB reads took about 3 s that way)."""
        body = b'data: "' + b"a" * (4 << 20) + b'"\n\n'
        started = time.perf_counter()
        events = decode([body[i : i + 4096] for i in range(0, len(body), 4096)])
        took = time.perf_counter() - started
        assert events == [body[6:-2]]
        assert took < 1.0, f"{took:.2f} s"

    def test_a_line_past_the_limit_is_refused(self) -> None:
        decoder = SSEDecoder()
        piece = b"a" * (1 << 20)
        for _ in range(LINE_LIMIT // len(piece)):
            assert decoder.feed(piece) == []
        with pytest.raises(ValueError, match="longer than"):
            decoder.feed(piece)


class ScriptedServer(LoopbackServer):
    """HTTP/1.1 on a real socket: GETs answer 404 and close; each POST is handed, its body
    read, to ``answer``, which writes whatever it likes."""

    def __init__(self, answer: Answer) -> None:
        super().__init__()
        self.answer = answer
        self.posts = 0

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        if request is None:
            return
        if request[0] == "POST":
            self.posts += 1
            await self.answer(writer)
        else:
            writer.write(b"HTTP/1.1 404 X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()


async def ask(llm: LLMClient, body: dict[str, Any], *, streamed: bool) -> list[dict[str, Any]]:
    """One chat completion, JSON or streamed to its end (the chunks)."""
    if not streamed:
        return [await llm.chat_completion(body)]
    return [chunk async for chunk in llm.chat_completion_chunks(body)]


def sse_head() -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"


def chunk(content: str | None, finish: str | None = None) -> dict[str, Any]:
    delta = {"content": content} if content is not None else {}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    head = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m"}
    return {**head, "choices": [choice]}


async def emoji_split_across_reads(writer: asyncio.StreamWriter) -> None:
    writer.write(sse_head())
    event = b"data: " + json.dumps(chunk("h\u00e9 \U0001f600!"), ensure_ascii=False).encode()
    cut = event.index("\U0001f600".encode()) + 2  # inside the emoji's four bytes
    for piece in (event[:cut], event[cut:] + b"\r\n\r\n"):
        writer.write(piece)
        await writer.drain()
        await asyncio.sleep(0.05)  # separate network reads
    writer.write(b"data: " + json.dumps(chunk(None, "stop")).encode() + b"\r\n\r\n")
    writer.write(b"data: [DONE]\r\n\r\n")
    await writer.drain()


async def data_not_an_object(writer: asyncio.StreamWriter) -> None:
    writer.write(sse_head() + b"data: [1, 2]\n\ndata: [DONE]\n\n")
    await writer.drain()


async def html_page(writer: asyncio.StreamWriter) -> None:
    page = b"<html><body>Please sign in to the proxy</body></html>"
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {len(page)}\r\n"
    writer.write(head.encode() + b"Connection: close\r\n\r\n" + page)
    await writer.drain()


async def never_asked(_writer: asyncio.StreamWriter) -> None:
    raise AssertionError("the request was sent")


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"x": value}
    return value


class TestReading:
    async def test_a_character_split_across_network_reads_arrives_whole(self) -> None:
        async with (
            ScriptedServer(emoji_split_across_reads) as server,
            LLMClient(SETTINGS, base_url=server.url) as llm,
        ):
            chunks = await ask(llm, {"messages": HELLO}, streamed=True)
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
        assert text == "h\u00e9 \U0001f600!"

    async def test_an_event_that_is_not_an_object_is_a_bad_response(self) -> None:
        async with (
            ScriptedServer(data_not_an_object) as server,
            LLMClient(SETTINGS, base_url=server.url) as llm,
        ):
            with pytest.raises(LLMBadResponse):
                await ask(llm, {"messages": HELLO}, streamed=True)

    @pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
    async def test_a_200_html_page_is_a_bad_response_not_an_outage(self, streamed: bool) -> None:
        """A proxy's sign-in or error page with status 200 cannot be read, and retrying will
        not change that: a stream must not take it for a stream cut short (503)."""
        async with (
            ScriptedServer(html_page) as server,
            LLMClient(SETTINGS, base_url=server.url) as llm,
        ):
            with pytest.raises(LLMBadResponse) as raised:
                await ask(llm, {"messages": HELLO}, streamed=streamed)
        if streamed:
            assert "text/html" in raised.value.log_message


class TestSending:
    @pytest.mark.parametrize(
        "extra",
        [{"metadata": nested(300)}, {"seed": 2**70}],
        ids=["nested-300", "int-over-64-bit"],
    )
    @pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
    async def test_a_body_that_cannot_be_encoded_is_rejected_unsent(
        self, extra: dict[str, Any], streamed: bool
    ) -> None:
        """orjson refuses nesting past 254 levels and integers past 64 bits: the caller's
        fault (400 at a gateway), never an unhandled exception (500)."""
        async with (
            ScriptedServer(never_asked) as server,
            LLMClient(SETTINGS, base_url=server.url) as llm,
        ):
            with pytest.raises(LLMRejected) as raised:
                await ask(llm, {"messages": HELLO, **extra}, streamed=streamed)
        assert raised.value.status == 400
        assert server.posts == 0

    async def test_a_request_after_close_is_refused_without_opening_a_pool(self) -> None:
        async with ScriptedServer(never_asked) as server:
            llm = LLMClient(SETTINGS, base_url=server.url)
            await llm.aclose()
            for _ in range(2):
                with pytest.raises(LLMUnavailable, match="shutting down"):
                    await llm.chat_completion({"messages": HELLO})
        assert server.connections == 0
