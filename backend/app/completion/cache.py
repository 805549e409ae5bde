"""A short-lived cache of recent identical completion requests.

In memory by default (LRU + TTL); in Redis when configured, so every worker shares it.
Losing Redis only costs cache hits.
"""

import hashlib
import json
import logging
from typing import Protocol

from cachetools import TTLCache
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def cache_key(**request: object) -> str:
    """Identical requests (type, text, sampling) share a key; the text itself is not stored.

    ASCII-escaped JSON is always encodable (a lone surrogate becomes `\\ud800`), so building
    a key can never fail whatever text reached it.
    """
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=True)
    return "pp:completion:" + hashlib.sha256(canonical.encode("ascii")).hexdigest()


class CompletionCache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, completion: str) -> None: ...


class MemoryCompletionCache:
    def __init__(self, *, size: int, ttl: int) -> None:
        self._entries: TTLCache[str, str] = TTLCache(maxsize=max(1, size), ttl=ttl)

    async def get(self, key: str) -> str | None:
        return self._entries.get(key)

    async def put(self, key: str, completion: str) -> None:
        self._entries[key] = completion


class RedisCompletionCache:
    def __init__(self, redis: Redis, *, ttl: int) -> None:
        self._redis = redis
        self._ttl = ttl

    async def get(self, key: str) -> str | None:
        try:
            value = await self._redis.get(key)
        except (RedisError, OSError) as exc:
            logger.warning("completion cache unavailable: %s", exc)
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, key: str, completion: str) -> None:
        try:
            await self._redis.set(key, completion, ex=self._ttl)
        except (RedisError, OSError) as exc:
            logger.warning("completion cache unavailable: %s", exc)
