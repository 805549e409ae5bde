"""Start and stop what the process holds, in order: database, LLM client, sessions (+ Redis).

Reverse order on exit. The embedded llama.cpp is a separate process (`app.llm.runtime`),
started by `make run` or the test fixtures, never here.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from redis.asyncio import Redis

from app.auth import service as auth_service
from app.auth.cache import AuthCache
from app.chat.store import SqlSessionStore
from app.completion.cache import CompletionCache, MemoryCompletionCache, RedisCompletionCache
from app.completion.service import CompletionContext
from app.config import Settings
from app.db import apply_migrations, create_engine, create_sessionmaker, session_scope
from app.llm.client import LLMClient
from app.llm.errors import LLMError
from app.llm.limits import ConcurrencyGate, upstream_capacity
from app.llm.redis_store import RedisCachedStore, RedisLocks
from app.llm.sessions import SessionManager, set_session_manager
from app.llm.settings import LLMSettings
from app.llm.store import SessionLocks, SessionStore
from app.ratelimit import RateLimiter, rate_limit_storage, redis_pool

logger = logging.getLogger(__name__)
CAPACITY_CHECK_SECONDS = 30.0
LOCAL_LLM_URL = "http://127.0.0.1:8080"
"""Where `make llm` serves when `LLM_SERVER_URL` is unset."""


async def _start_database(app: FastAPI, settings: Settings, stack: AsyncExitStack) -> None:
    await apply_migrations(settings.database_url)
    app.state.engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    stack.push_async_callback(app.state.engine.dispose)
    # Health probes get a connection of their own: a full request pool is load to report,
    # not a reason for the probe to queue behind it (and look like an outage).
    app.state.health_engine = create_engine(
        settings.database_url, pool_size=1, max_overflow=0, pre_ping=False
    )
    stack.push_async_callback(app.state.health_engine.dispose)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    app.state.auth_cache = AuthCache(ttl=settings.auth_cache_seconds)
    if settings.admin_email and settings.admin_password:
        async with session_scope(app.state.sessionmaker) as session:
            await auth_service.ensure_admin(
                session,
                email=settings.admin_email,
                password=settings.admin_password.get_secret_value(),
            )


def _session_storage(
    app: FastAPI, settings: Settings, stack: AsyncExitStack
) -> tuple[SessionStore, SessionLocks | None]:
    """SQL is the record; Redis, when configured, adds a history cache and cross-worker locks."""
    store = SqlSessionStore(app.state.sessionmaker)
    app.state.redis = None
    if not settings.redis_url:
        return store, None
    redis = Redis.from_url(settings.redis_url)
    stack.push_async_callback(redis.aclose)
    app.state.redis = redis
    lease = settings.llm.timeout + 30  # a lock outlives the longest turn it protects
    return RedisCachedStore(store, redis), RedisLocks(redis, lease=lease, wait=lease)


def _completion_context(app: FastAPI, settings: Settings) -> CompletionContext:
    redis: Redis | None = getattr(app.state, "redis", None)
    cache: CompletionCache = (
        RedisCompletionCache(redis, ttl=settings.completion_cache_ttl)
        if redis is not None
        else MemoryCompletionCache(
            size=settings.completion_cache_size, ttl=settings.completion_cache_ttl
        )
    )
    limiter = RateLimiter(settings.completion_rate_limit, storage=app.state.rate_limits)
    return CompletionContext(
        client=app.state.llm, gate=app.state.gate, cache=cache, limiter=limiter, settings=settings
    )


def _start_rate_limits(app: FastAPI, settings: Settings, stack: AsyncExitStack) -> None:
    """One counter storage (Redis when configured) for every throttle of the process."""
    pool = redis_pool(settings.redis_url) if settings.redis_url else None
    if pool is not None:
        stack.push_async_callback(pool.aclose)
    app.state.rate_limits = rate_limit_storage(settings.redis_url, pool)
    retry = "Too many login attempts — try again in {seconds} s"
    app.state.login_limits = auth_service.LoginLimits(
        per_account=RateLimiter(
            settings.login_rate_limit_account, storage=app.state.rate_limits, message=retry
        ),
        per_address=RateLimiter(
            settings.login_rate_limit_address, storage=app.state.rate_limits, message=retry
        ),
    )


async def _start_llm(app: FastAPI, settings: Settings, stack: AsyncExitStack) -> None:
    llm = settings.llm
    client = LLMClient(llm, base_url=llm.server_url or LOCAL_LLM_URL)
    stack.push_async_callback(client.aclose)
    capacity, source = await upstream_capacity(llm, client)
    gate = ConcurrencyGate.from_settings(llm, capacity)
    reserved = ", ".join(f"{name}={lane.reserved}" for name, lane in gate.stats().lanes.items())
    logger.info("LLM gate: %d slots (%s); reserved per lane: %s", capacity, source, reserved)
    store, locks = _session_storage(app, settings, stack)
    manager = SessionManager(client, store, settings=llm, locks=locks, gate=gate)
    set_session_manager(manager)
    stack.callback(set_session_manager, None)
    app.state.llm, app.state.gate, app.state.sessions = client, gate, manager
    app.state.completion = _completion_context(app, settings)
    if llm.max_concurrency is None:
        follower = asyncio.create_task(_follow_upstream_capacity(gate, llm, client))
        stack.push_async_callback(_cancel, follower)
    health = await client.health()
    logger.info(
        "LLM at %s: %s (%s)", client.server_url, health.status, health.model or health.detail
    )


async def _follow_upstream_capacity(
    gate: ConcurrencyGate, llm: LLMSettings, client: LLMClient
) -> None:
    """Keep the cap equal to the server's parallel slots: a server that was down at start-up,
    or restarted with another `--parallel`, is followed without restarting the portal."""
    while True:
        await asyncio.sleep(CAPACITY_CHECK_SECONDS)
        try:
            capacity, source = await upstream_capacity(llm, client)
        except LLMError:
            continue  # unreachable now; the next check asks again
        if capacity != gate.capacity:
            logger.info("LLM gate: %d → %d slots (%s)", gate.capacity, capacity, source)
            gate.set_capacity(capacity)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await _start_database(app, settings, stack)
        _start_rate_limits(app, settings, stack)
        await _start_llm(app, settings, stack)
        yield
