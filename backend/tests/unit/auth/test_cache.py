"""The bearer-token cache: hits skip the lookup, invalidation and credential expiry win."""

import time
from datetime import UTC, datetime

from app.auth.cache import AuthCache, Principal


def principal(user_id: int = 1, sign_in_id: str | None = None) -> Principal:
    return Principal(
        id=user_id,
        email=f"u{user_id}@example.com",
        display_name=None,
        role="user",
        is_active=True,
        token_version=0,
        created_at=datetime.now(UTC),
        sign_in_id=sign_in_id,
    )


class CountingLookup:
    def __init__(self, answer: tuple[Principal, float | None] | None) -> None:
        self.answer = answer
        self.calls = 0

    async def __call__(self, token: str) -> tuple[Principal, float | None] | None:
        self.calls += 1
        return self.answer


async def test_a_checked_token_is_answered_from_memory() -> None:
    cache, lookup = AuthCache(ttl=60), CountingLookup((principal(), None))
    first = await cache.principal("token-a", lookup)
    second = await cache.principal("token-a", lookup)
    assert first is not None
    assert first.id == 1
    assert second == first
    assert lookup.calls == 1


async def test_invalid_tokens_are_never_cached() -> None:
    cache, lookup = AuthCache(ttl=60), CountingLookup(None)
    assert await cache.principal("bad", lookup) is None
    assert await cache.principal("bad", lookup) is None
    assert lookup.calls == 2


async def test_forgetting_a_user_drops_all_their_tokens_only() -> None:
    cache = AuthCache(ttl=60)
    mine, theirs = CountingLookup((principal(1), None)), CountingLookup((principal(2), None))
    await cache.principal("mine-1", mine)
    await cache.principal("mine-2", mine)
    await cache.principal("theirs", theirs)
    cache.forget_user(1)
    await cache.principal("mine-1", mine)
    await cache.principal("mine-2", mine)
    await cache.principal("theirs", theirs)
    assert (mine.calls, theirs.calls) == (4, 1)


async def test_forgetting_a_sign_in_keeps_the_users_other_sign_ins() -> None:
    cache = AuthCache(ttl=60)
    ended = CountingLookup((principal(1, sign_in_id="a"), None))
    other = CountingLookup((principal(1, sign_in_id="b"), None))
    await cache.principal("first-token-of-a", ended)
    await cache.principal("renewed-token-of-a", ended)
    await cache.principal("token-of-b", other)
    cache.forget_sign_in("a")
    await cache.principal("first-token-of-a", ended)
    await cache.principal("renewed-token-of-a", ended)
    await cache.principal("token-of-b", other)
    assert (ended.calls, other.calls) == (4, 1)


async def test_an_entry_never_outlives_its_credential() -> None:
    cache = AuthCache(ttl=60)
    lookup = CountingLookup((principal(), time.time() - 1))  # already expired
    await cache.principal("expiring", lookup)
    await cache.principal("expiring", lookup)
    assert lookup.calls == 2


async def test_zero_ttl_checks_every_request() -> None:
    cache, lookup = AuthCache(ttl=0), CountingLookup((principal(), None))
    await cache.principal("t", lookup)
    await cache.principal("t", lookup)
    assert lookup.calls == 2
