"""The game handler without a model: admission, ownership, templates, clear/delete, results.

Turns that need the model are in ``tests/integration/mqtt/test_handler.py``; nothing here
sends a request anywhere (the client points at a closed port and is never called).
"""

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.llm import LLMClient, LLMSettings, MemoryStore, SessionKey, SessionManager, StoredMessage
from app.mqtt.handler import GameHandler, KeylessOwners, NotServed
from app.mqtt.messages import GameEvent, Incoming, Job, Outgoing
from app.mqtt.projects import ProjectPrompts
from app.mqtt.settings import MqttSettings

SETTINGS = LLMSettings.model_validate({"timeout": 5, "connect_timeout": 1})
MQTT = MqttSettings(projects=["maze", "driving"], max_payload_bytes=2048)
PROMPTS = ProjectPrompts(["maze", "driving"])
ALICE, BOB = "pp_alice_key", "pp_bob_key"


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

    def kinds(self) -> list[str]:
        return [e.kind for e in self.seen]


class KeyOwners:
    """Alice's and Bob's keys; keyless messages are the project's."""

    async def owner_of(self, project: str, api_key: str | None) -> str:
        if api_key is None:
            return f"mqtt:{project}"
        owner = {ALICE: "alice", BOB: "bob"}.get(api_key)
        if owner is None:
            raise NotServed("invalid_api_key", "This API key is not valid")
        return owner


class Results:
    def __init__(self) -> None:
        self.stored: list[dict[str, Any]] = []

    async def store(self, **result: Any) -> None:
        self.stored.append(result)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[LLMClient]:
    async with LLMClient(SETTINGS, base_url="http://127.0.0.1:9") as llm:
        yield llm


@pytest.fixture
def sessions(client: LLMClient, store: MemoryStore) -> SessionManager:
    return SessionManager(client, store, settings=SETTINGS)


@pytest.fixture
def publisher() -> Publisher:
    return Publisher()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def results() -> Results:
    return Results()


@pytest.fixture
def handler(sessions: SessionManager, events: Events, results: Results) -> GameHandler:
    return GameHandler(
        sessions=sessions,
        prompts=PROMPTS,
        owners=KeyOwners(),
        settings=MQTT,
        results=results,
        events=events,
    )


def incoming(topic: str, payload: Any, **props: Any) -> Incoming:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return Incoming(topic=topic, payload=raw, **props)


def job(handler: GameHandler, topic: str, payload: Any, **props: Any) -> Job:
    accepted = handler.accept(incoming(topic, payload, **props))
    assert isinstance(accepted, Job), accepted
    return accepted


def error_of(outgoing: Job | Outgoing | None) -> tuple[str, dict[str, Any]]:
    assert isinstance(outgoing, Outgoing), outgoing
    return outgoing.topic, json.loads(outgoing.payload)


async def seed(store: MemoryStore, key: SessionKey, text: str = "hello") -> None:
    await store.start_turn(key, StoredMessage("user", text), system_prompt="seeded")
    await store.append_message(key, StoredMessage("assistant", "answer"))


class TestSubscriptions:
    def test_every_inbound_topic_of_each_served_project(self, handler: GameHandler) -> None:
        filters = handler.subscriptions()
        assert "maze/user_input" in filters
        assert "driving/result/+" in filters
        assert {"maze/template", "maze/template/+"} <= set(filters)
        assert not any(f.startswith(("racing/", "$share")) for f in filters)

    def test_a_project_without_a_prompt_is_not_served(self, sessions: SessionManager) -> None:
        settings = MqttSettings(projects=["maze", "racing"])
        handler = GameHandler(
            sessions=sessions, prompts=PROMPTS, owners=KeylessOwners(), settings=settings
        )
        assert handler.projects == ["maze"]


