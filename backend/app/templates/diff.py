"""Line diffs between two versions' contents, as a unified diff and as rows for a side-by-side
view: pure, no I/O."""

import difflib

from app.templates.schemas import DiffLine


def split_lines(content: str) -> list[str]:
    """The content's lines without their endings (a final newline adds no empty line)."""
    return content.splitlines()


def unified_diff(old: str, new: str, *, old_name: str, new_name: str) -> str:
    """A unified diff, as `diff -u` would print it (empty when the contents are equal)."""
    lines = difflib.unified_diff(
        split_lines(old), split_lines(new), fromfile=old_name, tofile=new_name, lineterm=""
    )
    return "\n".join(lines)


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """Every line of both sides once: kept, removed (with its old number) or added (new one).

    A changed block lists its removed lines before its added ones, as a unified diff does.
    """
    before, after = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    rows: list[DiffLine] = []
    for op, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if op == "equal":
            rows.extend(
                DiffLine(
                    op="equal",
                    text=before[old_start + k],
                    old=old_start + k + 1,
                    new=new_start + k + 1,
                )
                for k in range(old_end - old_start)
            )
            continue
        rows.extend(
            DiffLine(op="remove", text=before[n], old=n + 1) for n in range(old_start, old_end)
        )
        rows.extend(DiffLine(op="add", text=after[n], new=n + 1) for n in range(new_start, new_end))
    return rows
