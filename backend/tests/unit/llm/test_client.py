"""LLMClient against small local HTTP servers: resending on a stale pooled connection (and
never a request the server may have worked on), what it reads from llama.cpp's ``/props``,
and a session handed in by the caller."""

import asyncio
import contextlib
import json
import logging
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.llm import LLMClient, LLMSettings, LLMUnavailable
from app.llm.upstream_errors import STALE_SECONDS
from tests.fixtures.loopback import LoopbackServer, read_request

HELLO = [{"role": "user", "content": "hello"}]
SETTINGS = LLMSettings.model_validate(
    {"timeout": 5, "connect_timeout": 1, "health_timeout": 1, "model": "m"}
)
ANSWER = {
    "id": "c1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
    ],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class KeepAliveServer(LoopbackServer):
    """A bare HTTP/1.1 server on a real socket that keeps connections alive, except that it
    drops the connection a chat request arrives on, ``drop_chats`` times: what a client sees
    when the server had closed an idle pooled connection just as the request was written.

    ``reset`` drops with a TCP reset instead of an orderly close; ``work`` is how long the
    server works on a chat before it drops it (a crash, a proxy's timeout). Without
    ``keep_alive`` every other request is answered with ``Connection: close``, so each chat
    goes out on a new connection.
    """

    def __init__(
        self, *, drop_chats: int, reset: bool = False, work: float = 0.0, keep_alive: bool = True
    ) -> None:
        super().__init__()
        self.drop_chats = drop_chats
        self.reset = reset
        self.work = work
        self.keep_alive = keep_alive
        self.chat_requests = 0

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            if request[1] == "/v1/chat/completions":
                self.chat_requests += 1
                if self.drop_chats > 0:
                    self.drop_chats -= 1
                    await asyncio.sleep(self.work)
                    self._drop(writer)
                    return
                writer.write(_response(200, ANSWER))
            else:
                missing = {"error": {"message": "no such endpoint"}}
                writer.write(_response(404, missing, close=not self.keep_alive))
            await writer.drain()
            if not self.keep_alive:
                break

    def _drop(self, writer: asyncio.StreamWriter) -> None:
        if self.reset:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()


def _response(status: int, body: dict[str, Any], *, close: bool = False) -> bytes:
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}"
    if close:
        head += "\r\nConnection: close"
    return head.encode() + b"\r\n\r\n" + data


async def ask(llm: LLMClient, *, streamed: bool) -> None:
    """One raw chat completion, JSON or streamed to its end."""
    if not streamed:
        await llm.chat_completion({"messages": HELLO})
        return
    async for _ in llm.chat_completion_chunks({"messages": HELLO}):
        pass