class TestAccept:
    def test_a_request_becomes_an_ordered_deduplicated_job(self, handler: GameHandler) -> None:
        payload = {"sessionId": "s1", "message": "hi", "requestId": "r1", "expiresAt": 2e9}
        accepted = job(handler, "maze/user_input", payload, expires_at=1.9e9)
        assert (accepted.project, accepted.kind, accepted.session_id) == (
            "maze",
            "user_input",
            "s1",
        )
        assert accepted.dedup_key == "maze/user_input/-/s1/r1"
        assert accepted.ordering_key == "maze/-/s1"
        assert accepted.expires_at == 1.9e9  # the earlier deadline

    def test_senders_with_other_keys_are_ordered_apart(self, handler: GameHandler) -> None:
        keyless = job(handler, "maze/user_input", {"sessionId": "s1", "message": "a"})
        keyed = job(
            handler, "maze/user_input", {"sessionId": "s1", "message": "a", "apiKey": ALICE}
        )
        by_property = job(
            handler,
            "maze/user_input",
            {"sessionId": "s1", "message": "a"},
            user_properties=(("api-key", ALICE),),
        )
        assert keyless.ordering_key != keyed.ordering_key == by_property.ordering_key
        assert ALICE not in keyed.ordering_key

    def test_another_sender_or_kind_cannot_use_up_a_request_id(self, handler: GameHandler) -> None:
        payload = {"sessionId": "s1", "message": "a", "requestId": "r1"}
        owner = job(handler, "maze/user_input", {**payload, "apiKey": ALICE}).dedup_key
        keyless = job(handler, "maze/user_input", payload).dedup_key
        other_key = job(handler, "maze/user_input", {**payload, "apiKey": ALICE + "x"}).dedup_key
        state = job(handler, "maze/state", {**payload, "apiKey": ALICE}).dedup_key
        again = job(handler, "maze/user_input", {**payload, "apiKey": ALICE}).dedup_key
        assert len({owner, keyless, other_key, state}) == 4
        assert again == owner  # a true redelivery is still recognised

    def test_no_request_id_no_dedup(self, handler: GameHandler) -> None:
        assert (
            job(handler, "maze/user_input", {"sessionId": "s1", "message": "a"}).dedup_key is None
        )

    def test_malformed_json_is_answered_when_the_session_can_be_read(
        self, handler: GameHandler, caplog: pytest.LogCaptureFixture
    ) -> None:
        broken = b'{"sessionId": "s1", "requestId": "r1", "message": '
        topic, body = error_of(handler.accept(incoming("maze/user_input", broken)))
        assert topic == "maze/assistant_response/s1"
        assert body["code"] == "malformed_json"
        assert "malformed_json" in caplog.text

    def test_garbage_without_a_session_is_only_logged(
        self, handler: GameHandler, caplog: pytest.LogCaptureFixture, events: Events
    ) -> None:
        with caplog.at_level(logging.WARNING):
            assert handler.accept(incoming("maze/user_input", b"\xff\xfe not json")) is None
        assert "no reply topic known" in caplog.text
        assert events.kinds() == ["error"]

    def test_an_oversize_payload_is_refused_to_its_session(self, handler: GameHandler) -> None:
        payload = {"sessionId": "big", "message": "x" * 5000}
        topic, body = error_of(handler.accept(incoming("maze/user_input", payload)))
        assert (topic, body["code"]) == ("maze/assistant_response/big", "payload_too_large")

    def test_missing_session_id_with_a_response_topic(self, handler: GameHandler) -> None:
        message = incoming(
            "maze/user_input",
            {"message": "hi"},
            response_topic="maze/client/replies",
            correlation_data=b"c1",
        )
        outgoing = handler.accept(message)
        assert isinstance(outgoing, Outgoing)
        assert (outgoing.topic, outgoing.correlation_data) == ("maze/client/replies", b"c1")
        assert json.loads(outgoing.payload)["code"] == "missing_session_id"

    def test_missing_session_id_without_a_reply_topic_is_logged(
        self, handler: GameHandler, caplog: pytest.LogCaptureFixture
    ) -> None:
        assert handler.accept(incoming("maze/user_input", {"message": "hi"})) is None
        assert "missing_session_id" in caplog.text

    def test_a_foreign_reply_topic_is_refused_on_the_default_topic(
        self, handler: GameHandler
    ) -> None:
        payload = {"sessionId": "s1", "message": "hi", "replyTopic": "driving/assistant_response/x"}
        topic, body = error_of(handler.accept(incoming("maze/user_input", payload)))
        assert (topic, body["code"]) == ("maze/assistant_response/s1", "invalid_reply_topic")

    def test_a_valid_reply_topic_receives_other_errors(self, handler: GameHandler) -> None:
        reply = "maze/assistant_response/s1/c/1"
        payload = {"sessionId": "s1", "message": "hi", "replyTopic": reply, "temperature": 9}
        topic, body = error_of(handler.accept(incoming("maze/user_input", payload)))
        assert (topic, body["code"]) == (reply, "invalid_request")
        assert "temperature" in body["error"]

    def test_a_response_topic_that_would_loop_is_refused(self, handler: GameHandler) -> None:
        message = incoming(
            "maze/user_input", {"sessionId": "s1", "message": "hi"}, response_topic="maze/state"
        )
        topic, body = error_of(handler.accept(message))
        assert (topic, body["code"]) == ("maze/assistant_response/s1", "invalid_reply_topic")

    def test_state_errors_go_to_the_hint_topic(self, handler: GameHandler) -> None:
        payload = {"sessionId": "s1", "player_pos": [1, 1], "temperature": "hot"}
        topic, body = error_of(handler.accept(incoming("maze/state", payload)))
        assert (topic, body["code"]) == ("maze/hint/s1", "invalid_request")

    def test_unknown_projects_and_topics_are_dropped(
        self, handler: GameHandler, caplog: pytest.LogCaptureFixture
    ) -> None:
        assert handler.accept(incoming("chess/user_input", {"sessionId": "s"})) is None
        assert handler.accept(incoming("maze/assistant_response/s1", b"hi")) is None
        assert "unknown_project" in caplog.text

    def test_a_json_array_is_refused(self, handler: GameHandler) -> None:
        topic, body = error_of(handler.accept(incoming("maze/template/s1", [1, 2])))
        assert (topic, body["code"]) == ("maze/assistant_response/s1", "invalid_request")

    @pytest.mark.parametrize("kind", ["clear_history", "delete_session"])
    def test_an_empty_payload_names_its_session_by_the_topic(
        self, handler: GameHandler, kind: str
    ) -> None:
        accepted = job(handler, f"maze/{kind}/s7", b"")
        assert (accepted.kind, accepted.session_id) == (kind, "s7")

    def test_an_empty_payload_without_a_session_is_not_json(self, handler: GameHandler) -> None:
        assert handler.accept(incoming("maze/user_input", b"")) is None

    @pytest.mark.parametrize("kind", ["template", "clear_history", "delete_session"])
    async def test_a_session_change_without_an_id_touches_nobody(
        self,
        handler: GameHandler,
        store: MemoryStore,
        kind: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        key = SessionKey("mqtt:maze", "maze", "s1")
        await seed(store, key)
        assert handler.accept(incoming(f"maze/{kind}", {"template": "evil"})) is None
        assert f"A {kind} message needs a session id" in caplog.text
        assert await store.get(key) is not None


class TestOwnership:
    async def test_a_wrong_key_is_refused_with_its_code(
        self, handler: GameHandler, publisher: Publisher, store: MemoryStore
    ) -> None:
        key = SessionKey("mqtt:maze", "maze", "s1")
        await seed(store, key)
        await handler.run(job(handler, "maze/clear_history/s1", {"apiKey": "pp_wrong"}), publisher)
        assert publisher.sent[0].topic == "maze/assistant_response/s1"
        assert publisher.bodies()[0]["code"] == "invalid_api_key"
        assert await store.get(key) is not None

    async def test_another_key_cannot_clear_a_users_session(
        self, handler: GameHandler, publisher: Publisher, store: MemoryStore
    ) -> None:
        alice = SessionKey("alice", "maze", "s1")
        await seed(store, alice)
        await handler.run(job(handler, "maze/clear_history/s1", {"apiKey": BOB}), publisher)
        await handler.run(job(handler, "maze/delete_session", {"sessionId": "s1"}), publisher)
        assert await store.get(alice) is not None
        await handler.run(job(handler, "maze/clear_history/s1", {"apiKey": ALICE}), publisher)
        assert await store.get(alice) is None
        assert publisher.sent == []

    async def test_keyless_owners_serve_their_projects_only(self) -> None:
        owners = KeylessOwners(["maze"])
        assert await owners.owner_of("maze", "pp_ignored") == "mqtt:maze"
        with pytest.raises(NotServed) as refused:
            await owners.owner_of("driving", None)
        assert refused.value.code == "unknown_project"


class TestTemplate:
    async def test_reset_clears_only_that_sessions_history(
        self, handler: GameHandler, publisher: Publisher, store: MemoryStore, events: Events
    ) -> None:
        mine, other = SessionKey("mqtt:maze", "maze", "s1"), SessionKey("mqtt:maze", "maze", "s2")
        await seed(store, mine)
        await seed(store, other)
        await handler.run(job(handler, "maze/template/s1", {"template": "Be a pirate."}), publisher)
        assert await store.get(mine) is None
        assert await store.get(other) is not None
        assert events.kinds() == ["template"]
        assert publisher.sent == []

    async def test_reset_false_keeps_the_history(
        self, handler: GameHandler, publisher: Publisher, store: MemoryStore
    ) -> None:
        key = SessionKey("mqtt:maze", "maze", "s1")
        await seed(store, key)
        payload = {"system_prompt": "Be brief.", "reset": False}
        await handler.run(job(handler, "maze/template/s1", payload), publisher)
        assert await store.get(key) is not None

    async def test_without_text_it_is_an_error_reply(
        self, handler: GameHandler, publisher: Publisher
    ) -> None:
        await handler.run(job(handler, "maze/template/s1", {"reset": True}), publisher)
        assert publisher.bodies()[0]["code"] == "invalid_request"

    async def test_a_portal_reference_is_not_served_yet(
        self, handler: GameHandler, publisher: Publisher
    ) -> None:
        payload = {"template": {"id": 12, "version": 3}}
        await handler.run(job(handler, "maze/template/s1", payload), publisher)
        assert publisher.bodies()[0]["code"] == "unknown_template"


class TestClearAndDelete:
    @pytest.mark.parametrize(
        ("topic", "payload"),
        [
            ("maze/clear_history/s1", {}),
            ("maze/clear_history", {"session_id": "s1"}),
            ("maze/delete_session/s1", {}),
            ("maze/delete_session", {"sessionId": "s1"}),
        ],
    )
    async def test_drop_the_named_session(
        self,
        handler: GameHandler,
        publisher: Publisher,
        store: MemoryStore,
        topic: str,
        payload: dict[str, Any],
    ) -> None:
        key, other = SessionKey("mqtt:maze", "maze", "s1"), SessionKey("mqtt:maze", "maze", "s2")
        await seed(store, key)
        await seed(store, other)
        await handler.run(job(handler, topic, payload), publisher)
        assert await store.get(key) is None
        assert await store.get(other) is not None


class TestResult:
    async def test_stored_raw_with_the_sessions_template(
        self, handler: GameHandler, publisher: Publisher, results: Results, events: Events
    ) -> None:
        await handler.run(job(handler, "maze/template/s1", {"template": "Go left."}), publisher)
        payload = {"score": 42, "won": True, "steps": 17, "apiKey": None}
        await handler.run(job(handler, "maze/result/s1", payload), publisher)
        assert results.stored == [
            {
                "project": "maze",
                "owner": "mqtt:maze",
                "session_id": "s1",
                "template": "Go left.",
                "template_id": None,
                "template_version": None,
                "payload": {"score": 42, "won": True, "steps": 17},
            }
        ]
        assert events.kinds() == ["template", "result"]

    async def test_a_users_result_is_theirs_with_the_default_prompt(
        self, handler: GameHandler, publisher: Publisher, results: Results
    ) -> None:
        await handler.run(
            job(handler, "driving/result/s9", {"apiKey": ALICE, "score": 1}), publisher
        )
        stored = results.stored[0]
        assert (stored["owner"], stored["payload"]) == ("alice", {"score": 1})
        assert stored["template"] == PROMPTS.default_prompt("driving")

    async def test_the_stored_sessions_prompt_when_no_template_was_sent(
        self, handler: GameHandler, publisher: Publisher, results: Results, store: MemoryStore
    ) -> None:
        await seed(store, SessionKey("mqtt:maze", "maze", "s1"))
        await handler.run(job(handler, "maze/result/s1", {"won": False}), publisher)
        assert results.stored[0]["template"] == "seeded"

    async def test_a_failing_store_becomes_an_error_reply(
        self, sessions: SessionManager, publisher: Publisher, caplog: pytest.LogCaptureFixture
    ) -> None:
        class Broken:
            async def store(self, **_: Any) -> None:
                raise RuntimeError("disk full")

        handler = GameHandler(
            sessions=sessions,
            prompts=PROMPTS,
            owners=KeylessOwners(),
            settings=MQTT,
            results=Broken(),
        )
        await handler.run(job(handler, "maze/result/s1", {"won": True}), publisher)
        assert publisher.bodies()[0]["code"] == "internal_error"
        assert "disk full" in caplog.text
