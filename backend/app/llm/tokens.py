"""Token counting with the server's own tokenizer, cached, with an estimate as fallback.

History trimming needs counts in the model's tokens; a wrong guess either wastes context
or overflows the slot. Servers without ``/tokenize`` (or an unreachable one) get an
estimate of one token per 3.5 characters, which errs on the side of more tokens for
English text.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections import OrderedDict
from typing import Protocol

from .errors import LLMError

logger = logging.getLogger(__name__)
CHARS_PER_TOKEN = 3.5


class Tokenizer(Protocol):
    """What :class:`TokenCounter` needs from a client (``LLMClient`` fits)."""

    async def tokenize(self, text: str) -> list[int] | None: ...


def estimate_tokens(text: str) -> int:
    """A tokenizer-free guess: ``len(text) / 3.5`` rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


class TokenCounter:
    """Counts tokens through ``tokenizer``; exact counts are kept in a small LRU cache."""

    def __init__(self, tokenizer: Tokenizer, *, cache_size: int = 4096) -> None:
        self._tokenizer = tokenizer
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, int] = OrderedDict()

    async def count(self, text: str) -> int:
        """Tokens in ``text``; exact when the server can tell, estimated otherwise."""
        if not text:
            return 0
        key = hashlib.blake2b(text.encode(), digest_size=16).digest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        try:
            tokens = await self._tokenizer.tokenize(text)
        except LLMError as exc:
            logger.debug("tokenizer unavailable, estimating: %s", exc)
            tokens = None
        if tokens is None:
            return estimate_tokens(text)
        self._remember(key, len(tokens))
        return len(tokens)

    def _remember(self, key: bytes, count: int) -> None:
        if self._cache_size <= 0:
            return
        self._cache[key] = count
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
