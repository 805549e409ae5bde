"""SessionManager against the fake upstream with the in-memory store."""

import asyncio
import contextlib
import time

import anyio
import pytest

from app.llm import (
    ConcurrencyGate,
    LLMClient,
    LLMSettings,
    LLMUnavailable,
    LLMUserLimit,
    MemoryStore,
    SessionKey,
    SessionManager,
    StoredMessage,
    TextDelta,
    TurnResult,
    get_session_manager,
    set_session_manager,
)
from app.llm.sessions import TurnStarted
from tests.fixtures.app import free_port
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = pytest.mark.integration

KEY = SessionKey("alice", "maze", "s1")
OTHER = SessionKey("alice", "maze", "s2")
SETTINGS = LLMSettings.model_validate({"timeout": 5, "connect_timeout": 1, "health_timeout": 1})


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def manager(client: LLMClient, store: MemoryStore) -> SessionManager:
    return SessionManager(client, store, settings=SETTINGS)


class SlowStore(MemoryStore):
    """A store whose answer writes take a while, like a remote database under load."""

    def __init__(self, write_delay: float) -> None:
        super().__init__()
        self.write_delay = write_delay

    async def append_message(self, key: SessionKey, message: StoredMessage) -> None:
        await asyncio.sleep(self.write_delay)
        await super().append_message(key, message)


async def _stored(manager: SessionManager, key: SessionKey = KEY) -> list[tuple[str, str, str]]:
    record = await manager.history(key)
    assert record is not None
    return [(m.role, m.content, m.status) for m in record.messages]


def _sent_roles(fake_upstream: FakeUpstream, index: int = -1) -> list[tuple[str, str]]:
    messages = fake_upstream.requests[index].body["messages"]
    return [(m["role"], m["content"]) for m in messages]


