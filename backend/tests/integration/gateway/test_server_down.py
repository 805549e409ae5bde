"""With the model server unreachable, the SDK gets a 503 it can retry after `Retry-After`."""

import openai
import pytest

from tests.integration.gateway.gateway_api import MODEL

pytestmark = pytest.mark.integration  # no fake_llm: the app's model server is a closed port


@pytest.mark.parametrize("stream", [False, True])
async def test_chat_is_503_with_retry_after(sdk: openai.AsyncOpenAI, stream: bool) -> None:
    with pytest.raises(openai.InternalServerError) as raised:
        await sdk.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}], stream=stream
        )
    assert raised.value.status_code == 503
    assert raised.value.type == "server_error"
    assert int(raised.value.response.headers["retry-after"]) >= 1


async def test_the_model_list_is_503(sdk: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as raised:
        await sdk.models.list()
    assert raised.value.status_code == 503
