"""The real server over raw sockets: stalled request heads are cut, unparsable requests get a
JSON 400, complete requests are served. Both of uvicorn's HTTP parsers are covered.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import uvicorn

from app.main import create_app
from app.server import PROTOCOLS, ServerConfig
from tests.fixtures.app import SettingsFactory, free_port
from tests.fixtures.database import clear_tables

pytestmark = pytest.mark.integration

HEADER_TIMEOUT = 0.5
# Wide margin over the timeout: the assertion is "closed at all, and not much later".
CLOSE_MARGIN = 3.0
HEALTH = b"GET /api/health HTTP/1.1\r\nHost: portal.test\r\n\r\n"


@dataclass(frozen=True)
class Served:
    port: int
    protocol: str


@pytest.fixture(params=sorted(PROTOCOLS))
async def served(
    request: pytest.FixtureRequest, make_settings: SettingsFactory, database_url: str
) -> AsyncIterator[Served]:
    """The app under the real server, with a short header timeout, on a free port."""
    port = free_port()
    config = ServerConfig(
        create_app(make_settings()),
        host="127.0.0.1",
        port=port,
        http=PROTOCOLS[request.param],
        header_timeout=HEADER_TIMEOUT,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    yield Served(port=port, protocol=request.param)
    server.should_exit = True
    await asyncio.wait_for(task, timeout=30)
    await clear_tables(database_url)


@contextlib.asynccontextmanager
async def connect(
    served: Served,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def seconds_until_closed(reader: asyncio.StreamReader) -> float:
    """How long the server took to close the connection (reading whatever it sent first)."""
    started = time.monotonic()
    async with asyncio.timeout(HEADER_TIMEOUT + CLOSE_MARGIN):
        while await reader.read(65536):
            pass
    return time.monotonic() - started


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body."""
    async with asyncio.timeout(10):
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines if line)
        }
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(status_line.split()[1]), headers, body


class TestHeaderTimeout:
    async def test_a_stalled_request_head_is_closed(self, served: Served) -> None:
        async with connect(served) as (reader, writer):
            writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n")
            assert await seconds_until_closed(reader) < HEADER_TIMEOUT + CLOSE_MARGIN

    async def test_a_silent_connection_is_closed(self, served: Served) -> None:
        async with connect(served) as (reader, _):
            assert await seconds_until_closed(reader) < HEADER_TIMEOUT + CLOSE_MARGIN

    async def test_trickled_bytes_do_not_extend_the_deadline(self, served: Served) -> None:
        async with connect(served) as (reader, writer):
            started = time.monotonic()
            closed = asyncio.ensure_future(seconds_until_closed(reader))
            for byte in b"GET / HTTP/1.1\r\nHost: x\r\n":
                if closed.done():
                    break
                writer.write(bytes([byte]))
                await asyncio.sleep(HEADER_TIMEOUT / 5)
            await closed
            assert time.monotonic() - started < HEADER_TIMEOUT + CLOSE_MARGIN

    async def test_a_complete_request_is_served(self, served: Served) -> None:
        async with connect(served) as (reader, writer):
            writer.write(HEALTH)
            assert (await read_response(reader))[0] == 200

    async def test_a_head_sent_in_parts_within_the_deadline_is_served(self, served: Served) -> None:
        async with connect(served) as (reader, writer):
            for part in (HEALTH[:10], HEALTH[10:30], HEALTH[30:]):
                writer.write(part)
                await asyncio.sleep(HEADER_TIMEOUT / 5)
            assert (await read_response(reader))[0] == 200

    async def test_the_next_request_on_a_kept_alive_connection_has_a_deadline(
        self, served: Served
    ) -> None:
        async with connect(served) as (reader, writer):
            for _ in range(2):
                writer.write(HEALTH)
                assert (await read_response(reader))[0] == 200
            writer.write(b"GET /api/health HTTP/1.1\r\n")
            assert await seconds_until_closed(reader) < HEADER_TIMEOUT + CLOSE_MARGIN


def assert_json_400(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"
    payload = json.loads(body)
    assert payload["code"] == "bad_request"
    assert isinstance(payload["error"], str)
    assert abs(payload["timestamp"] - time.time()) < 60


class TestUnparsableRequest:
    @pytest.mark.parametrize(
        "request_bytes",
        [
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
            b"Content-Length: 2\r\n\r\nab",
            b"\x00\x01\x02 nonsense\r\n\r\n",
        ],
        ids=["bad-content-length", "two-content-lengths", "garbage"],
    )
    async def test_is_a_json_400_in_the_error_shape(
        self, served: Served, request_bytes: bytes
    ) -> None:
        async with connect(served) as (reader, writer):
            writer.write(request_bytes)
            assert_json_400(*await read_response(reader))

    async def test_a_70kb_path_is_a_json_400_where_the_parser_refuses_it(
        self, served: Served
    ) -> None:
        """httptools cannot parse a URL over 64 KiB; h11 reads a complete head of any size."""
        async with connect(served) as (reader, writer):
            writer.write(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            response = await read_response(reader)
        if served.protocol == "httptools":
            assert_json_400(*response)
        else:
            assert response[0] == 200  # the SPA shell