@contextlib.asynccontextmanager
async def client_of(url: str, *, handed_in: bool = False) -> AsyncIterator[LLMClient]:
    """A client with its own pool, or with an aiohttp session the caller owns."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession()) if handed_in else None
        yield await stack.enter_async_context(LLMClient(SETTINGS, base_url=url, session=session))


@pytest.mark.parametrize("handed_in", [False, True], ids=["own-pool", "handed-in-session"])
@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
async def test_a_closed_pooled_connection_is_resent_once_and_the_answer_arrives(
    reset: bool, handed_in: bool, caplog: pytest.LogCaptureFixture
) -> None:
    async with (
        KeepAliveServer(drop_chats=1, reset=reset) as server,
        client_of(server.url, handed_in=handed_in) as llm,
    ):
        assert not await llm.is_llama_cpp()  # the probe leaves a pooled connection
        with caplog.at_level(logging.INFO, logger="app.llm"):
            result = await llm.chat(HELLO)
    assert result.text == "hi"
    assert server.chat_requests == 2
    assert server.connections == 2
    assert "closed a pooled connection; resending" in caplog.text


async def test_a_second_closed_connection_is_reported_not_resent_again() -> None:
    async with (
        KeepAliveServer(drop_chats=5) as server,
        LLMClient(SETTINGS, base_url=server.url) as llm,
    ):
        with pytest.raises(LLMUnavailable, match="stopped answering"):
            await llm.chat(HELLO)
    assert server.chat_requests == 2


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("streamed", [False, True], ids=["json", "stream"])
async def test_a_request_dropped_on_a_new_connection_is_never_sent_again(
    streamed: bool, retries: int
) -> None:
    """Nothing is stale on a new connection: the server read the request and may have
    generated its answer, which sending it again (LLM_MAX_RETRIES included) would repeat."""
    settings = SETTINGS.model_copy(update={"max_retries": retries})
    async with (
        KeepAliveServer(drop_chats=5, work=0.3, keep_alive=False) as server,
        LLMClient(settings, base_url=server.url) as llm,
    ):
        with pytest.raises(LLMUnavailable, match="stopped answering"):
            await ask(llm, streamed=streamed)
    assert server.chat_requests == 1


async def test_a_pooled_connection_dropped_after_the_server_worked_on_it_is_not_resent() -> None:
    """A stale pooled connection fails at once; one dropped later had a server working."""
    async with (
        KeepAliveServer(drop_chats=5, work=STALE_SECONDS + 0.5) as server,
        LLMClient(SETTINGS, base_url=server.url) as llm,
    ):
        assert not await llm.is_llama_cpp()  # the probe leaves a pooled connection
        with pytest.raises(LLMUnavailable, match="stopped answering"):
            await llm.chat(HELLO)
    assert server.chat_requests == 1


async def test_a_refused_connection_is_not_resent(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with LLMClient(SETTINGS, base_url=url) as llm:
        with caplog.at_level(logging.INFO, logger="app.llm"), pytest.raises(LLMUnavailable):
            await llm.chat(HELLO)
    assert "resending" not in caplog.text
    assert "ConnectionRefusedError" in caplog.text or "Connect call failed" in caplog.text


@contextlib.asynccontextmanager
async def props_server(props: dict[str, Any] | None) -> AsyncIterator[str]:
    """A server whose ``/props`` is ``props`` (404 without), with one model."""

    async def answer_props(_request: web.Request) -> web.Response:
        if props is None:
            raise web.HTTPNotFound()
        return web.json_response(props)

    async def answer_models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "m"}]})

    app = web.Application()
    app.router.add_get("/props", answer_props)
    app.router.add_get("/v1/models", answer_models)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


class TestTotalSlots:
    @pytest.mark.parametrize(
        ("props", "expected"),
        [
            ({"total_slots": 3, "default_generation_settings": {"n_ctx": 4096}}, 3),
            ({"default_generation_settings": {"n_ctx": 4096}}, None),
            ({"total_slots": 0}, None),
            ({"total_slots": True}, None),
            ({"total_slots": "4"}, None),
            (None, None),
        ],
    )
    async def test_reads_props(self, props: dict[str, Any] | None, expected: int | None) -> None:
        async with props_server(props) as url, LLMClient(SETTINGS, base_url=url) as llm:
            assert await llm.total_slots() == expected


async def test_a_session_handed_in_is_used_and_left_open() -> None:
    props = {"total_slots": 2, "default_generation_settings": {"n_ctx": 4096}}
    async with props_server(props) as url, aiohttp.ClientSession() as session:
        async with LLMClient(SETTINGS, base_url=url, session=session) as llm:
            assert await llm.total_slots() == 2
        assert not session.closed


@pytest.mark.parametrize(("retries", "calls"), [(0, 1), (1, 2)])
async def test_llm_max_retries_sends_a_failed_request_again(retries: int, calls: int) -> None:
    received: list[int] = []

    async def chat(_request: web.Request) -> web.Response:
        received.append(1)
        if len(received) == 1:
            return web.json_response({"error": {"message": "loading"}}, status=503)
        return web.json_response(ANSWER)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    settings = SETTINGS.model_copy(update={"max_retries": retries})
    try:
        async with LLMClient(settings, base_url=str(server.make_url(""))) as llm:
            if retries:
                assert (await llm.chat(HELLO)).text == "hi"
            else:
                with pytest.raises(LLMUnavailable, match="failed to answer"):
                    await llm.chat(HELLO)
    finally:
        await server.close()
    assert len(received) == calls
