"""Completion through a real llama.cpp server, and cancellation seen from the upstream."""

import asyncio
import contextlib
import time

import httpx
import pytest

from tests.fixtures.factories import register
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = pytest.mark.integration

# Promised to users: a hang-up stops the upstream generation within 250 ms (seen: 1-2 ms).
CANCEL_DEADLINE_S = 0.25
URL = "/api/completion/generate"


class TestTinyModel:
    @pytest.fixture
    def llm_server_url(self, tiny_llama_url: str) -> str:
        return tiny_llama_url

    async def test_non_empty_completion_that_does_not_repeat_the_input(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)
        text = "The weather today is"
        response = await client.post(
            URL, json={"text": text, "temperature": 0, "max_tokens": 12}, headers=account.headers
        )
        assert response.status_code == 200, response.text
        completion = response.json()["completion"]
        assert completion.strip()
        assert not completion.lstrip().startswith(text)


class TestSmolLM2:
    @pytest.fixture
    def llm_server_url(self, smollm2_llama_url: str) -> str:
        return smollm2_llama_url

    async def test_continues_a_sentence(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        text = "The capital of France is"
        response = await client.post(
            URL, json={"text": text, "temperature": 0, "max_tokens": 16}, headers=account.headers
        )
        assert response.status_code == 200, response.text
        completion = response.json()["completion"]
        assert completion.strip()
        assert text not in completion


class TestCancellation:
    @pytest.fixture
    def llm_server_url(self, fake_upstream: FakeUpstream) -> str:
        return fake_upstream.url

    async def test_aborted_request_closes_the_upstream_request(
        self, live_server: str, fake_upstream: FakeUpstream
    ) -> None:
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            account = await register(http)
        fake_upstream.fault = Fault(mode="slow_first_byte", delay=10)
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as typist:
            call = asyncio.create_task(
                typist.post(URL, json={"text": "typing on"}, headers=account.headers)
            )
            # The typist moves on once the model has the request (however long a loaded
            # machine takes to get there): only the hang-up can end the upstream call then.
            await fake_upstream.wait_for_request("/v1/completions")
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await call
        hung_up = time.monotonic()
        disconnect = await fake_upstream.wait_for_disconnect(within=1.0)
        assert disconnect is not None
        assert disconnect.path == "/v1/completions"
        assert disconnect.at - hung_up < CANCEL_DEADLINE_S
