"""History trimming keeps prompts inside the budget and their prefix stable."""

import itertools
from dataclasses import dataclass

from app.llm.trimming import (
    MESSAGE_OVERHEAD_TOKENS,
    block_boundaries,
    first_kept_index,
    history_budget,
    trim_history,
)


@dataclass(frozen=True)
class Msg:
    role: str
    tokens: int
    content: str = ""


def _turns(count: int, tokens: int = 50) -> list[Msg]:
    messages: list[Msg] = []
    for number in range(count):
        messages.append(Msg("user", tokens, f"q{number}"))
        messages.append(Msg("assistant", tokens, f"a{number}"))
    return messages


def _size(messages: list[Msg], system: int) -> int:
    return system + sum(m.tokens + MESSAGE_OVERHEAD_TOKENS for m in messages)


class TestHistoryBudget:
    def test_capped_by_setting(self) -> None:
        budget = history_budget(
            max_history_tokens=1000, slot_context=8192, max_tokens=512, margin=64
        )
        assert budget == 1000

    def test_capped_by_slot(self) -> None:
        budget = history_budget(
            max_history_tokens=10000, slot_context=8192, max_tokens=512, margin=64
        )
        assert budget == 8192 - 512 - 64

    def test_never_negative(self) -> None:
        budget = history_budget(max_history_tokens=10, slot_context=100, max_tokens=500, margin=0)
        assert budget == 0


class TestTrimHistory:
    def test_keeps_everything_under_budget(self) -> None:
        messages = [*_turns(3), Msg("user", 10)]
        assert trim_history(messages, system_tokens=20, budget=10_000) == messages

    def test_drops_whole_old_turns_until_it_fits(self) -> None:
        messages = [*_turns(20), Msg("user", 54)]
        kept = trim_history(messages, system_tokens=30, budget=1000)
        assert kept[0].role == "user"
        assert kept[-1] == messages[-1]
        assert kept == messages[-len(kept) :]
        assert _size(kept, 30) <= 1000

    def test_keeps_the_new_message_even_when_it_alone_overflows(self) -> None:
        messages = [*_turns(2), Msg("user", 5000)]
        assert trim_history(messages, system_tokens=10, budget=1000) == [messages[-1]]

    def test_boundaries_do_not_move_when_history_grows(self) -> None:
        short = block_boundaries(_turns(10), 300)
        longer = block_boundaries(_turns(30), 300)
        assert longer[: len(short)] == short


class TestPrefixStability:
    """A cut moves rarely and in jumps, so llama.cpp keeps reusing the cached prefix."""

    def test_prefix_is_stable_for_several_turns(self) -> None:
        budget, system = 2000, 100
        history: list[Msg] = []
        starts: list[int] = []
        for turn in range(120):
            messages = [*history, Msg("user", 40 + turn % 7)]
            start = first_kept_index(messages, system_tokens=system, budget=budget)
            assert _size(list(messages[start:]), system) <= budget
            starts.append(start)
            history = [*messages, Msg("assistant", 60 + turn % 5)]
        changes = [i for i in range(1, len(starts)) if starts[i] != starts[i - 1]]
        assert len(changes) >= 3, "history should have been trimmed several times"
        gaps = [later - earlier for earlier, later in itertools.pairwise(changes)]
        assert min(gaps) >= 4, f"the kept prefix changed too often: {changes}"

    def test_a_cut_drops_to_about_the_keep_ratio(self) -> None:
        budget, system = 2000, 100
        history: list[Msg] = []
        previous = 0
        for _ in range(80):
            messages = [*history, Msg("user", 45)]
            start = first_kept_index(messages, system_tokens=system, budget=budget)
            if start != previous:
                size = _size(list(messages[start:]), system)
                assert size <= 0.7 * budget + 2 * (70 + MESSAGE_OVERHEAD_TOKENS)
            previous = start
            history = [*messages, Msg("assistant", 70)]
