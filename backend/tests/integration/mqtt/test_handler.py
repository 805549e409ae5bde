"""The game handler's turns against the fault-injecting upstream, through the real LLM stack.

Replies, hints and errors are checked as the published bytes a game client would read.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.llm import LLMSettings, SessionKey
from app.llm.stack import LLMStack, open_llm
from app.mqtt.handler import GameHandler, KeylessOwners
from app.mqtt.messages import GameEvent, Incoming, Job, Outgoing
from app.mqtt.projects import ProjectPrompts
from app.mqtt.settings import MqttSettings
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = pytest.mark.integration

PROMPTS = ProjectPrompts(["maze", "driving", "general"])
WAIT_S = 20
MAZE_STATE = {
    "sessionId": "m1",
    "player_pos": [1, 1],
    "exit_pos": [3, 1],
    "visible_map": [[1, 1, 1, 1, 1], [1, 0, 0, 0, 1], [1, 1, 1, 1, 1]],
}


class Publisher:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    async def publish(self, message: Outgoing) -> None:
        self.sent.append(message)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(m.payload) for m in self.sent]


class Events:
    def __init__(self) -> None:
        self.seen: list[GameEvent] = []

    def emit(self, event: GameEvent) -> None:
        self.seen.append(event)


@pytest.fixture
async def stack(fake_upstream: FakeUpstream) -> AsyncIterator[LLMStack]:
    settings = LLMSettings.model_validate(
        {"server_url": fake_upstream.url, "timeout": 10, "connect_timeout": 2}
    )
    async with open_llm(settings) as opened:
        yield opened


@pytest.fixture
def events() -> Events:
    return Events()


def make_handler(stack: LLMStack, events: Events | None = None, **settings: Any) -> GameHandler:
    return GameHandler(
        sessions=stack.sessions,
        prompts=PROMPTS,
        owners=KeylessOwners(),
        settings=MqttSettings(projects=["maze", "driving", "general"], **settings),
        events=events,
    )


@pytest.fixture
def handler(stack: LLMStack, events: Events) -> GameHandler:
    return make_handler(stack, events)


async def run(handler: GameHandler, topic: str, payload: Any, **props: Any) -> Publisher:
    publisher = Publisher()
    accepted = handler.accept(Incoming(topic, json.dumps(payload).encode(), **props))
    assert isinstance(accepted, Job), accepted
    await asyncio.wait_for(handler.run(accepted, publisher), WAIT_S)
    return publisher


def sent_messages(upstream: FakeUpstream) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = upstream.requests[-1].body["messages"]
    return messages


class TestReplyFormats:
    async def test_text_by_default_the_answer_alone(self, handler: GameHandler) -> None:
        publisher = await run(handler, "maze/user_input", {"sessionId": "s1", "message": "hi"})
        assert len(publisher.sent) == 1
        assert publisher.sent[0].topic == "maze/assistant_response/s1"
        assert publisher.sent[0].payload == b"Echo: hi"

    async def test_json_when_asked(self, handler: GameHandler) -> None:
        payload = {"sessionId": "s1", "message": "hi", "format": "json", "requestId": "r1"}
        body = (await run(handler, "maze/user_input", payload)).bodies()[0]
        assert body["sessionId"] == "s1"
        assert body["requestId"] == "r1"
        assert body["response"] == "Echo: hi"
        assert body["done"] is True
        assert body["usage"]["completion_tokens"] > 0
        assert isinstance(body["timestamp"], float)

    async def test_json_by_setting(self, stack: LLMStack) -> None:
        handler = make_handler(stack, reply_format="json")
        publisher = await run(handler, "maze/user_input", {"sessionId": "s1", "message": "hi"})
        assert publisher.bodies()[0]["response"] == "Echo: hi"

    async def test_a_request_may_still_ask_for_text(self, stack: LLMStack) -> None:
        handler = make_handler(stack, reply_format="json")
        payload = {"sessionId": "s1", "message": "hi", "format": "text"}
        assert (await run(handler, "maze/user_input", payload)).sent[0].payload == b"Echo: hi"

    async def test_stream_deltas_in_order_then_the_final_reply(self, handler: GameHandler) -> None:
        payload = {"sessionId": "s1", "message": "tell me a long story", "stream": True}
        bodies = (await run(handler, "maze/user_input", payload)).bodies()
        deltas, final = bodies[:-1], bodies[-1]
        assert len(deltas) > 2
        assert [d["seq"] for d in deltas] == list(range(len(deltas)))
        assert "".join(d["delta"] for d in deltas) == final["response"]
        assert final["response"] == "Echo: tell me a long story"
        assert final["done"] is True

    async def test_reply_topic_is_used_verbatim(self, handler: GameHandler) -> None:
        topic = "maze/assistant_response/s1/client-3/r7"
        payload = {"sessionId": "s1", "message": "hi", "replyTopic": topic}
        assert (await run(handler, "maze/user_input", payload)).sent[0].topic == topic

    async def test_mqtt5_response_topic_gets_json_and_the_correlation_data(
        self, handler: GameHandler
    ) -> None:
        publisher = await run(
            handler,
            "maze/user_input",
            {"sessionId": "s1", "message": "hi"},
            response_topic="maze/clients/9/inbox",
            correlation_data=b"\x00corr",
        )
        reply = publisher.sent[0]
        assert (reply.topic, reply.correlation_data) == ("maze/clients/9/inbox", b"\x00corr")
        assert json.loads(reply.payload)["response"] == "Echo: hi"


class TestTurns:
    async def test_sampling_overrides_reach_the_model_and_zero_is_kept(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        payload = {"sessionId": "s1", "message": "hi", "temperature": 0, "maxTokens": 33}
        await run(handler, "maze/user_input", payload)
        body = fake_upstream.requests[-1].body
        assert (body["temperature"], body["max_tokens"]) == (0, 33)

    async def test_game_turns_take_the_game_lane(
        self, handler: GameHandler, stack: LLMStack
    ) -> None:
        payload = {"sessionId": "s1", "message": "[fault:delay:1.5] hi"}
        task = asyncio.create_task(run(handler, "maze/user_input", payload))
        deadline = time.monotonic() + WAIT_S
        while stack.gate.stats().lanes["game"].in_use == 0:
            assert time.monotonic() < deadline, "the turn never took a game slot"
            await asyncio.sleep(0.01)
        assert stack.gate.stats().lanes["chat"].in_use == 0
        await task

    async def test_the_project_default_prompt_is_the_system_message(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        await run(handler, "driving/user_input", {"sessionId": "s1", "message": "hi"})
        assert sent_messages(fake_upstream)[0] == {
            "role": "system",
            "content": PROMPTS.default_prompt("driving"),
        }

    async def test_a_changed_system_prompt_stays_for_the_session(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        first = {"sessionId": "s1", "message": "a", "systemPrompt": "Old rules."}
        await run(handler, "general/user_input", first)
        changed = {"sessionId": "s1", "message": "b", "systemPrompt": "New rules."}
        await run(handler, "general/user_input", changed)
        await run(handler, "general/user_input", {"sessionId": "s1", "message": "c"})
        messages = sent_messages(fake_upstream)
        assert messages[0]["content"] == "New rules."
        assert [m["content"] for m in messages[1:]][-1] == "c"
        assert len(messages) == 6  # system + three questions + two answers

    async def test_two_players_templates_never_cross(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        await run(handler, "maze/template/p1", {"template": "You are a pirate."})
        await run(handler, "maze/template/p2", {"prompt_template": {"content": "You are a cat."}})
        await run(handler, "maze/user_input", {"sessionId": "p1", "message": "hi"})
        pirate = sent_messages(fake_upstream)[0]["content"]
        await run(handler, "maze/user_input", {"sessionId": "p2", "message": "hi"})
        cat = sent_messages(fake_upstream)[0]["content"]
        assert (pirate, cat) == ("You are a pirate.", "You are a cat.")

    async def test_template_reset_starts_the_history_again(
        self, handler: GameHandler, fake_upstream: FakeUpstream, stack: LLMStack
    ) -> None:
        await run(handler, "maze/user_input", {"sessionId": "s1", "message": "one"})
        await run(handler, "maze/template/s1", {"system_prompt": "Fresh."})
        await run(handler, "maze/user_input", {"sessionId": "s1", "message": "two"})
        assert sent_messages(fake_upstream) == [
            {"role": "system", "content": "Fresh."},
            {"role": "user", "content": "two"},
        ]


class TestErrors:
    async def test_an_llm_failure_is_an_error_reply_never_an_answer(
        self, handler: GameHandler, fake_upstream: FakeUpstream, stack: LLMStack
    ) -> None:
        fake_upstream.fault = Fault(mode="http_500")
        payload = {"sessionId": "s1", "message": "hi", "requestId": "r1"}
        publisher = await run(handler, "maze/user_input", payload)
        body = publisher.bodies()[0]
        assert publisher.sent[0].topic == "maze/assistant_response/s1"
        assert (body["code"], body["requestId"]) == ("llm_unavailable", "r1")
        assert body["error"]
        record = await stack.sessions.history(SessionKey("mqtt:maze", "maze", "s1"))
        assert record is None or not any(m.role == "assistant" for m in record.messages)
        fake_upstream.fault = Fault()
        again = await run(handler, "maze/user_input", payload | {"requestId": "r2"})
        assert again.sent[0].payload == b"Echo: hi"

    async def test_a_cut_stream_is_an_error_after_its_deltas(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="cut", after_chunks=2)
        payload = {"sessionId": "s1", "message": "a long question", "stream": True}
        bodies = (await run(handler, "maze/user_input", payload)).bodies()
        assert len(bodies) >= 2
        assert [b["seq"] for b in bodies[:-1]] == list(range(len(bodies) - 1))
        assert bodies[-1]["code"] == "llm_unavailable"


class TestStates:
    async def test_a_maze_state_is_answered_with_a_top_level_hint(
        self, handler: GameHandler, fake_upstream: FakeUpstream, events: Events
    ) -> None:
        fake_upstream.reply = '{"hint": "Go right", "path": [[2, 1], [3, 1]], "junk": 1}'
        publisher = await run(handler, "maze/state", MAZE_STATE | {"requestId": "q1"})
        hint = publisher.sent[0]
        body = json.loads(hint.payload)
        assert hint.topic == "maze/hint/m1"
        assert body["hint"] == "Go right"
        assert body["path"] == [[2, 1], [3, 1]]
        assert "junk" not in body
        assert (body["sessionId"], body["requestId"]) == ("m1", "q1")
        assert [e.kind for e in events.seen] == ["state", "hint"]

    async def test_an_unreadable_answer_is_an_error_with_the_raw_text(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "I would rather not say."
        body = (await run(handler, "maze/state", MAZE_STATE)).bodies()[0]
        assert body["code"] == "invalid_hint"
        assert body["raw"] == "I would rather not say."

    async def test_a_repeated_state_is_flagged_as_stuck(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = '{"hint": "Go right"}'
        await run(handler, "maze/state", MAZE_STATE)
        assert "STUCK" not in sent_messages(fake_upstream)[-1]["content"]
        await run(handler, "maze/state", MAZE_STATE)
        assert "STUCK" in sent_messages(fake_upstream)[-1]["content"]

    async def test_the_browsers_prompt_template_is_the_system_prompt(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = '{"hint": "Up"}'
        state = MAZE_STATE | {
            "prompt_template": {"title": "T", "content": "Guide me.", "version": 1}
        }
        await run(handler, "maze/state", state)
        assert sent_messages(fake_upstream)[0] == {"role": "system", "content": "Guide me."}

    async def test_other_games_states_are_compact_json_and_any_action(
        self, handler: GameHandler, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = 'Sure! {"hint": "Brake now", "action": "brake"}'
        state = {"sessionId": "d1", "speed": 42, "apiKey": "pp_secret"}
        body = (await run(handler, "driving/state", state)).bodies()[0]
        assert (body["hint"], body["action"]) == ("Brake now", "brake")
        question = sent_messages(fake_upstream)[-1]["content"]
        assert '{"speed":42}' in question
        assert "pp_secret" not in question


class TestKeylessPlayersCaps:
    async def test_each_keyless_player_has_its_own_per_user_cap(
        self, fake_upstream: FakeUpstream
    ) -> None:
        """One owner stands for all of a project's keyless players; the per-user cap must
        count each game session, or a few players would lock the rest out."""
        settings = LLMSettings.model_validate(
            {"server_url": fake_upstream.url, "timeout": 10, "per_user_concurrency": 1}
        )
        async with open_llm(settings) as opened:
            handler = make_handler(opened)
            players = [
                run(
                    handler,
                    "maze/user_input",
                    {"sessionId": f"p{n}", "message": "[fault:delay:0.5] go"},
                )
                for n in range(3)
            ]
            answers = await asyncio.gather(*players)
        assert [a.sent[0].payload for a in answers] == [b"Echo: go"] * 3
