"""Token counting: the server's tokenizer when it has one, an estimate otherwise."""

from app.llm import LLMUnavailable, TokenCounter, estimate_tokens


class CountingTokenizer:
    def __init__(self, tokens: list[int] | None = None, *, fail: bool = False) -> None:
        self.calls = 0
        self.tokens = tokens
        self.fail = fail

    async def tokenize(self, text: str) -> list[int] | None:
        self.calls += 1
        if self.fail:
            raise LLMUnavailable("down")
        return self.tokens


class TestTokenCounter:
    async def test_uses_the_server_count_and_caches_it(self) -> None:
        tokenizer = CountingTokenizer([1, 2, 3])
        counter = TokenCounter(tokenizer)
        assert await counter.count("hello") == 3
        assert await counter.count("hello") == 3
        assert tokenizer.calls == 1

    async def test_estimates_without_a_tokenizer(self) -> None:
        counter = TokenCounter(CountingTokenizer(None))
        assert await counter.count("x" * 35) == 10

    async def test_estimates_when_the_server_is_down(self) -> None:
        counter = TokenCounter(CountingTokenizer(fail=True))
        assert await counter.count("abcdefg") == estimate_tokens("abcdefg") == 2

    async def test_cache_is_bounded(self) -> None:
        tokenizer = CountingTokenizer([1])
        counter = TokenCounter(tokenizer, cache_size=2)
        for text in ("a", "b", "c", "a"):
            await counter.count(text)
        assert tokenizer.calls == 4
