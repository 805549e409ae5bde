"""Chat against a real llama.cpp server: the tiny model for plumbing, SmolLM2 for a real answer."""

import asyncio

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.factories import register
from tests.fixtures.sse import deltas, read_events

pytestmark = pytest.mark.integration
MANY_TOKENS = 2000


async def _metric(llama_url: str, name: str) -> float:
    """One counter or gauge from llama.cpp's Prometheus `/metrics`."""
    async with httpx.AsyncClient(timeout=5) as http:
        text = (await http.get(f"{llama_url}/metrics")).text
    prefix = f"llamacpp:{name} "
    return next(float(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix))


class TestTinyModel:
    @pytest.fixture
    def llm_server_url(self, tiny_llama_url: str) -> str:
        return tiny_llama_url

    async def test_four_concurrent_streaming_sessions_all_finish_and_are_stored(
        self, client: httpx.AsyncClient
    ) -> None:
        account = await register(client)

        async def converse(index: int) -> str:
            body = {
                "message": f"hello {index}",
                "stream": True,
                "max_tokens": 24,
                "session_id": f"s{index}",
            }
            async with client.stream(
                "POST", "/api/llm/chat/session", json=body, headers=account.headers
            ) as response:
                assert response.status_code == 200, await response.aread()
                events = await read_events(response)
            assert events[-1].name == "done", events[-1]
            assert deltas(events) == events[-1].data["response"]
            return str(events[-1].data["session_id"])

        ids = await asyncio.gather(*(converse(i) for i in range(4)))
        listed = (await client.get("/api/llm/chat/sessions", headers=account.headers)).json()
        assert sorted(s["session_id"] for s in listed) == sorted(ids)
        assert all(s["message_count"] == 2 for s in listed)

    async def test_hanging_up_mid_stream_stops_the_generation(
        self, live_server: str, tiny_llama_url: str
    ) -> None:
        async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
            account = await register(http)
            predicted_before = await _metric(tiny_llama_url, "tokens_predicted_total")
            body = {"message": "go on forever", "stream": True, "max_tokens": MANY_TOKENS}
            async with http.stream(
                "POST", "/api/llm/chat/session", json=body, headers=account.headers
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        break
            # The tiny model makes ~600 tokens/s here: all of them would take seconds.
            for _ in range(100):
                if await _metric(tiny_llama_url, "requests_processing") == 0:
                    break
                await asyncio.sleep(0.01)
            assert await _metric(tiny_llama_url, "requests_processing") == 0
            predicted = await _metric(tiny_llama_url, "tokens_predicted_total") - predicted_before
            assert predicted < MANY_TOKENS / 2
            # The question and what was generated before the hang-up are kept, marked stopped.
            sessions = (await http.get("/api/llm/chat/sessions", headers=account.headers)).json()
            assert [s["message_count"] for s in sessions] == [2]
            history = await http.get(
                f"/api/llm/chat/session/{sessions[0]['session_id']}/history",
                headers=account.headers,
            )
            assert history.json()["messages"][-1]["status"] == "stopped"

    @pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
    async def test_session_survives_a_restart(self, make_settings, database_url: str) -> None:
        from tests.fixtures.database import clear_tables

        settings = make_settings()
        try:
            first_app = create_app(settings)
            async with LifespanManager(first_app), _client(first_app) as http:
                account = await register(http)
                await http.post(
                    "/api/llm/chat/session",
                    json={"message": "remember me", "session_id": "keep", "max_tokens": 8},
                    headers=account.headers,
                )
            second_app = create_app(settings)
            async with LifespanManager(second_app), _client(second_app) as http:
                history = await http.get(
                    "/api/llm/chat/session/keep/history", headers=account.headers
                )
        finally:
            await clear_tables(database_url)
        assert history.status_code == 200
        assert [m["role"] for m in history.json()["messages"]] == ["user", "assistant"]
        assert history.json()["messages"][0]["content"] == "remember me"


class TestSmolLM2:
    @pytest.fixture
    def llm_server_url(self, smollm2_llama_url: str) -> str:
        return smollm2_llama_url

    async def test_knows_the_capital_of_france(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        response = await client.post(
            "/api/llm/chat/session",
            json={
                "message": "Which city is the capital of France?",
                "temperature": 0,
                "max_tokens": 32,
            },
            headers=account.headers,
        )
        assert response.status_code == 200, response.text
        assert "Paris" in response.json()["response"]


def _client(application: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
    )  # type: ignore[arg-type]
