"""SessionManager against the fake upstream with the in-memory store."""

import asyncio
import time
from collections.abc import AsyncIterator

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
    TextDelta,
    TurnResult,
    get_session_manager,
    set_session_manager,
)
from tests.fixtures.fake_upstream import FakeUpstream, Fault

pytestmark = pytest.mark.integration

KEY = SessionKey("alice", "maze", "s1")
SETTINGS = LLMSettings.model_validate({"timeout": 5, "connect_timeout": 1, "health_timeout": 1})


@pytest.fixture
async def client(fake_upstream: FakeUpstream) -> AsyncIterator[LLMClient]:
    async with LLMClient(SETTINGS, base_url=fake_upstream.url) as llm:
        yield llm


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def manager(client: LLMClient, store: MemoryStore) -> SessionManager:
    return SessionManager(client, store, settings=SETTINGS)


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

    async def test_failed_turn_is_not_stored(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        await manager.turn(KEY, "one")
        fake_upstream.fault = Fault(mode="http_500")
        with pytest.raises(LLMUnavailable):
            await manager.turn(KEY, "two")
        record = await manager.history(KEY)
        assert record is not None
        assert len(record.messages) == 2


class TestStreamTurn:
    async def test_streams_then_stores(self, manager: SessionManager) -> None:
        events = [event async for event in manager.stream_turn(KEY, "hello", system_prompt="S")]
        *deltas, final = events
        assert isinstance(final, TurnResult)
        assert "".join(d.text for d in deltas if isinstance(d, TextDelta)) == final.response
        assert final.usage is not None
        record = await manager.history(KEY)
        assert record is not None
        assert [m.role for m in record.messages] == ["user", "assistant"]

    async def test_cancelled_turn_is_not_stored_and_upstream_stops(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        await manager.turn(KEY, "one")
        fake_upstream.fault = Fault(mode="stall", stall=30)
        stream = manager.stream_turn(KEY, "two")
        assert isinstance(await anext(stream), TextDelta)
        await stream.aclose()
        assert await fake_upstream.wait_for_disconnect(within=1) is not None
        record = await manager.history(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["one", "Echo: one"]

    async def test_cancelled_task_is_not_stored_and_releases_the_session(
        self, manager: SessionManager, fake_upstream: FakeUpstream
    ) -> None:
        fake_upstream.fault = Fault(mode="delay", delay=30)
        task = asyncio.create_task(manager.turn(KEY, "slow"))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await manager.history(KEY) is not None
        fake_upstream.fault = Fault()
        await asyncio.wait_for(manager.turn(KEY, "next"), 2)
        record = await manager.history(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["next", "Echo: next"]


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