class TestTurn:
    async def test_history_grows_and_is_sent(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        first = await manager.turn(KEY, "one", system_prompt="Be brief.")
        await manager.turn(KEY, "two", system_prompt="Be brief.")
        assert first.response == "Echo: one"
        assert first.session_id == "s1"
        assert _sent_roles(fake_upstream) == [
            ("system", "Be brief."),
            ("user", "one"),
            ("assistant", "Echo: one"),
            ("user", "two"),
        ]
        record = await manager.history(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["one", "Echo: one", "two", "Echo: two"]
        assert all(m.token_count is not None for m in record.messages)

    async def test_a_new_system_prompt_replaces_the_old(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        await manager.turn(KEY, "one", system_prompt="old")
        await manager.turn(KEY, "two", system_prompt="new")
        assert _sent_roles(fake_upstream)[0] == ("system", "new")
        await manager.turn(KEY, "three")
        assert _sent_roles(fake_upstream)[0] == ("system", "new")

    async def test_thinking_never_reaches_history(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = "<think>plan</think>Done."
        result = await manager.turn(KEY, "go")
        record = await manager.history(KEY)
        assert result.response == "Done."
        assert record is not None
        assert record.messages[-1].content == "Done."

    async def test_long_history_is_trimmed_in_blocks(
        self, client: LLMClient, store: MemoryStore, fake_upstream: FakeUpstream
    ) -> None:
        settings = SETTINGS.model_copy(update={"max_history_tokens": 200})
        manager = SessionManager(client, store, settings=settings)
        for number in range(30):
            await manager.turn(KEY, f"message number {number} " + "x" * 40, system_prompt="S")
        sent = _sent_roles(fake_upstream)
        assert sent[0] == ("system", "S")
        assert sent[1][0] == "user"
        assert len(sent) < 2 * 30
        record = await manager.history(KEY)
        assert record is not None
        assert len(record.messages) == 60

    async def test_turn_refused_upstream_stores_nothing(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        await manager.turn(KEY, "one")
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(LLMUnavailable):
            await manager.turn(KEY, "two")
        with pytest.raises(LLMUnavailable):
            await manager.turn(OTHER, "new session")
        record = await manager.history(KEY)
        assert record is not None
        assert len(record.messages) == 2
        assert await manager.history(OTHER) is None

    async def test_answer_cut_midway_stores_the_question_and_a_failed_partial(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        # Chunks spaced out, so both arrive before the connection drops.
        fake_upstream.fault = Fault(mode="cut", after_chunks=2, chunk_delay=0.05)
        with pytest.raises(LLMUnavailable):
            await manager.turn(KEY, "two")
        assert await _stored(manager) == [
            ("user", "two", "complete"),
            ("assistant", "Echo: tw", "failed"),
        ]


class TestAdmission:
    async def test_llm_down_stores_nothing(self, store: MemoryStore) -> None:
        closed = f"http://127.0.0.1:{free_port()}"
        async with LLMClient(SETTINGS, base_url=closed) as down:
            manager = SessionManager(down, store, settings=SETTINGS)
            for _ in range(3):
                with pytest.raises(LLMUnavailable):
                    await manager.turn(KEY, "anyone?", system_prompt="S")
        assert await manager.list_sessions("alice", "maze") == []

    async def test_per_user_cap_stores_nothing(
        self, client: LLMClient, store: MemoryStore, fake_upstream: FakeUpstream
    ) -> None:
        gate = ConcurrencyGate(max_concurrency=8, max_queue=8, queue_timeout=5, per_user=1)
        manager = SessionManager(client, store, settings=SETTINGS, gate=gate)
        fake_upstream.fault = Fault(mode="delay", delay=0.3)
        outcomes = await asyncio.gather(
            manager.turn(KEY, "one"), manager.turn(OTHER, "two"), return_exceptions=True
        )
        refused = KEY if isinstance(outcomes[0], LLMUserLimit) else OTHER
        assert sum(isinstance(o, LLMUserLimit) for o in outcomes) == 1
        assert await manager.history(refused) is None
        assert len(await manager.list_sessions("alice", "maze")) == 1

    async def test_first_event_says_the_question_is_stored(self, manager: SessionManager) -> None:
        stream = manager.stream_turn(KEY, "hello", system_prompt="S")
        assert await anext(stream) == TurnStarted("s1", created=True)
        assert await _stored(manager) == [("user", "hello", "complete")]
        events = [event async for event in stream]
        assert isinstance(events[-1], TurnResult)
        again = manager.stream_turn(KEY, "again")
        assert await anext(again) == TurnStarted("s1", created=False)
        await again.aclose()


class TestStreamTurn:
    async def test_streams_then_stores(self, manager: SessionManager) -> None:
        events = [event async for event in manager.stream_turn(KEY, "hello", system_prompt="S")]
        started, *deltas, final = events
        assert started == TurnStarted("s1", created=True)
        assert isinstance(final, TurnResult)
        assert "".join(d.text for d in deltas if isinstance(d, TextDelta)) == final.response
        assert final.usage is not None
        record = await manager.history(KEY)
        assert record is not None
        assert [m.role for m in record.messages] == ["user", "assistant"]

    async def test_closing_the_stream_stores_the_partial_answer_as_stopped(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        await manager.turn(KEY, "one")
        fake_upstream.fault = Fault(mode="stall", stall=30)
        stream = manager.stream_turn(KEY, "two")
        assert isinstance(await anext(stream), TurnStarted)
        assert isinstance(await anext(stream), TextDelta)
        await stream.aclose()
        assert await fake_upstream.wait_for_disconnect(within=1) is not None
        assert (await _stored(manager))[2:] == [
            ("user", "two", "complete"),
            ("assistant", "Echo", "stopped"),
        ]

    async def test_task_cancelled_before_admission_stores_nothing_and_frees_the_session(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=30)
        task = asyncio.create_task(manager.turn(KEY, "slow"))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await manager.history(KEY) is None
        fake_upstream.fault = Fault()
        await asyncio.wait_for(manager.turn(KEY, "next"), 2)
        assert await _stored(manager) == [
            ("user", "next", "complete"),
            ("assistant", "Echo: next", "complete"),
        ]

    async def test_task_cancelled_mid_answer_stores_the_partial_answer(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        task = asyncio.create_task(manager.turn(KEY, "two"))
        for _ in range(200):  # until the turn is admitted and the stream has stalled
            if await manager.history(KEY) is not None:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _stored(manager) == [
            ("user", "two", "complete"),
            ("assistant", "Echo: tw", "stopped"),
        ]

    async def test_a_cancelled_scope_does_not_cut_the_last_write_short(
        self, client: LLMClient, fake_upstream: FakeUpstream
    ) -> None:
        """anyio (sse-starlette) cancels every await of a cancelled scope, writes included."""
        store = SlowStore(write_delay=0.2)
        manager = SessionManager(client, store, settings=SETTINGS)
        fake_upstream.fault = Fault(mode="stall", stall=30)
        with anyio.move_on_after(1.0):
            async with contextlib.aclosing(manager.stream_turn(KEY, "two")) as stream:
                async for _event in stream:
                    pass
        record = await store.get(KEY)
        assert record is not None
        assert [(m.content, m.status) for m in record.messages] == [
            ("two", "complete"),
            ("Echo: tw", "stopped"),
        ]


class TestContext:
    async def test_a_stopped_answer_is_sent_as_it_was_stored(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="stall", stall=30)
        stream = manager.stream_turn(KEY, "one")
        await anext(stream)
        await anext(stream)
        await stream.aclose()
        fake_upstream.fault = Fault()
        await manager.turn(KEY, "go on")
        assert _sent_roles(fake_upstream) == [
            ("user", "one"),
            ("assistant", "Echo"),
            ("user", "go on"),
        ]

    async def test_an_empty_answer_is_left_out(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.reply = ""
        await manager.turn(KEY, "one")
        fake_upstream.reply = None
        await manager.turn(KEY, "two")
        assert await _stored(manager) == [
            ("user", "one", "complete"),
            ("assistant", "", "complete"),
            ("user", "two", "complete"),
            ("assistant", "Echo: two", "complete"),
        ]
        assert _sent_roles(fake_upstream) == [("user", "one"), ("user", "two")]


class TestConcurrency:
    async def test_two_turns_to_one_session_are_serialised(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=0.2)
        await asyncio.gather(manager.turn(KEY, "first"), manager.turn(KEY, "second"))
        assert fake_upstream.max_in_flight == 1
        assert len(_sent_roles(fake_upstream, 1)) == 3
        record = await manager.history(KEY)
        assert record is not None
        assert len(record.messages) == 4

    async def test_four_sessions_run_side_by_side(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=0.3)
        keys = [SessionKey("alice", "maze", f"s{n}") for n in range(4)]
        started = time.monotonic()
        results = await asyncio.gather(*(manager.turn(k, f"hi {k.session_id}") for k in keys))
        assert time.monotonic() - started < 1.0
        assert fake_upstream.max_in_flight == 4
        assert [r.response for r in results] == [f"Echo: hi s{n}" for n in range(4)]
        assert len(await manager.list_sessions("alice", "maze")) == 4

    async def test_per_user_cap_through_the_gate(
        self, client: LLMClient, store: MemoryStore, fake_upstream: FakeUpstream
    ) -> None:
        gate = ConcurrencyGate(max_concurrency=8, max_queue=8, queue_timeout=5, per_user=1)
        manager = SessionManager(client, store, settings=SETTINGS, gate=gate)
        fake_upstream.fault = Fault(mode="delay", delay=0.3)
        outcomes = await asyncio.gather(
            manager.turn(SessionKey("bob", "maze", "a"), "one"),
            manager.turn(SessionKey("bob", "maze", "b"), "two"),
            return_exceptions=True,
        )
        assert sum(isinstance(o, TurnResult) for o in outcomes) == 1
        assert sum(isinstance(o, LLMUserLimit) for o in outcomes) == 1


class TestProcessMessage:
    async def test_seed_api_through_the_process_manager(self, manager: SessionManager) -> None:
        set_session_manager(manager)
        try:
            answer = await get_session_manager().process_message(
                session_id="test_123", system_prompt="You are helpful.", user_message="Hello!"
            )
        finally:
            set_session_manager(None)
        assert answer == "Echo: Hello!"
        assert await manager.history(SessionKey("local", "general", "test_123")) is not None

    def test_unset_manager_is_a_clear_error(self) -> None:
        with pytest.raises(RuntimeError, match="set_session_manager"):
            get_session_manager()

    async def test_delete(self, manager: SessionManager) -> None:
        await manager.turn(KEY, "one")
        assert await manager.delete(KEY) is True
        assert await manager.history(KEY) is None
