"""Start and stop what the process holds, in order: database, LLM client, sessions (+ Redis).

Reverse order on exit. The embedded llama.cpp is a separate process (`app.llm.runtime`),
started by `make run` or the test fixtures, never here.
"""

import gc
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
from app.games.broker_sync import open_broker_accounts
from app.games.runtime import open_games
from app.health.service import DatabaseWatch
from app.llm.redis_store import RedisCachedStore, RedisLocks
from app.llm.stack import LLMStack, open_llm
from app.llm.store import SessionLocks, SessionStore
from app.ratelimit import RateLimiter, rate_limit_storage, redis_pool

logger = logging.getLogger(__name__)


async def _start_database(app: FastAPI, settings: Settings, stack: AsyncExitStack) -> None:
    await apply_migrations(settings.database_url)
    app.state.engine = create_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    stack.push_async_callback(app.state.engine.dispose)
    # The health probe gets a connection of its own: a full request pool is load to report,
    # not a reason for the probe to queue behind it (and look like an outage).
    health_engine = create_engine(
        settings.database_url, pool_size=1, max_overflow=0, pre_ping=False
    )
    stack.push_async_callback(health_engine.dispose)
    app.state.database_watch = await stack.enter_async_context(
        DatabaseWatch(health_engine).running()
    )
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


def _completion_context(app: FastAPI, settings: Settings, llm: LLMStack) -> CompletionContext:
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
        client=llm.client, gate=llm.gate, cache=cache, limiter=limiter, settings=settings
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
    store, locks = _session_storage(app, settings, stack)
    llm = await stack.enter_async_context(open_llm(settings.llm, store, locks))
    app.state.llm_stack = llm
    app.state.completion = _completion_context(app, settings, llm)


def _tune_garbage_collector(settings: Settings) -> None:
    """Collect less often, and never rescan what start-up built.

    Start-up leaves long-lived objects (modules, the app, routes, pools) that every full
    collection would otherwise walk again; `gc.freeze()` moves them out of its sight.
    """
    if not settings.gc_young_threshold:
        return  # left as Python sets it (the test suite: many apps in one process)
    _, middle, old = gc.get_threshold()
    gc.set_threshold(settings.gc_young_threshold, middle, old)
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        await _start_database(app, settings, stack)
        app.state.broker_accounts = await stack.enter_async_context(
            open_broker_accounts(settings.mqtt, app.state.sessionmaker)
        )
        _start_rate_limits(app, settings, stack)
        await _start_llm(app, settings, stack)
        app.state.games = await stack.enter_async_context(
            open_games(
                settings,
                sessionmaker=app.state.sessionmaker,
                auth_cache=app.state.auth_cache,
                sessions=app.state.llm_stack.sessions,
            )
        )
        _tune_garbage_collector(settings)
        yield
