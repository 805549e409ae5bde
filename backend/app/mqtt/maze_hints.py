"""Reading an action out of a model's answer: the JSON object in it (`extract_object`), and a
maze's action checked against a `Board` (`read_maze_action`). `app.mqtt.maze` is the public face.

Models asked for JSON answer with it in prose, in ```json fences, as Python-style dicts (single
quotes, `True`, trailing commas) or cut off by the token limit: the first object that parses,
after the cheap repairs, is taken and made JSON-safe. Bounded in time whatever the answer: only
its first `MAX_RAW_CHARS` characters are scanned, at most `MAX_CANDIDATES` objects tried, and
nesting past `MAX_DEPTH` dropped. Shapes and coordinates are documented in `app.mqtt.maze`.
"""

import json
import math
import re
from collections.abc import Callable
from itertools import islice
from typing import Any, Protocol

__all__ = [
    "MAX_RAW_CHARS",
    "MOVES",
    "Board",
    "HintError",
    "Point",
    "as_int",
    "clean_text",
    "extract_object",
    "point_of",
    "read_maze_action",
    "step",
]

Point = tuple[int, int]

MAX_RAW_CHARS = 20_000
MAX_HINT_CHARS = 200
MAX_MODEL_HINT_CHARS = 1_000
MAX_CANDIDATES = 32
MAX_DEPTH = 16
MAX_PATH = 256
MAX_CELLS = 64
MAX_MS = 60_000
MAX_COUNT = 1_000
UNREADABLE = "could not read an action from the model's answer"

