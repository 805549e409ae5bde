"""The in-memory session store and per-session locks."""

import asyncio

from app.llm import MemoryLocks, MemoryStore, SessionKey, StoredMessage

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
