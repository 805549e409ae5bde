"""Line diffs of two versions: as `diff -u` prints them, and as side-by-side rows."""

import time

from app.templates.diff import diff_lines, unified_diff


def rows(old: str, new: str) -> list[tuple[str, str, int | None, int | None]]:
    return [(line.op, line.text, line.old, line.new) for line in diff_lines(old, new)]


class TestDiffLines:
    def test_equal_contents_are_all_equal_rows(self) -> None:
        assert rows("a\nb", "a\nb") == [("equal", "a", 1, 1), ("equal", "b", 2, 2)]

    def test_a_changed_line_is_removed_then_added_with_each_sides_number(self) -> None:
        assert rows("a\nb\nc", "a\nB\nc\nd") == [
            ("equal", "a", 1, 1),
            ("remove", "b", 2, None),
            ("add", "B", None, 2),
            ("equal", "c", 3, 3),
            ("add", "d", None, 4),
        ]

    def test_an_inserted_line_shifts_the_new_numbers(self) -> None:
        assert rows("a\nc", "a\nb\nc") == [
            ("equal", "a", 1, 1),
            ("add", "b", None, 2),
            ("equal", "c", 2, 3),
        ]

    def test_from_empty_everything_is_added(self) -> None:
        assert rows("", "x") == [("add", "x", None, 1)]


class TestUnifiedDiff:
    def test_it_reads_as_diff_u(self) -> None:
        text = unified_diff("a\nb\n", "a\nc\n", old_name="version 1", new_name="version 2")
        assert text == "--- version 1\n+++ version 2\n@@ -1,2 +1,2 @@\n a\n-b\n+c"

    def test_equal_contents_give_an_empty_diff(self) -> None:
        assert unified_diff("same", "same", old_name="1", new_name="2") == ""


class TestCost:
    def test_thousands_of_equal_lines_diff_in_well_under_a_minute(self) -> None:
        # 16,000 equal lines with one change once took minutes of CPU (quadratic matching).
        old = "x\n" * 16_000
        new = "x\n" * 8_000 + "y\n" + "x\n" * 7_999
        started = time.monotonic()
        lines = diff_lines(old, new)
        assert time.monotonic() - started < 10
        # Every line of each side is listed once, in order (the blocks may be coarse).
        assert [line.old for line in lines if line.old is not None] == list(range(1, 16_001))
        assert [line.new for line in lines if line.new is not None] == list(range(1, 16_001))
        assert [line.text for line in lines if line.op == "add"].count("y") == 1
