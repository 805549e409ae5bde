"""`POST /api/completion/generate`: the documented contract, errors with exact messages, limits."""

import logging
import time

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.app import free_port
from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.fixtures.sse import deltas, read_events

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
URL = "/api/completion/generate"


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


def assert_seed_error(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == message
    assert isinstance(body["timestamp"], int)
    assert abs(body["timestamp"] - time.time()) < 60


class TestGenerate:
    async def test_answers_the_documented_shape_with_a_cleaned_continuation(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "Here is the completion: fox jumps over the lazy dog"
        response = await client.post(URL, json={"text": "The quick brown"}, headers=account.headers)
        assert response.status_code == 200
        assert set(response.json()) == {"completion", "timestamp"}
        assert response.json()["completion"] == " fox jumps over the lazy dog"
        sent = fake_upstream.requests[-1]
        assert sent.path == "/v1/completions"
        assert sent.body["prompt"].endswith("\n\nThe quick brown")
        assert sent.body["max_tokens"] == 100
        assert sent.body["temperature"] == 0.7
        assert sent.body["t_max_predict_ms"] == 10_000

    async def test_each_type_has_its_own_instruction_and_stops(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        instructions = set()
        for kind in ("general", "code", "prompt", "message", "search", "email", "description"):
            response = await client.post(
                URL, json={"text": "abc", "completion_type": kind}, headers=account.headers
            )
            assert response.status_code == 200
            instructions.add(fake_upstream.requests[-1].body["prompt"].split("\n\n")[0])
        assert len(instructions) == 7
        types = await client.get("/api/completion/types", headers=account.headers)
        assert len(types.json()) == 7

    async def test_search_stops_at_the_end_of_the_line(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = " recipes for dinner\nand more text"
        response = await client.post(
            URL, json={"text": "easy pasta", "completion_type": "search"}, headers=account.headers
        )
        assert response.json()["completion"] == " recipes for dinner"
        assert fake_upstream.requests[-1].body["stop"] == ["\n", "?"]

    async def test_identical_request_is_served_from_the_cache(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        body = {"text": "Once upon a time", "temperature": 0.2}
        first = await client.post(URL, json=body, headers=account.headers)
        second = await client.post(URL, json=body, headers=account.headers)
        assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
        assert first.json()["completion"] == second.json()["completion"]
        assert len([r for r in fake_upstream.requests if r.path == "/v1/completions"]) == 1

    async def test_stream_sends_deltas_then_the_cleaned_completion(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = " jumps over the dog"
        async with client.stream(
            "POST", URL, json={"text": "The fox", "stream": True}, headers=account.headers
        ) as response:
            events = await read_events(response)
        assert deltas(events) == " jumps over the dog"
        assert events[-1].name == "done"
        assert events[-1].data["completion"] == " jumps over the dog"
        assert events[-1].data["usage"]["completion_tokens"] > 0

    @pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
    async def test_time_budget_answers_with_what_it_has(
        self, make_settings, fake_upstream: FakeUpstream, stream: bool
    ) -> None:
        fake_upstream.reply = " ".join(["tok"] * 200)
        fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
        application = create_app(make_settings(completion_time_budget=0.5))
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            account = await register(http)
            started = time.monotonic()
            body = {"text": "go", "stream": stream}
            async with http.stream("POST", URL, json=body, headers=account.headers) as response:
                assert response.status_code == 200
                if stream:
                    completion = (await read_events(response))[-1].data["completion"]
                else:
                    completion = (await response.aread()) and response.json()["completion"]
            elapsed = time.monotonic() - started
        assert 0 < len(completion) < len(fake_upstream.reply)
        # 200 pieces 50 ms apart would take 10 s; the 0.5 s budget must cut it short.
        assert elapsed < 3


class TestRequestLog:
    async def test_one_line_per_request_with_type_size_cache_and_outcome(
        self, client: httpx.AsyncClient, account: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.INFO, logger="app.completion.service")
        body = {"text": "Dear team,", "completion_type": "email", "max_tokens": 20}
        for _ in range(2):
            assert (await client.post(URL, json=body, headers=account.headers)).status_code == 200
        bad = {"text": "x", "completion_type": "haiku\nforged line"}
        assert (await client.post(URL, json=bad, headers=account.headers)).status_code == 400
        lines = [r.getMessage() for r in caplog.records if r.name == "app.completion.service"]
        assert len(lines) == 3
        first, second, rejected = lines
        for line in (first, second):
            assert "type=email max_tokens=20 input_len=10 duration_ms=" in line
        assert first.endswith("cache_hit=False outcome=ok")
        assert second.endswith("cache_hit=True outcome=ok")
        assert rejected.endswith("outcome=error")
        assert "\n" not in rejected


class TestDocumentedErrors:
    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"text": ""}, "Empty input text"),
            ({"text": "   \n\t "}, "Empty input text"),
            ({}, "Empty input text"),
            ({"text": "x" * 10_001}, "Input text too long"),
            ({"text": "hello", "completion_type": "poem"}, "Invalid completion_type"),
        ],
    )
    async def test_bad_input_is_400_with_the_seed_message(
        self, client: httpx.AsyncClient, account: Account, body: dict[str, object], message: str
    ) -> None:
        assert_seed_error(await client.post(URL, json=body, headers=account.headers), 400, message)

    async def test_exactly_ten_thousand_chars_is_accepted(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        response = await client.post(URL, json={"text": "x" * 10_000}, headers=account.headers)
        assert response.status_code == 200

    async def test_out_of_range_sampling_is_400_naming_the_field(
        self, client: httpx.AsyncClient, account: Account
    ) -> None:
        response = await client.post(
            URL, json={"text": "a", "temperature": 2.5}, headers=account.headers
        )
        assert response.status_code == 400
        assert response.json()["details"][0]["field"] == "temperature"

    async def test_no_token_is_401_unauthorized(self, client: httpx.AsyncClient) -> None:
        assert_seed_error(await client.post(URL, json={"text": "hi"}), 401, "Unauthorized")

    async def test_llm_down_is_503_llm_service_unavailable(self, make_settings) -> None:
        application = create_app(
            make_settings(llm={"server_url": f"http://127.0.0.1:{free_port()}"})
        )
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            account = await register(http)
            response = await http.post(URL, json={"text": "hi"}, headers=account.headers)
        assert_seed_error(response, 503, "LLM service unavailable")
        assert "retry-after" in response.headers

    async def test_upstream_500_is_503(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        assert_seed_error(
            await client.post(URL, json={"text": "hi"}, headers=account.headers),
            503,
            "LLM service unavailable",
        )

    async def test_rate_limit_is_429_with_retry_after(self, make_settings) -> None:
        application = create_app(make_settings(completion_rate_limit="3/minute"))
        async with (
            LifespanManager(application),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
            ) as http,
        ):
            account, other = await register(http), await register(http)
            statuses = [
                (await http.post(URL, json={"text": f"t{i}"}, headers=account.headers)).status_code
                for i in range(4)
            ]
            limited = await http.post(URL, json={"text": "again"}, headers=account.headers)
            other_user = await http.post(URL, json={"text": "mine"}, headers=other.headers)
        assert statuses == [200, 200, 200, 429]
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert set(limited.json()) >= {"error", "timestamp"}
        assert other_user.status_code == 200