_FENCE = re.compile(r"```[A-Za-z0-9_-]*[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)
_FENCE_MARK = re.compile(r"```[A-Za-z0-9_-]*")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_BARE_KEY = re.compile(r"([{,]\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*:)")
_PY_LITERALS = {"True": "true", "False": "false", "None": "null"}
_PY_LITERAL = re.compile(r"\b(True|False|None)\b")
_STRING = re.compile(r"""("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)""", re.DOTALL)
_UNESCAPED_DOUBLE_QUOTE = re.compile(r'(?<!\\)"')
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_CLOSERS = {"{": "}", "[": "]"}
_DROP = object()  # marks a value `_json_safe` removes from its container
_NUMBER = re.compile(r"\s*-?\d{1,9}\s*")
_DIRECTION = re.compile(r"\b(?:up|down|left|right|north|south|east|west)\b|[↑↓←→]", re.I)
MOVES: dict[str, Point] = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
_SYNONYMS = {"north": "up", "south": "down", "west": "left", "east": "right"}
_SYNONYMS |= {"↑": "up", "↓": "down", "←": "left", "→": "right"}
_NAMES = {delta: name for name, delta in MOVES.items()}
_MOVE_KEYS = ("direction", "move", "action", "next_move")
_DURATIONS = ("speed_boost_ms", "slow_germs_ms", "freeze_germs_ms", "highlight_ms")
_FLAGS = ("reveal_map", "use_bfs", "show_path")


class HintError(Exception):
    """The model's answer holds no usable action; `raw` is the answer as it came (capped)."""

    def __init__(self, message: str, raw: str) -> None:
        super().__init__(message)
        self.message = message
        self.raw = raw[:MAX_RAW_CHARS]


def clean_text(raw: str, limit: int = MAX_HINT_CHARS) -> str:
    """The answer as one line of prose: fences and runs of whitespace gone, at most `limit`."""
    text = _FENCE_MARK.sub(" ", raw[:MAX_RAW_CHARS])
    text = _SPACES.sub(" ", _safe_text(text)).strip()
    return text[:limit].rstrip()


def extract_object(raw: str) -> dict[str, Any] | None:
    """The first JSON object in the answer (fenced blocks first), made JSON-safe, or None."""
    text = raw[:MAX_RAW_CHARS]
    sources = [match.group(1) for match in islice(_FENCE.finditer(text), 4)]
    sources.append(text)
    tried = 0
    for source in sources:
        for candidate in _object_spans(source):
            tried += 1
            if tried > MAX_CANDIDATES:
                return None
            parsed = _loads(candidate)
            if isinstance(parsed, dict):
                safe = _json_safe(parsed, 0)
                return safe if isinstance(safe, dict) else None
    return None


def _object_spans(text: str) -> list[str]:
    """Each balanced `{...}` in `text`, outermost first; starts inside a span are skipped.

    A span cut off by the end of the text (the model hit its token limit) is closed: the open
    string is ended and the open brackets are closed in order.
    """
    spans: list[str] = []
    start = text.find("{")
    while start != -1 and len(spans) < MAX_CANDIDATES:
        end, closers = _scan(text, start)
        spans.append(text[start:end] + closers)
        start = text.find("{", max(end, start + 1))
    return spans


def _scan(text: str, start: int) -> tuple[int, str]:
    """Where the object opening at `start` ends, and the closers it lacks if it never does."""
    stack: list[str] = []
    quote = ""
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in _CLOSERS:
            stack.append(_CLOSERS[char])
        elif char in "}]" and stack:
            stack.pop()
            if not stack:
                return index + 1, ""
        index += 1
    return len(text), quote + "".join(reversed(stack))


def _loads(candidate: str) -> Any:
    """`candidate` as JSON, strictly first, then after the cheap repairs; None when neither."""
    for text in (candidate, _repair(candidate)):
        try:
            return json.loads(text, strict=False)  # strict=False: raw newlines in strings
        except (ValueError, RecursionError):
            continue
    return None


def _repair(text: str) -> str:
    """Python-ish or sloppy JSON made strict: quotes, literals, bare keys, trailing commas."""
    parts = _STRING.split(text)  # odd items are string literals, even ones the code between
    return "".join(_as_json_string(p) if i % 2 else _fix_code(p) for i, p in enumerate(parts))


def _as_json_string(literal: str) -> str:
    if literal.startswith('"'):
        return literal
    body = literal[1:-1] if len(literal) > 1 and literal.endswith("'") else literal[1:]
    body = _UNESCAPED_DOUBLE_QUOTE.sub('\\"', body.replace("\\'", "'"))
    return f'"{body}"'


def _fix_code(code: str) -> str:
    code = _PY_LITERAL.sub(lambda match: _PY_LITERALS[match.group(1)], code)
    code = _BARE_KEY.sub(r'\1"\2"\3', code)
    return _TRAILING_COMMA.sub(r"\1", code)


def _json_safe(value: Any, depth: int) -> Any:
    """`value` with what JSON or UTF-8 cannot carry removed: NaN/∞, lone surrogates, deep nests.

    Returns `_DROP` for a value that should disappear from its container.
    """
    if depth > MAX_DEPTH:
        return _DROP
    if isinstance(value, dict):
        items = ((_safe_text(str(k)), _json_safe(v, depth + 1)) for k, v in value.items())
        return {key: item for key, item in items if item is not _DROP}
    if isinstance(value, list):
        return [item for item in (_json_safe(v, depth + 1) for v in value) if item is not _DROP]
    if isinstance(value, float) and not math.isfinite(value):
        return _DROP
    if isinstance(value, str):
        return _safe_text(value)
    return value


def _safe_text(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text).replace("\x00", "")


class Board(Protocol):
    """What checking a maze action needs from the map (`app.mqtt.maze.MazeView` is one)."""

    @property
    def player(self) -> Point | None: ...

    def inside(self, point: Point) -> bool: ...

    def walkable(self, point: Point, opened: frozenset[Point] = ...) -> bool: ...


def read_maze_action(raw: str, board: Board) -> dict[str, Any]:
    """The maze action in the model's answer, checked against `board` (see `app.mqtt.maze`)."""
    found = extract_object(raw)
    action = _from_prose(raw, board) if found is None else _checked(found, board)
    if not action:
        raise HintError(UNREADABLE, raw)
    return action


def _checked(found: dict[str, Any], board: Board) -> dict[str, Any]:
    """Known keys in their one shape, bad cells dropped, a hint always; {} when nothing usable."""
    wall = _cell(found.get("break_wall"), board.inside)
    walls = _cells(found.get("break_walls"), board.inside)
    opened = frozenset(walls + ([wall] if wall else []))
    singles = {
        "break_wall": wall,
        "teleport_player": _cell(found.get("teleport_player"), board.walkable),
        "move_exit": _cell(found.get("move_exit"), board.walkable),
    }
    lists = {
        "path": _walk(found.get("path"), board, opened) or _move_word(found, board),
        "break_walls": walls,
        "spawn_oxygen": _cells(found.get("spawn_oxygen"), board.walkable),
        "highlight_zone": _cells(found.get("highlight_zone"), board.inside),
    }
    numbers = {key: _bounded(found.get(key), 0, MAX_MS) for key in _DURATIONS}
    numbers["breaks_remaining"] = _bounded(found.get("breaks_remaining"), 0, MAX_COUNT)
    numbers["bfs_steps"] = _bounded(found.get("bfs_steps"), 1, MAX_COUNT)
    action: dict[str, Any] = {k: list(v) for k, v in singles.items() if v is not None}
    action |= {k: [list(p) for p in v] for k, v in lists.items() if v}
    action |= {k: v for k, v in numbers.items() if v is not None}
    action |= {k: v for k, v in ((k, _flag(found.get(k))) for k in _FLAGS) if v is not None}
    hint = _model_hint(found.get("hint"))
    if hint is None and not action:
        return {}
    return {"hint": hint or _made_up_hint(action, board.player), **action}


def _from_prose(raw: str, board: Board) -> dict[str, Any]:
    """Prose naming a direction: the prose as the hint, plus that one step when it is open."""
    text = clean_text(raw, limit=MAX_RAW_CHARS)
    match = _DIRECTION.search(text)
    if match is None:
        return {}
    action: dict[str, Any] = {"hint": text[:MAX_HINT_CHARS].rstrip()}
    point = _open_step(board, match.group(0))
    if point is not None:
        action["path"] = [list(point)]
    return action


def _walk(value: Any, board: Board, opened: frozenset[Point]) -> list[Point]:
    """The path's valid prefix: each step next to the previous one (or the player) and walkable."""
    if not isinstance(value, list):
        return []
    previous, steps = board.player, list[Point]()
    for item in value[:MAX_PATH]:
        point = _path_point(item, previous)
        if point is not None and not steps and point == previous:
            steps.append(point)  # a path may start on the player's own cell
            continue
        if point is None or not _next_to(point, previous) or not board.walkable(point, opened):
            break
        steps.append(point)
        previous = point
    return steps


def _next_to(point: Point, previous: Point | None) -> bool:
    return previous is None or abs(point[0] - previous[0]) + abs(point[1] - previous[1]) == 1


def _path_point(item: Any, previous: Point | None) -> Point | None:
    """A path step as a cell, or as a direction word ("right") taken from the previous cell."""
    if isinstance(item, str):
        direction = direction_of(item)
        return None if direction is None or previous is None else step(previous, direction)
    return point_of(item)


def _move_word(found: dict[str, Any], board: Board) -> list[Point]:
    """`{"move": "left"}` and the like, as a one-step path when that step is open."""
    for key in _MOVE_KEYS:
        value = found.get(key)
        match = _DIRECTION.search(value[:200]) if isinstance(value, str) else None
        if match is not None:
            point = _open_step(board, match.group(0))
            return [point] if point is not None else []
    return []


def _open_step(board: Board, word: str) -> Point | None:
    direction = direction_of(word)
    if board.player is None or direction is None:
        return None
    point = step(board.player, direction)
    return point if board.walkable(point) else None


def _cell(value: Any, allowed: Callable[[Point], bool]) -> Point | None:
    point = point_of(value)
    return point if point is not None and allowed(point) else None


def _cells(value: Any, allowed: Callable[[Point], bool]) -> list[Point]:
    """A list of cells (a lone cell counts as a list of one), the disallowed ones dropped."""
    items = [value] if point_of(value) is not None else value
    if not isinstance(items, list):
        return []
    points = (point_of(item) for item in items[: MAX_CELLS * 4])
    kept = [p for p in points if p is not None and allowed(p)]
    return list(dict.fromkeys(kept))[:MAX_CELLS]


def _bounded(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, float) and math.isfinite(value):
        value = round(value)
    number = as_int(value)
    return None if number is None or number < low else min(number, high)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _model_hint(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:MAX_MODEL_HINT_CHARS]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _made_up_hint(action: dict[str, Any], player: Point | None) -> str:
    """A short hint for an answer that gave actions but no text: "Go right 2, then down"."""
    path = [(x, y) for x, y in action.get("path", [])]
    runs: list[list[Any]] = []
    for previous, point in zip([player, *path], path, strict=False):
        name = _NAMES.get((point[0] - previous[0], point[1] - previous[1])) if previous else None
        if name and runs and runs[-1][0] == name:
            runs[-1][1] += 1
        elif name:
            runs.append([name, 1])
    if runs:
        parts = [f"{name} {count}" if count > 1 else name for name, count in runs[:4]]
        return "Go " + ", then ".join(parts)
    if "break_wall" in action:
        return "Break the wall at [{}, {}]".format(*action["break_wall"])
    return "Follow the suggested action"


def point_of(value: Any) -> Point | None:
    """`[x, y]`, `(x, y)` or `{"x": x, "y": y}` with integer coordinates, else None."""
    if isinstance(value, dict):
        pair = (value.get("x"), value.get("y"))
    elif isinstance(value, list | tuple) and len(value) == 2:
        pair = (value[0], value[1])
    else:
        return None
    x, y = as_int(pair[0]), as_int(pair[1])
    return None if x is None or y is None else (x, y)


def as_int(value: Any) -> int | None:
    """An int, an integral float or a short numeral as int; anything else (bools too) None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return int(value)
    return None


def direction_of(word: str) -> str | None:
    word = word.strip().lower()
    return word if word in MOVES else _SYNONYMS.get(word)


def step(point: Point, direction: str) -> Point:
    dx, dy = MOVES[direction]
    return point[0] + dx, point[1] + dy
