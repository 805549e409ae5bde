"""Chat with prompt templates: the rendered template is the system prompt the model gets.

Against the recording fake upstream, on SQLite and PostgreSQL: one-shot and session turns,
the session rule (a label is resolved when the session starts; the same template asked the
same way keeps that version, anything else renders again), refusals that store nothing, and
`cache_n` in the answer.
"""

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.sse import Event, read_events
from tests.integration.chat.chat_api import listed, say, session_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]

GREETING = "You greet {{ name }} in {{ language }}."
VARIABLES = [
    {"name": "name", "type": "text"},
    {"name": "language", "type": "choice", "choices": ["English", "French"]},
]
ANN = {"name": "Ann", "language": "French"}


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    await register(client)  # the first account is the admin, who sees every template
    return await register(client)


async def new_template(
    http: httpx.AsyncClient, owner: Account, *, visibility: str = "private", **extra: Any
) -> dict[str, Any]:
    body = {
        "title": "Greeter",
        "content": GREETING,
        "variables": VARIABLES,
        "visibility": visibility,
        **extra,
    }
    created = await http.post("/api/templates", json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def new_version(
    http: httpx.AsyncClient, owner: Account, template_id: int, content: str
) -> int:
    changed = await http.patch(
        f"/api/templates/{template_id}", json={"content": content}, headers=owner.headers
    )
    assert changed.status_code == 200, changed.text
    return int(changed.json()["version"])


async def set_label(
    http: httpx.AsyncClient, owner: Account, template_id: int, label: str, version: int
) -> None:
    moved = await http.put(
        f"/api/templates/{template_id}/labels/{label}",
        json={"version": version},
        headers=owner.headers,
    )
    assert moved.status_code == 200, moved.text


def system_sent(upstream: FakeUpstream) -> str | None:
    """The system prompt of the last request the model got (``None``: it had none)."""
    messages = upstream.requests[-1].body["messages"]
    return next((m["content"] for m in messages if m["role"] == "system"), None)


async def history(http: httpx.AsyncClient, account: Account, session_id: str) -> dict[str, Any]:
    read = await http.get(session_url(session_id, "history"), headers=account.headers)
    assert read.status_code == 200, read.text
    return dict(read.json())


class TestOneShot:
    async def test_the_rendered_template_is_the_system_message(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        body = {
            "messages": [{"role": "user", "content": "hi"}],
            "template": {"id": template["id"]},
            "variables": ANN,
        }
        answered = await client.post("/api/llm/chat", json=body, headers=alice.headers)
        assert answered.status_code == 200, answered.text
        assert answered.json()["cache_n"] == 0  # the fake reports llama.cpp's timings
        assert system_sent(fake_upstream) == "You greet Ann in French."
        assert fake_upstream.requests[-1].body["messages"][1] == {"role": "user", "content": "hi"}

    async def test_the_deprecated_stream_alias_renders_it_too(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        body = {
            "messages": [{"role": "user", "content": "hi"}],
            "template": {"id": template["id"], "version": 1},
            "variables": ANN,
        }
        async with client.stream(
            "POST", "/api/llm/chat/stream", json=body, headers=alice.headers
        ) as response:
            assert response.status_code == 200
            events = await read_events(response)
        assert events[-1].data["done"] is True
        assert system_sent(fake_upstream) == "You greet Ann in French."

    async def test_a_template_with_a_system_message_is_refused(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        body = {
            "messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "hi"}],
            "template": {"id": template["id"]},
            "variables": ANN,
        }
        refused = await client.post("/api/llm/chat", json=body, headers=alice.headers)
        assert refused.status_code == 400
        assert fake_upstream.requests == []


class TestSession:
    async def test_a_session_runs_the_rendered_template_and_its_history_says_which(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        await set_label(client, alice, template["id"], "production", 1)
        ref = {"id": template["id"], "label": "production"}
        first = await say(client, alice, "hello", template=ref, variables=ANN)
        assert first.status_code == 200, first.text
        assert first.json()["cache_n"] == 0
        assert system_sent(fake_upstream) == "You greet Ann in French."
        session_id = first.json()["session_id"]
        read = await history(client, alice, session_id)
        assert read["system_prompt"] == "You greet Ann in French."
        expected = {"id": template["id"], "version": 1, "label": "production", "title": "Greeter"}
        assert read["template"] == expected
        [summary] = await listed(client, alice)
        assert summary["template"] == expected

    async def test_a_moved_label_does_not_change_a_running_session(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        await set_label(client, alice, template["id"], "production", 1)
        ref = {"id": template["id"], "label": "production"}
        first = await say(client, alice, "hello", template=ref, variables=ANN)
        session_id = first.json()["session_id"]
        two = await new_version(client, alice, template["id"], "Hi {{ name }} ({{ language }})!")
        await set_label(client, alice, template["id"], "production", two)

        again = await say(
            client, alice, "again", session_id=session_id, template=ref, variables=ANN
        )
        assert again.status_code == 200, again.text
        assert system_sent(fake_upstream) == "You greet Ann in French."
        assert (await history(client, alice, session_id))["template"]["version"] == 1

        # A new session by the same label gets the version it points at now.
        fresh = await say(client, alice, "hello", template=ref, variables=ANN)
        assert system_sent(fake_upstream) == "Hi Ann (French)!"
        assert (await history(client, alice, fresh.json()["session_id"]))["template"][
            "version"
        ] == 2

    async def test_other_variables_render_again_and_are_recorded(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        ref = {"id": template["id"]}
        first = await say(client, alice, "hello", template=ref, variables=ANN)
        session_id = first.json()["session_id"]
        await new_version(client, alice, template["id"], "Hi {{ name }} ({{ language }})!")
        bo = {"name": "Bo", "language": "English"}
        again = await say(client, alice, "again", session_id=session_id, template=ref, variables=bo)
        assert again.status_code == 200, again.text
        assert system_sent(fake_upstream) == "Hi Bo (English)!"
        read = await history(client, alice, session_id)
        assert read["system_prompt"] == "Hi Bo (English)!"
        assert read["template"]["version"] == 2
        assert len(read["messages"]) == 4

    async def test_later_turns_without_a_template_keep_it_and_a_plain_prompt_drops_it(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        first = await say(client, alice, "hello", template={"id": template["id"]}, variables=ANN)
        session_id = first.json()["session_id"]
        await say(client, alice, "more", session_id=session_id)
        assert system_sent(fake_upstream) == "You greet Ann in French."
        assert (await history(client, alice, session_id))["template"] is not None

        await say(client, alice, "plain", session_id=session_id, system_prompt="Be brief.")
        assert system_sent(fake_upstream) == "Be brief."
        read = await history(client, alice, session_id)
        assert (read["system_prompt"], read["template"]) == ("Be brief.", None)

    async def test_the_done_event_carries_cache_n(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        body = {
            "message": "hello",
            "stream": True,
            "template": {"id": template["id"]},
            "variables": ANN,
        }
        async with client.stream(
            "POST", "/api/llm/chat/session", json=body, headers=alice.headers
        ) as response:
            assert response.status_code == 200
            events: list[Event] = await read_events(response)
        assert events[0].name == "session"
        done = next(event for event in events if event.name == "done")
        assert done.data["cache_n"] == 0
        assert system_sent(fake_upstream) == "You greet Ann in French."

    async def test_the_deprecated_session_alias_records_the_template(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        body = {"message": "hello", "template": {"id": template["id"]}, "variables": ANN}
        async with client.stream(
            "POST", "/api/llm/chat/session/stream", json=body, headers=alice.headers
        ) as response:
            assert response.status_code == 200
            events = await read_events(response)
        session_id = events[-1].data["session_id"]
        assert (await history(client, alice, session_id))["template"]["id"] == template["id"]
        assert system_sent(fake_upstream) == "You greet Ann in French."


class TestRefusals:
    """A turn whose template cannot be used is refused before the model: nothing stored."""

    async def assert_nothing_happened(
        self, client: httpx.AsyncClient, account: Account, upstream: FakeUpstream
    ) -> None:
        assert upstream.requests == []
        assert await listed(client, account) == []

    async def test_missing_and_invalid_variables_are_named(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        ref = {"id": template["id"]}
        refused = await say(client, alice, "hello", template=ref, variables={"language": "Dutch"})
        assert refused.status_code == 400, refused.text
        body = refused.json()
        assert body["code"] == "invalid_variables"
        assert body["details"]["missing"] == ["name"]
        assert [problem["name"] for problem in body["details"]["invalid"]] == ["language"]
        await self.assert_nothing_happened(client, alice, fake_upstream)

    async def test_another_users_private_template_is_not_found(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        bob = await register(client)
        template = await new_template(client, bob)
        refused = await say(client, alice, "hi", template={"id": template["id"]}, variables=ANN)
        assert refused.status_code == 404
        assert refused.json()["code"] == "template_not_found"
        await self.assert_nothing_happened(client, alice, fake_upstream)

    async def test_a_shared_one_is_usable(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        bob = await register(client)
        template = await new_template(client, bob, visibility="shared")
        used = await say(client, alice, "hi", template={"id": template["id"]}, variables=ANN)
        assert used.status_code == 200, used.text
        assert system_sent(fake_upstream) == "You greet Ann in French."

    async def test_an_archived_template_starts_no_session_but_running_ones_go_on(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        template = await new_template(client, alice)
        ref = {"id": template["id"]}
        first = await say(client, alice, "hello", template=ref, variables=ANN)
        session_id = first.json()["session_id"]
        archived = await client.delete(f"/api/templates/{template['id']}", headers=alice.headers)
        assert archived.status_code == 204

        refused = await say(client, alice, "hello", template=ref, variables=ANN)
        assert refused.status_code == 409
        assert refused.json()["code"] == "template_archived"
        assert len(await listed(client, alice)) == 1

        going_on = await say(
            client, alice, "again", session_id=session_id, template=ref, variables=ANN
        )
        assert going_on.status_code == 200, going_on.text
        assert system_sent(fake_upstream) == "You greet Ann in French."

    async def test_a_refused_stream_answers_its_status_before_any_event(
        self, client: httpx.AsyncClient, alice: Account, fake_upstream: FakeUpstream
    ) -> None:
        body = {"message": "hi", "stream": True, "template": {"id": 999_999}, "variables": {}}
        async with client.stream(
            "POST", "/api/llm/chat/session", json=body, headers=alice.headers
        ) as response:
            await response.aread()
        assert response.status_code == 404
        await self.assert_nothing_happened(client, alice, fake_upstream)

    @pytest.mark.parametrize(
        "extra",
        [
            {"template": {"id": 1}, "system_prompt": "x"},
            {"variables": {"name": "Ann"}},
            {"template": {"id": 1, "version": 1, "label": "production"}},
        ],
    )
    async def test_malformed_asks_are_a_400(
        self,
        client: httpx.AsyncClient,
        alice: Account,
        fake_upstream: FakeUpstream,
        extra: dict[str, Any],
    ) -> None:
        refused = await say(client, alice, "hi", **extra)
        assert refused.status_code == 400, refused.text
        await self.assert_nothing_happened(client, alice, fake_upstream)
