"""Rate limits count in Redis when configured, and let requests through when Redis is down."""

import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from app.config import Settings
from app.errors import RateLimited
from app.ratelimit import RateLimiter, rate_limit_storage, redis_pool
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import register

pytestmark = pytest.mark.integration


def dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@contextlib.asynccontextmanager
async def limiter_on(redis_url: str, limit: str) -> AsyncIterator[RateLimiter]:
    pool = redis_pool(redis_url)
    try:
        yield RateLimiter(limit, storage=rate_limit_storage(redis_url, pool))
    finally:
        await pool.aclose()


async def test_workers_count_together_in_redis() -> None:
    scope, key, url = "test", uuid.uuid4().hex, "redis://127.0.0.1:6379/0"
    async with limiter_on(url, "2/minute") as first, limiter_on(url, "2/minute") as second:
        await first.hit(scope, key)
        await second.hit(scope, key)
        with pytest.raises(RateLimited) as refused:
            await first.hit(scope, key)
    assert refused.value.retry_after is not None
    assert 1 <= refused.value.retry_after <= 60


async def test_dead_redis_lets_requests_through_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with limiter_on(dead_redis_url(), "1/minute") as limiter:
        with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
            for _ in range(3):
                await limiter.hit("test", "someone")
    assert "rate limiter storage unavailable" in caplog.text


@pytest.mark.fake_llm
class TestAppWithRedisDown:
    @pytest.fixture
    def settings(self, make_settings: SettingsFactory) -> Settings:
        return make_settings(redis_url=dead_redis_url())

    async def test_login_completion_and_chat_still_work(self, client: httpx.AsyncClient) -> None:
        account = await register(client)
        completion = await client.post(
            "/api/completion/generate",
            json={"text": "Dear team, ", "completion_type": "email"},
            headers=account.headers,
        )
        chat = await client.post(
            "/api/llm/chat/session", json={"message": "hello"}, headers=account.headers
        )
        assert completion.status_code == 200, completion.text
        assert chat.status_code == 200, chat.text
