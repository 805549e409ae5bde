"""The gateway's tests talk to the app through the official `openai` SDK, as its users do.

The app's model server is a fake that streams the way llama.cpp does: the chunk with the
finish reason carries no usage, and usage (with llama.cpp's `timings`) comes in a chunk of its
own with no choices, after it. (The shared fake, which puts usage on the finish chunk as older
servers do, is used where that style is the point.)
"""

from collections.abc import AsyncIterator, Iterator

import httpx
import openai
import pytest
from fastapi import FastAPI

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream
from tests.integration.gateway.gateway_api import LlamaCppUpstream, create_key, sdk_client


@pytest.fixture(scope="session")
def llama_cpp_upstream() -> Iterator[LlamaCppUpstream]:
    server = LlamaCppUpstream()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_upstream(llama_cpp_upstream: LlamaCppUpstream) -> Iterator[FakeUpstream]:
    """The app's model server in these tests (see the module docstring)."""
    llama_cpp_upstream.reset()
    yield llama_cpp_upstream
    llama_cpp_upstream.reset()


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


@pytest.fixture
async def api_key(client: httpx.AsyncClient, account: Account) -> str:
    return (await create_key(client, account))["key"]


@pytest.fixture
async def sdk(app: FastAPI, api_key: str) -> AsyncIterator[openai.AsyncOpenAI]:
    """The SDK pointed at the app's `/v1` with a portal API key, without retries."""
    async with sdk_client(app, api_key) as client:
        yield client


@pytest.fixture
async def live_sdk(live_server: str, api_key: str) -> AsyncIterator[openai.AsyncOpenAI]:
    """The SDK pointed at the app under a real uvicorn, so a hang-up travels over a socket."""
    async with openai.AsyncOpenAI(
        base_url=f"{live_server}/v1", api_key=api_key, max_retries=0, timeout=30
    ) as client:
        yield client
