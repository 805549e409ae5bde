"""What the library reads from llama.cpp's answer beyond the text."""

from app.llm.results import cache_n


def test_cache_n_comes_from_llama_cpp_timings_when_present() -> None:
    assert cache_n({"cache_n": 412, "prompt_n": 3}) == 412
    assert cache_n({"prompt_n": 3}) is None
    assert cache_n(None) is None
