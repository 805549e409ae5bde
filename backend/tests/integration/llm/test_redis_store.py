"""The Redis history cache and cross-worker locks against the real local Redis."""

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.llm import (
    MemoryStore,
    RedisCachedStore,
    RedisLocks,
    SessionKey,
    SessionRecord,
    StoredMessage,
)
from app.llm.store import MessageStatus

pytestmark = pytest.mark.integration

KEY = SessionKey("alice", "maze", "s1")


class CountingStore(MemoryStore):
    """A primary store that counts reads, to tell cache hits from misses."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def get(self, key: SessionKey) -> SessionRecord | None:
        self.reads += 1
        return await super().get(key)


@pytest.fixture
def prefix() -> str:
    return f"pp-test-{uuid.uuid4().hex}:"


@pytest.fixture
async def redis(prefix: str) -> AsyncIterator[Redis]:
    client = Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    yield client
    keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def dead_redis() -> AsyncIterator[Redis]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    yield client
    await client.aclose()


async def _write_turn(store: RedisCachedStore, status: MessageStatus = "complete") -> None:
    await store.start_turn(KEY, StoredMessage("user", "hi", 1), system_prompt="Be brief.")
    await store.append_message(KEY, StoredMessage("assistant", "hello", 2, status=status))


class TestRedisCachedStore:
    async def test_reads_hit_the_cache_after_a_write(self, redis: Redis, prefix: str) -> None:
        primary = CountingStore()
        store = RedisCachedStore(primary, redis, ttl=60, prefix=prefix)
        await _write_turn(store)
        reads = primary.reads
        record = await store.get(KEY)
        assert primary.reads == reads
        assert record == await primary.get(KEY)

    async def test_a_partial_answer_keeps_its_status_in_the_cache(
        self, redis: Redis, prefix: str
    ) -> None:
        primary = CountingStore()
        store = RedisCachedStore(primary, redis, ttl=60, prefix=prefix)
        await _write_turn(store, "stopped")
        await store.start_turn(KEY, StoredMessage("user", "again", 1), system_prompt=None)
        record = await store.get(KEY)
        assert primary.reads == 1  # the new session's record, read once to fill the cache
        assert record == await primary.get(KEY)
        assert record is not None
        assert [m.status for m in record.messages] == ["complete", "stopped", "complete"]

    async def test_a_rewritten_history_replaces_the_cached_one(
        self, redis: Redis, prefix: str
    ) -> None:
        primary = CountingStore()
        store = RedisCachedStore(primary, redis, ttl=60, prefix=prefix)
        await _write_turn(store)
        await store.start_turn_after(KEY, 1, None)
        record = await store.get(KEY)
        assert record == await primary.get(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["hi"]

    async def test_entries_cached_before_statuses_read_as_complete(
        self, redis: Redis, prefix: str
    ) -> None:
        store = RedisCachedStore(CountingStore(), redis, ttl=60, prefix=prefix)
        await _write_turn(store)
        name = f'{prefix}session:["alice", "maze", "s1"]'
        cached = json.loads(await redis.get(name))
        cached["messages"] = [fields[:4] for fields in cached["messages"]]
        await redis.set(name, json.dumps(cached))
        record = await store.get(KEY)
        assert record is not None
        assert [(m.content, m.status) for m in record.messages] == [
            ("hi", "complete"),
            ("hello", "complete"),
        ]

    async def test_a_miss_fills_the_cache(self, redis: Redis, prefix: str) -> None:
        primary = CountingStore()
        await primary.start_turn(KEY, StoredMessage("user", "hi"), system_prompt="S")
        store = RedisCachedStore(primary, redis, ttl=60, prefix=prefix)
        await store.get(KEY)
        await store.get(KEY)
        assert primary.reads == 1

    async def test_delete_clears_both(self, redis: Redis, prefix: str) -> None:
        primary = CountingStore()
        store = RedisCachedStore(primary, redis, ttl=60, prefix=prefix)
        await _write_turn(store)
        assert await store.delete(KEY) is True
        assert await store.get(KEY) is None

    async def test_falls_back_to_the_primary_when_redis_is_down(self, dead_redis: Redis) -> None:
        primary = CountingStore()
        store = RedisCachedStore(primary, dead_redis, ttl=60)
        await _write_turn(store)
        record = await store.get(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["hi", "hello"]
        assert len(await store.list("alice", "maze")) == 1


class TestRedisLocks:
    async def test_serialises_two_workers(self, redis: Redis, prefix: str) -> None:
        other = Redis(host="127.0.0.1", port=6379)
        workers = [RedisLocks(redis, prefix=prefix), RedisLocks(other, prefix=prefix)]
        order: list[str] = []

        async def hold(name: str, locks: RedisLocks) -> None:
            async with locks.lock(KEY):
                order.append(f"{name} in")
                await asyncio.sleep(0.2)
                order.append(f"{name} out")

        try:
            await asyncio.gather(hold("a", workers[0]), hold("b", workers[1]))
        finally:
            await other.aclose()
        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])

    async def test_falls_back_to_a_local_lock_when_redis_is_down(self, dead_redis: Redis) -> None:
        locks = RedisLocks(dead_redis)
        order: list[str] = []

        async def hold(name: str) -> None:
            async with locks.lock(KEY):
                order.append(f"{name} in")
                await asyncio.sleep(0.05)
                order.append(f"{name} out")

        await asyncio.gather(hold("a"), hold("b"))
        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])
