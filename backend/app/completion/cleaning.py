"""Turn a raw model continuation into ghost text that can be inserted as-is.

Small models chat instead of continuing ("Here is the completion: ..."), wrap answers in
quotes, or repeat the input. Each rule below removes one of those habits.
"""

import re

from app.completion.kinds import CompletionKind

_CHATTER = re.compile(
    r"^\s*(sure[,!.]?\s*)?"
    r"(here(?:'s| is)[^:\n]*:|the (?:completed|continued) text[^:\n]*:|completion:)\s*",
    re.IGNORECASE,
)
_QUOTES = ('"', "'", "`", "“", "”")
_MIN_OVERLAP = 8
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_WORD_END = ".,;:!?"


def _drop_echo(completion: str, text: str) -> str:
    """Remove a repeated copy of the input (or of its last part) from the start."""
    stripped = completion.lstrip()
    if text and stripped.startswith(text):
        return stripped[len(text) :]
    tail = text[-200:]
    for size in range(len(tail), _MIN_OVERLAP - 1, -1):
        if stripped.startswith(tail[-size:]):
            return stripped[size:]
    return completion


def _unquote(completion: str) -> str:
    inner = completion.strip()
    if len(inner) >= 2 and inner[0] in _QUOTES and inner[-1] in _QUOTES:
        return inner[1:-1]
    return completion


def _space_after(text: str, completion: str, *, rewritten: bool) -> str:
    """One space between words, never two.

    The model's own tokens carry their leading space (" fox"), so it is kept; only when the
    start was rewritten (chatter, quotes or echo removed) is a missing space put back.
    """
    if not completion or not text:
        return completion
    if text[-1].isspace():
        return completion.lstrip(" \t")
    if rewritten and (text[-1].isalnum() or text[-1] in _WORD_END) and completion[0].isalnum():
        return " " + completion
    return completion


def _stay_on_the_line(completion: str, kind: CompletionKind) -> str:
    """Ghost text continues the line the cursor is on.

    Small models often open with a line break; for a one-line kind that would leave nothing
    after the cut, for prose it would start a new paragraph mid-sentence. Code keeps it.
    """
    if kind.name == "code":
        return completion
    return completion.lstrip("\r\n")


def _cut_at_boundary(completion: str, kind: CompletionKind) -> str:
    if not kind.single_line:
        return completion.rstrip()
    line = completion.split("\n", 1)[0]
    if kind.name == "message":
        match = _SENTENCE_END.search(line)
        line = line[: match.start()] if match else line
    return line.rstrip()


def clean_completion(raw: str, *, text: str, kind: CompletionKind) -> str:
    """The ghost text for `raw`: no chatter, quotes or echo; spaced and cut for its type."""
    completion = _CHATTER.sub("", raw, count=1)
    if kind.name != "code":
        completion = _unquote(completion)
    completion = _stay_on_the_line(_drop_echo(completion, text), kind)
    rewritten = completion != raw
    return _space_after(text, _cut_at_boundary(completion, kind), rewritten=rewritten)
