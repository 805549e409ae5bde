"""Request rate limits (moving window), in memory or shared through Redis.

Redis is an accelerator, never a single point of failure: if it is unreachable the request
is let through and the failure logged (``limits`` wraps every storage failure in
``StorageError``, whatever the Redis client raised). One storage serves every limiter of the
process, so Redis gets one connection pool.
"""

import logging
import time
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from app.errors import RateLimited

logger = logging.getLogger(__name__)
_STORAGE_FAILURES = (StorageError, ConnectionError, OSError, TimeoutError)


def redis_pool(redis_url: str) -> ConnectionPool:
    """Connections for the counters; short timeouts, so an outage costs a request ~1 s once
    and is then answered by the fail-open path. The caller closes it (``aclose``)."""
    return ConnectionPool.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)


def rate_limit_storage(redis_url: str | None, pool: ConnectionPool | None = None) -> Storage:
    """Counters shared by every worker through Redis when configured, else in this process."""
    if not redis_url:
        return MemoryStorage()
    # `limits` passes extra options through to redis-py untyped; the pool is one of them.
    options: dict[str, Any] = {"connection_pool": pool or redis_pool(redis_url)}
    return RedisStorage(
        f"async+{redis_url}",
        implementation="redispy",
        key_prefix="pp-limits",
        wrap_exceptions=True,
        **options,
    )


class RateLimiter:
    """`await limiter.hit(scope, key)` raises `RateLimited` (429 + Retry-After) when over."""

    def __init__(
        self,
        limit: str,
        *,
        storage: Storage | None = None,
        message: str = "Rate limit exceeded ({limit}); retry in {seconds} s",
    ) -> None:
        self._item: RateLimitItem = parse(limit)
        self._limiter = MovingWindowRateLimiter(storage or MemoryStorage())
        self._message = message

    async def hit(self, scope: str, key: str) -> None:
        """Count one request of ``key``; over the limit, raise instead of counting."""
        try:
            allowed = await self._limiter.hit(self._item, scope, key)
            if allowed:
                return
            stats = await self._limiter.get_window_stats(self._item, scope, key)
        except _STORAGE_FAILURES as exc:
            logger.warning("rate limiter storage unavailable, letting the request through: %s", exc)
            return
        retry_after = max(1.0, stats.reset_time - time.time())
        raise RateLimited(
            self._message.format(limit=self._item, seconds=round(retry_after)),
            retry_after=retry_after,
        )
