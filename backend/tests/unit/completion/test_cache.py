"""Completion cache keys: identical requests share one, any text can be keyed."""

from app.completion.cache import cache_key


class TestCacheKey:
    def test_identical_requests_share_a_key(self) -> None:
        assert cache_key(kind="code", text="déjà vu") == cache_key(text="déjà vu", kind="code")

    def test_different_texts_get_different_keys(self) -> None:
        assert cache_key(text="a") != cache_key(text="b")

    def test_a_lone_surrogate_still_gets_a_key(self) -> None:
        key = cache_key(text="hi \ud800")
        assert key.startswith("pp:completion:")
        assert key != cache_key(text="hi \ufffd")
