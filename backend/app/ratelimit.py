"""Per-user request rate limits (moving window), in memory or shared through Redis.

Redis is an accelerator, never a single point of failure: if it is unreachable the request
is let through and the failure logged.
"""

import logging
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from app.errors import RateLimited

logger = logging.getLogger(__name__)


class RateLimiter:
    """`await limiter.hit(scope, key)` raises `RateLimited` (429 + Retry-After) when over."""

    def __init__(self, limit: str, *, redis_url: str | None = None) -> None:
        self._item: RateLimitItem = parse(limit)
        storage: Storage = (
            RedisStorage(f"async+{redis_url}", implementation="redispy", key_prefix="pp-limits")
            if redis_url
            else MemoryStorage()
        )
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, scope: str, key: str) -> None:
        try:
            allowed = await self._limiter.hit(self._item, scope, key)
            if allowed:
                return
            stats = await self._limiter.get_window_stats(self._item, scope, key)
        except (ConnectionError, OSError, TimeoutError) as exc:
            logger.warning("rate limiter storage unavailable, letting the request through: %s", exc)
            return
        retry_after = max(1.0, stats.reset_time - time.time())
        raise RateLimited(
            f"Rate limit exceeded ({self._item}); retry in {round(retry_after)} s",
            retry_after=retry_after,
        )
