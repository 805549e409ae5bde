"""The portal's extensions through the SDK's `extra_body`: stored sessions and prompt templates."""

from typing import Any

import httpx
import openai
import pytest
from fastapi import FastAPI

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.chat.chat_api import contents, messages_of
from tests.integration.gateway.gateway_api import (
    MODEL,
    chat_requests,
    create_key,
    last_chat_body,
    messages_sent,
    sdk_client,
)
from tests.integration.templates.templates_api import create

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def session_of(answer: Any) -> str:
    """The `session_id` the portal adds to an answer or chunk (an extra field for the SDK)."""
    assert answer.model_extra is not None
    session_id: str = answer.model_extra["session_id"]
    return session_id


class TestSessions:
    async def test_the_second_turn_sends_the_first_exchange(
        self,
        sdk: openai.AsyncOpenAI,
        fake_upstream: FakeUpstream,
        client: httpx.AsyncClient,
        account: Account,
    ) -> None:
        system = {"role": "system", "content": "Be brief."}
        first = await sdk.chat.completions.create(
            model=MODEL, messages=[system, user("first")], extra_body={"session_id": "sdk-1"}
        )
        assert session_of(first) == "sdk-1"
        assert first.choices[0].message.content == "Echo: first"
        assert first.usage is not None
        # The client may resend the whole conversation: the history comes from the session.
        resent = [system, user("first"), first.choices[0].message.model_dump(), user("second")]
        second = await sdk.chat.completions.create(
            model=MODEL, messages=resent, extra_body={"session_id": "sdk-1"}
        )
        assert second.choices[0].message.content == "Echo: second"
        assert messages_sent(fake_upstream) == [
            ("system", "Be brief."),
            ("user", "first"),
            ("assistant", "Echo: first"),
            ("user", "second"),
        ]
        assert contents(await messages_of(client, account, "sdk-1")) == [
            ("user", "first", "complete"),
            ("assistant", "Echo: first", "complete"),
            ("user", "second", "complete"),
            ("assistant", "Echo: second", "complete"),
        ]

    async def test_a_streamed_turn_names_its_session_in_every_chunk(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        stream = await sdk.chat.completions.create(
            model=MODEL,
            messages=[user("tell me")],
            stream=True,
            stream_options={"include_usage": True},
            extra_body={"session_id": None},  # null: a new session, with an id of the portal's
        )
        chunks = [chunk async for chunk in stream]
        session_ids = {session_of(chunk) for chunk in chunks}
        assert len(session_ids) == 1
        assert chunks[0].choices[0].delta.role == "assistant"
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
            "Echo: tell me"
        )
        assert chunks[-2].choices[0].finish_reason == "stop"
        assert chunks[-1].choices == []
        assert chunks[-1].usage is not None
        again = await sdk.chat.completions.create(
            model=MODEL, messages=[user("more")], extra_body={"session_id": session_ids.pop()}
        )
        assert again.choices[0].message.content == "Echo: more"
        assert [role for role, _ in messages_sent(fake_upstream)] == ["user", "assistant", "user"]

    async def test_caller_fields_reach_the_server_and_the_extensions_do_not(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        await sdk.chat.completions.create(
            model=MODEL,
            messages=[user("hi")],
            max_completion_tokens=33,
            stop="END",
            extra_body={"session_id": "sdk-2", "top_k": 5},
        )
        sent = chat_requests(fake_upstream)[-1].body
        assert (sent["max_tokens"], sent["stop"], sent["top_k"]) == (33, ["END"], 5)
        assert "session_id" not in sent

    async def test_an_answer_cut_by_max_tokens_says_length(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.honours_max_tokens = True
        answer = await sdk.chat.completions.create(
            model=MODEL, messages=[user("question")], max_tokens=2, extra_body={"session_id": "c1"}
        )
        assert answer.choices[0].message.content == "Echo: qu"
        assert answer.choices[0].finish_reason == "length"

    async def test_a_streamed_answer_cut_by_max_tokens_says_length(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.honours_max_tokens = True
        stream = await sdk.chat.completions.create(
            model=MODEL,
            messages=[user("question")],
            max_tokens=2,
            stream=True,
            extra_body={"session_id": "c2"},
        )
        reasons = [chunk.choices[0].finish_reason async for chunk in stream if chunk.choices]
        assert reasons[-1] == "length"
        assert reasons[:-1] == [None] * (len(reasons) - 1)

    async def test_a_failure_after_admission_names_the_session(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="cut", after_chunks=2, cut_settle=0.05)
        fake_upstream.reply = "a long enough answer to be cut"
        with pytest.raises(openai.APIStatusError) as raised:
            await sdk.chat.completions.create(
                model=MODEL, messages=[user("x")], extra_body={"session_id": "sdk-3"}
            )
        assert raised.value.status_code == 503
        assert isinstance(raised.value.body, dict)
        assert raised.value.body["session_id"] == "sdk-3"

    @pytest.mark.parametrize(
        ("extra", "param"),
        [
            ({"n": 2}, "n"),
            ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
        ],
    )
    async def test_what_a_session_cannot_store_is_refused(
        self, sdk: openai.AsyncOpenAI, extra: dict[str, Any], param: str
    ) -> None:
        with pytest.raises(openai.BadRequestError) as raised:
            await sdk.chat.completions.create(
                model=MODEL, messages=[user("x")], extra_body={"session_id": "s", **extra}
            )
        assert raised.value.param == param

    async def test_a_turn_needs_a_question(self, sdk: openai.AsyncOpenAI) -> None:
        with pytest.raises(openai.BadRequestError) as raised:
            await sdk.chat.completions.create(
                model=MODEL,
                messages=[{"role": "system", "content": "only this"}],
                extra_body={"session_id": "s"},
            )
        assert raised.value.param == "messages"

    @pytest.mark.parametrize("session_id", ["", "x" * 10_000, "../../etc", "a b"])
    async def test_a_malformed_session_id_is_a_bad_request(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream, session_id: str
    ) -> None:
        with pytest.raises(openai.BadRequestError) as raised:
            await sdk.chat.completions.create(
                model=MODEL, messages=[user("x")], extra_body={"session_id": session_id}
            )
        assert raised.value.param == "session_id"
        assert fake_upstream.requests == []

    async def test_another_users_session_id_neither_leaks_nor_continues_it(
        self,
        app: FastAPI,
        client: httpx.AsyncClient,
        sdk: openai.AsyncOpenAI,
        fake_upstream: FakeUpstream,
    ) -> None:
        await sdk.chat.completions.create(
            model=MODEL,
            messages=[user("my secret is 4711")],
            extra_body={"session_id": "shared-name"},
        )
        other = await register(client)
        key = (await create_key(client, other))["key"]
        async with sdk_client(app, key) as intruder:
            answer = await intruder.chat.completions.create(
                model=MODEL, messages=[user("hello")], extra_body={"session_id": "shared-name"}
            )
        sent = last_chat_body(fake_upstream)["messages"]
        assert all("4711" not in str(m.get("content")) for m in sent), sent
        assert "4711" not in (answer.choices[0].message.content or "")


class TestTemplates:
    @pytest.fixture
    async def template(self, client: httpx.AsyncClient, account: Account) -> dict[str, Any]:
        """The greeting template of ``account``."""
        return await create(client, account)

    async def test_a_template_is_rendered_as_the_system_prompt(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream, template: dict[str, Any]
    ) -> None:
        answer = await sdk.chat.completions.create(
            model=MODEL,
            messages=[user("hi")],
            extra_body={
                "template": {"id": template["id"]},
                "variables": {"name": "Ada", "age": 36},
            },
        )
        assert answer.choices[0].message.content == "Echo: hi"
        assert messages_sent(fake_upstream) == [
            ("system", "Hello Ada, you are 36 years old."),
            ("user", "hi"),
        ]
        sent = chat_requests(fake_upstream)[-1].body
        assert "template" not in sent
        assert "variables" not in sent

    async def test_a_session_runs_on_the_template(
        self, sdk: openai.AsyncOpenAI, fake_upstream: FakeUpstream, template: dict[str, Any]
    ) -> None:
        ref = {"template": {"id": template["id"]}, "variables": {"name": "Bo", "age": 7}}
        for question in ("one", "two"):
            await sdk.chat.completions.create(
                model=MODEL, messages=[user(question)], extra_body={"session_id": "tpl", **ref}
            )
        assert messages_sent(fake_upstream)[0] == ("system", "Hello Bo, you are 7 years old.")
        assert len(messages_sent(fake_upstream)) == 4

    async def test_missing_variables_and_unknown_templates_are_refused(
        self, sdk: openai.AsyncOpenAI, template: dict[str, Any]
    ) -> None:
        with pytest.raises(openai.BadRequestError):
            await sdk.chat.completions.create(
                model=MODEL, messages=[user("hi")], extra_body={"template": {"id": template["id"]}}
            )
        with pytest.raises(openai.NotFoundError) as raised:
            await sdk.chat.completions.create(
                model=MODEL, messages=[user("hi")], extra_body={"template": {"id": 999_999}}
            )
        assert raised.value.code == "template_not_found"
