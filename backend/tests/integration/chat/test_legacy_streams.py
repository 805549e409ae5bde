"""The deprecated stream aliases speak the original clients' wire format, as those clients parse it.

Those clients read the body line by line, take each line that starts with `data: `, parse
what follows as JSON and look at `error`, `done` and `content` in that order; they know no
`event:` field. The parser below is written the same way.
"""

import json
from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]

SESSION_ALIAS = "/api/llm/chat/session/stream"
CHAT_ALIAS = "/api/llm/chat/stream"


@pytest.fixture
async def account(client: httpx.AsyncClient) -> Account:
    return await register(client)


class OriginalClient:
    """What a client written for the original API gets out of one streamed answer."""

    def __init__(self) -> None:
        self.raw = ""
        self.objects: list[dict[str, Any]] = []
        self.text = ""
        self.done: dict[str, Any] | None = None
        self.error: str | None = None

    async def read(self, response: httpx.Response) -> None:
        async for chunk in response.aiter_text():
            self.raw += chunk
        for line in self.raw.split("\n"):
            if not line.startswith("data: "):
                continue
            data = json.loads(line[6:])
            self.objects.append(data)
            if data.get("error"):
                self.error = data["error"]
                break
            if data.get("done"):
                self.done = data
                break
            self.text += data["content"]


async def post(
    http: httpx.AsyncClient, account: Account, path: str, body: dict[str, Any]
) -> tuple[int, OriginalClient]:
    reader = OriginalClient()
    async with http.stream("POST", path, json=body, headers=account.headers) as response:
        await reader.read(response)
        return response.status_code, reader


class TestSessionStreamAlias:
    async def test_contents_then_done_with_the_session_id_in_every_object(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "The capital of France is Paris."
        status, reader = await post(client, account, SESSION_ALIAS, {"message": "Capital?"})
        assert status == 200
        assert reader.text == "The capital of France is Paris."
        assert reader.done is not None
        assert reader.error is None
        session_id = reader.done["session_id"]
        assert all(data["session_id"] == session_id for data in reader.objects)
        assert "event:" not in reader.raw
        assert "\r" not in reader.raw
        assert reader.raw.endswith("\n\n")

    async def test_the_session_goes_on_with_its_id(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        _, first = await post(client, account, SESSION_ALIAS, {"message": "one"})
        assert first.done is not None
        session_id = first.done["session_id"]
        body = {"message": "two", "session_id": session_id}
        _, second = await post(client, account, SESSION_ALIAS, body)
        assert second.done is not None
        assert second.done["session_id"] == session_id
        sent = fake_upstream.requests[-1].body["messages"]
        assert [m["content"] for m in sent] == ["one", "Echo: one", "two"]

    async def test_failure_after_the_start_is_an_error_object(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "one two three four five six seven"
        fake_upstream.fault = Fault(mode="cut", after_chunks=2, chunk_delay=0.05)
        status, reader = await post(client, account, SESSION_ALIAS, {"message": "cut"})
        assert status == 200
        assert reader.text == "one two "
        assert reader.error is not None
        assert reader.done is None
        assert "session_id" in reader.objects[-1]
        assert "event:" not in reader.raw

    async def test_failure_before_the_start_is_an_http_error(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        async with client.stream(
            "POST", SESSION_ALIAS, json={"message": "boom"}, headers=account.headers
        ) as response:
            await response.aread()
        assert response.status_code == 503
        assert response.json()["error"]


class TestChatStreamAlias:
    async def test_contents_then_done(
        self, client: httpx.AsyncClient, account: Account, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "Stateless and streamed."
        body = {"messages": [{"role": "user", "content": "q"}]}
        status, reader = await post(client, account, CHAT_ALIAS, body)
        assert status == 200
        assert reader.text == "Stateless and streamed."
        assert reader.done is not None
        assert reader.done["done"] is True
        assert "session_id" not in reader.done
        assert "event:" not in reader.raw
