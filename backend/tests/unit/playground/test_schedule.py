"""Which cells wait for their version's first cell to warm the KV cache."""

from app.playground.cells import CellJob
from app.playground.schedule import PRIME_MIN_CHARS, primers, shared_prompt_chars
from app.playground.store import CellOutcome

LONG = "Rule. " * (PRIME_MIN_CHARS // 5)


def job(v: int, i: int, system: str, message: str = "Hi") -> CellJob:
    outcome = CellOutcome(v=v, i=i, template_id=1, version=v + 1)
    messages = [{"role": "system", "content": system}, {"role": "user", "content": message}]
    return CellJob(outcome, messages)


def test_the_shared_part_is_the_common_prefix_of_all_prompts() -> None:
    jobs = [job(0, 0, "abcX"), job(0, 1, "abcY"), job(0, 2, "abZ")]
    assert shared_prompt_chars(jobs) == 2
    assert shared_prompt_chars([job(0, 0, "same"), job(0, 1, "same")]) == 4
    assert shared_prompt_chars([job(0, 0, "ab"), job(0, 1, "abc")]) == 2


def test_a_long_shared_prompt_makes_the_versions_other_cells_wait_for_its_first() -> None:
    jobs = [job(v, i, f"{LONG} v{v}", f"question {i}") for v in range(2) for i in range(3)]
    assert primers(jobs) == {(0, 1): (0, 0), (0, 2): (0, 0), (1, 1): (1, 0), (1, 2): (1, 0)}


def test_short_or_differing_prompts_all_start_at_once() -> None:
    short = [job(0, i, f"Be brief {i}") for i in range(3)]
    differing = [job(1, i, f"{i} {LONG}") for i in range(3)]
    alone = [job(2, 0, LONG)]
    assert primers(short + differing + alone) == {}


def test_a_version_whose_first_input_failed_waits_for_its_first_runnable_cell() -> None:
    jobs = [job(0, 2, LONG + "a"), job(0, 1, LONG + "b")]
    assert primers(jobs) == {(0, 2): (0, 1)}
