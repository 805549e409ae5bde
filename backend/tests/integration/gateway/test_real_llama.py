"""The official SDK through `/v1` to a real llama.cpp: the tiny model for the plumbing (its
words are gibberish, its counts and chunk format are llama.cpp's own), SmolLM2 for an answer."""

import openai
import pytest

pytestmark = pytest.mark.integration
QUESTION = [{"role": "user", "content": "Which city is the capital of France?"}]


async def served_model(sdk: openai.AsyncOpenAI) -> str:
    models = [model.id async for model in sdk.models.list()]
    assert len(models) == 1, models
    return models[0]


class TestTinyModel:
    @pytest.fixture
    def llm_server_url(self, tiny_llama_url: str) -> str:
        return tiny_llama_url

    async def test_a_json_answer_counts_its_tokens(self, sdk: openai.AsyncOpenAI) -> None:
        model = await served_model(sdk)
        answer = await sdk.chat.completions.create(
            model=model, messages=QUESTION, max_tokens=12, temperature=0, seed=1
        )
        assert answer.model == model
        assert answer.choices[0].message.content
        assert answer.choices[0].finish_reason in ("stop", "length")
        assert answer.usage is not None
        assert 0 < answer.usage.completion_tokens <= 12

    async def test_a_stream_ends_with_llama_cpps_usage(self, sdk: openai.AsyncOpenAI) -> None:
        model = await served_model(sdk)
        stream = await sdk.chat.completions.create(
            model=model,
            messages=QUESTION,
            max_tokens=12,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text
        assert chunks[-1].choices == []
        usage = chunks[-1].usage
        assert usage is not None
        assert 0 < usage.completion_tokens <= 12
        assert any(c.choices and c.choices[0].finish_reason for c in chunks)

    async def test_a_text_completion_continues_the_prompt(self, sdk: openai.AsyncOpenAI) -> None:
        model = await served_model(sdk)
        answer = await sdk.completions.create(
            model=model, prompt="Once upon a time", max_tokens=8, temperature=0
        )
        assert answer.choices[0].text
        assert answer.usage is not None
        assert answer.usage.completion_tokens <= 8


class TestSmolLM2:
    @pytest.fixture
    def llm_server_url(self, smollm2_llama_url: str) -> str:
        return smollm2_llama_url

    async def test_knows_the_capital_of_france(self, sdk: openai.AsyncOpenAI) -> None:
        answer = await sdk.chat.completions.create(
            model=await served_model(sdk), messages=QUESTION, max_tokens=32, temperature=0
        )
        assert "Paris" in (answer.choices[0].message.content or "")
