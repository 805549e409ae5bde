"""Which system prompt a game turn sends when the handler remembers none for the session.

The handler no longer reads the stored session before a turn to decide; the turn does, under
the session's lock: a stored session keeps its own prompt, a new one gets the project's.
A fresh handler over the same sessions is what a bridge restart (or an evicted entry) is.
"""

import pytest

from app.llm import SessionKey, SessionRecord
from app.llm.stack import LLMStack
from tests.fixtures.fake_upstream import FakeUpstream
from tests.integration.mqtt.test_handler import PROMPTS, make_handler, run, sent_messages, stack

pytestmark = pytest.mark.integration
__all__ = ["stack"]  # the fixture of the handler tests


async def test_a_stored_session_keeps_its_prompt_after_a_restart(
    stack: LLMStack, fake_upstream: FakeUpstream
) -> None:
    first = {"sessionId": "s1", "message": "a", "systemPrompt": "Own rules."}
    await run(make_handler(stack), "maze/user_input", first)
    restarted = make_handler(stack)
    await run(restarted, "maze/user_input", {"sessionId": "s1", "message": "b"})
    messages = sent_messages(fake_upstream)
    assert messages[0] == {"role": "system", "content": "Own rules."}
    assert [m["content"] for m in messages[1:]] == ["a", "Echo: a", "b"]


async def test_a_new_session_gets_and_keeps_the_projects_prompt(
    stack: LLMStack, fake_upstream: FakeUpstream
) -> None:
    await run(make_handler(stack), "driving/user_input", {"sessionId": "d1", "message": "a"})
    default = PROMPTS.default_prompt("driving")
    assert sent_messages(fake_upstream)[0] == {"role": "system", "content": default}
    record = await stack.sessions.history(SessionKey("mqtt:driving", "driving", "d1"))
    assert record is not None
    assert record.system_prompt == default
    await run(make_handler(stack), "driving/user_input", {"sessionId": "d1", "message": "b"})
    assert sent_messages(fake_upstream)[0] == {"role": "system", "content": default}


async def test_a_turn_reads_the_stored_session_once(
    stack: LLMStack, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = make_handler(stack)
    await run(handler, "maze/user_input", {"sessionId": "s2", "message": "a"})
    reads: list[SessionKey] = []
    store = stack.sessions._store  # the store every read of the turn goes through
    original = store.get

    async def counted(key: SessionKey) -> SessionRecord | None:
        reads.append(key)
        return await original(key)

    monkeypatch.setattr(store, "get", counted)
    await run(handler, "maze/user_input", {"sessionId": "s2", "message": "b"})
    assert len(reads) == 1
