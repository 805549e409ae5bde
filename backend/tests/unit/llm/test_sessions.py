"""The in-memory session store, per-session locks, and where a rewriting turn cuts history."""

import asyncio

import pytest

from app.llm import MemoryLocks, MemoryStore, SessionKey, SessionRecord, StoredMessage
from app.llm.rewind import Rewind, SessionNotFound, kept_history

KEY = SessionKey("alice", "maze", "s1")


class TestMemoryStore:
    async def test_start_turn_creates_the_session_with_the_question(self) -> None:
        store = MemoryStore()
        created = await store.start_turn(
            KEY, StoredMessage("user", "hi"), system_prompt="Be brief."
        )
        record = await store.get(KEY)
        assert created is True
        assert record is not None
        assert record.system_prompt == "Be brief."
        assert [(m.role, m.content) for m in record.messages] == [("user", "hi")]

    async def test_turn_is_stored_in_two_writes(self) -> None:
        store = MemoryStore()
        await store.start_turn(KEY, StoredMessage("user", "hi"), system_prompt=None)
        answer = StoredMessage("assistant", "y", status="stopped")
        await store.append_message(KEY, answer)
        record = await store.get(KEY)
        assert record is not None
        assert [(m.role, m.content, m.status) for m in record.messages] == [
            ("user", "hi", "complete"),
            ("assistant", "y", "stopped"),
        ]
        assert record.updated_at == answer.created_at

    async def test_a_later_turn_keeps_or_replaces_the_system_prompt(self) -> None:
        store = MemoryStore()
        assert await store.start_turn(KEY, StoredMessage("user", "1"), system_prompt="old")
        assert not await store.start_turn(KEY, StoredMessage("user", "2"), system_prompt=None)
        kept = await store.get(KEY)
        await store.start_turn(KEY, StoredMessage("user", "3"), system_prompt="new")
        replaced = await store.get(KEY)
        assert kept is not None
        assert replaced is not None
        assert (kept.system_prompt, replaced.system_prompt) == ("old", "new")
        assert len(replaced.messages) == 3

    async def test_answer_to_a_deleted_session_is_a_no_op(self) -> None:
        store = MemoryStore()
        await store.append_message(KEY, StoredMessage("assistant", "yo"))
        assert await store.get(KEY) is None

    async def test_list_is_scoped_and_titled(self) -> None:
        store = MemoryStore()
        await store.start_turn(KEY, StoredMessage("user", "x" * 100), system_prompt=None)
        await store.append_message(KEY, StoredMessage("assistant", "y"))
        question = StoredMessage("user", "q")
        await store.start_turn(SessionKey("bob", "maze", "s2"), question, system_prompt=None)
        await store.start_turn(SessionKey("alice", "racing", "s3"), question, system_prompt=None)
        (summary,) = await store.list("alice", "maze")
        assert summary.key == KEY
        assert summary.message_count == 2
        assert len(summary.title) <= 60
        assert summary.title.endswith("…")

    async def test_delete(self) -> None:
        store = MemoryStore()
        await store.start_turn(KEY, StoredMessage("user", "q"), system_prompt=None)
        assert await store.delete(KEY) is True
        assert await store.delete(KEY) is False

    async def test_start_turn_after_drops_the_rest_then_stores_the_question(self) -> None:
        store = MemoryStore()
        for text in ("1", "2"):
            await store.start_turn(KEY, StoredMessage("user", text), system_prompt=None)
            await store.append_message(KEY, StoredMessage("assistant", f"a{text}"))
        edited = StoredMessage("user", "2'")
        assert await store.start_turn_after(KEY, 2, edited) is True
        record = await store.get(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["1", "a1", "2'"]
        assert record.updated_at == edited.created_at
        await store.start_turn_after(KEY, 1, None)
        record = await store.get(KEY)
        assert record is not None
        assert [m.content for m in record.messages] == ["1"]

    async def test_start_turn_after_on_a_missing_session_is_a_no_op(self) -> None:
        store = MemoryStore()
        assert await store.start_turn_after(KEY, 0, StoredMessage("user", "q")) is False
        assert await store.get(KEY) is None


async def _store_with(*roles: str) -> MemoryStore:
    store = MemoryStore()
    for index, role in enumerate(roles):
        message = StoredMessage(role, f"m{index}")
        if index == 0:
            await store.start_turn(KEY, message, system_prompt="S")
        else:
            await store.append_message(KEY, message)
    return store


def _keep(count: int) -> Rewind:
    async def rewind(_: SessionRecord) -> int:
        return count

    return rewind


class TestKeptHistory:
    async def test_keeps_the_first_messages_and_the_system_prompt(self) -> None:
        store = await _store_with("user", "assistant", "user", "assistant")
        kept = await kept_history(store, KEY, _keep(3), None)
        assert (kept.keep, kept.system_prompt) == (3, "S")
        assert [m.content for m in kept.messages] == ["m0", "m1", "m2"]

    async def test_a_missing_session_is_not_found(self) -> None:
        with pytest.raises(SessionNotFound):
            await kept_history(MemoryStore(), KEY, _keep(0), "q")

    @pytest.mark.parametrize("keep", [-1, 3])
    async def test_a_cut_outside_the_history_is_a_bug(self, keep: int) -> None:
        store = await _store_with("user", "assistant")
        with pytest.raises(ValueError, match="cannot keep"):
            await kept_history(store, KEY, _keep(keep), "q")

    @pytest.mark.parametrize("keep", [0, 2])
    async def test_answering_again_needs_a_question_last(self, keep: int) -> None:
        store = await _store_with("user", "assistant")
        with pytest.raises(ValueError, match="ends with a question"):
            await kept_history(store, KEY, _keep(keep), None)

    async def test_a_refusing_rewind_stops_the_turn(self) -> None:
        store = await _store_with("user", "assistant")

        async def refuse(_: SessionRecord) -> int:
            raise LookupError("no such message")

        with pytest.raises(LookupError, match="no such message"):
            await kept_history(store, KEY, refuse, "q")


class TestMemoryLocks:
    async def test_serialises_holders_of_one_key(self) -> None:
        locks = MemoryLocks()
        order: list[str] = []

        async def hold(name: str) -> None:
            async with locks.lock(KEY):
                order.append(f"{name} in")
                await asyncio.sleep(0.01)
                order.append(f"{name} out")

        await asyncio.gather(hold("a"), hold("b"))
        assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])

    async def test_other_keys_do_not_wait(self) -> None:
        locks = MemoryLocks()
        async with locks.lock(KEY), locks.lock(SessionKey("alice", "maze", "other")):
            pass

    async def test_entries_are_cleaned_up(self) -> None:
        locks = MemoryLocks()
        async with locks.lock(KEY):
            assert len(locks) == 1
        assert len(locks) == 0
