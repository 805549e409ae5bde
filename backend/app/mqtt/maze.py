"""Maze games: the state as the model reads it, stuck detection, the model's action checked.

Coordinates: a position is `[x, y]` = `[column, row]`; `[0, 0]` is the top-left cell, x grows to
the right and y downward, and the map is indexed `visible_map[row][col]`, i.e.
`visible_map[y][x]`. Both clients in use work this way (the pygame maze sends its tile column
and row as `player_pos` and reads `grid[y][x]`; the browser maze sends `[player.x, player.y]`).
A position may also come as `{"x": .., "y": ..}`; answers always carry `[x, y]` lists.

Legends: the pygame client sends 1 = wall, 0 = floor; the browser client inverts its grid
before sending, 1 = floor, 0 = wall. A state may say which applies in `map_legend`
(`{"wall": 1, "floor": 0}`, `{"1": "wall"}`, `"1 = floor"`, `"pygame"`, `"browser"`); without
one, any of the browser's extra fields (`oxygenPellets`, `germs`, `tick`, `health`, `oxygen`,
`prompt_template`) marks the browser dialect. Any other number than the wall's is floor; a
cell that is no number (fog, junk) is "unknown" and never walked into.

Answers (`parse_hint`) keep only the keys the clients read, each in one shape: single cells
(`break_wall`, `teleport_player`, `move_exit`) as `[x, y]`; `path`, `break_walls`,
`highlight_zone` and `spawn_oxygen` as `[[x, y], ...]` (a lone `[x, y]` is wrapped into a
list, which is what the browser client expects for `spawn_oxygen`); durations as ints in
0..60000 ms, `breaks_remaining` 0..1000, `bfs_steps` 1..1000; flags as bools; `hint` first and
always a string (made from the path, e.g. "Go right 2, then down", when the model gave none).
A cell outside the map is dropped, and so is a teleport, exit or oxygen cell in a wall; a path
is cut at its first step that is not next to the previous one (the first step: next to the
player, or the player's own cell) or that enters a wall, where walls broken by the same answer
count as open.
"""

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from app.mqtt.maze_hints import (
    MAX_HINT_CHARS,
    MAX_MODEL_HINT_CHARS,
    MOVES,
    UNREADABLE,
    HintError,
    Point,
    as_int,
    clean_text,
    extract_object,
    point_of,
    read_maze_action,
    step,
)

__all__ = [
    "HintError",
    "Legend",
    "MazeView",
    "StuckDetector",
    "describe_state",
    "legend_of",
    "parse_action",
    "parse_hint",
    "read_maze",
]

Kind = Literal["wall", "open", "unknown", "outside"]

BROWSER_KEYS = frozenset({"oxygenPellets", "germs", "tick", "health", "oxygen", "prompt_template"})
VOLATILE_KEYS = frozenset(
    {"timestamp", "ts", "time", "tick", "requestId", "request_id", "expiresAt", "expires_at"}
    | {"clientId", "client_id", "apiKey", "api_key", "replyTopic", "reply_topic"}
)
MAX_VIEW = 32  # cells per side of the rendered map; larger maps are cropped around the player
MAX_LISTED = 12  # germs / pellets named in the text (all of them are drawn)
MAX_CELLS = 64
MAX_COORD = 10_000  # bound for coordinates when the state carries no map to check against
_LEGEND_PAIR = re.compile(
    r"(-?\d+)\s*(?:=|:|->|=>|is|means)?\s*([a-z]+)|([a-z]+)\s*(?:=|:)\s*(-?\d+)"
)
_WALL_WORDS = frozenset({"wall", "walls", "blocked", "obstacle", "solid"})
_FLOOR_WORDS = frozenset({"floor", "open", "path", "passable", "free", "empty", "corridor"})
_STATS = ("health", "oxygen", "oxygenCollected", "breaks_remaining", "breaksRemaining", "score")
_TEXT_KEYS = ("hint", "message", "response", "text", "content", "answer")


@dataclass(frozen=True)
class Legend:
    """Which number is a wall and which is floor in `visible_map`, and who said so."""

    wall: int
    floor: int
    source: str


PYGAME = Legend(wall=1, floor=0, source="pygame client")
BROWSER = Legend(wall=0, floor=1, source="browser client")


@dataclass(frozen=True)
class MazeView:
    """A maze state read leniently: missing parts are empty, never an error."""

    grid: list[Any]
    legend: Legend
    player: Point | None = None
    exit: Point | None = None
    germs: tuple[Point, ...] = ()
    oxygen: tuple[Point, ...] = ()
    width: int = field(init=False)

    def __post_init__(self) -> None:
        rows = (len(row) for row in self.grid if isinstance(row, list))
        object.__setattr__(self, "width", max(rows, default=0))

    def kind(self, point: Point) -> Kind:
        x, y = point
        if not self.grid:
            return "outside" if not (0 <= x <= MAX_COORD and 0 <= y <= MAX_COORD) else "unknown"
        row = self.grid[y] if 0 <= y < len(self.grid) else None
        if not isinstance(row, list) or not 0 <= x < len(row):
            return "outside"
        cell = as_int(row[x])
        if cell is None:
            return "unknown"
        return "wall" if cell == self.legend.wall else "open"

    def inside(self, point: Point) -> bool:
        return self.kind(point) != "outside"

    def walkable(self, point: Point, opened: frozenset[Point] = frozenset()) -> bool:
        """Open floor, a wall this answer breaks, or any sane cell when there is no map."""
        kind = self.kind(point)
        if point in opened and kind != "outside":
            return True
        return kind == "open" or (kind == "unknown" and not self.grid)


def parse_hint(raw: str, state: dict[str, Any]) -> dict[str, Any]:
    """The model's answer to a maze state as the clients' action object, checked against the
    state's map (shapes above); `HintError` carrying the raw answer when nothing is usable."""
    return read_maze_action(raw, read_maze(state))


def parse_action(raw: str) -> dict[str, Any]:
    """The action object in a non-maze game's answer, always with a `hint` string.

    Keys are kept as the model wrote them (each game reads its own), made JSON-safe. Prose
    without an object becomes `{"hint": <prose, trimmed>}`.
    """
    found = extract_object(raw)
    if found is not None:
        hint = _hint_of(found)
        if hint is None:
            raise HintError(UNREADABLE, raw)
        return {**found, "hint": hint}
    text = clean_text(raw)
    if not text:
        raise HintError(UNREADABLE, raw)
    return {"hint": text}


def _hint_of(found: dict[str, Any]) -> str | None:
    """The object's hint, or the first text field it has, or a summary of its scalar fields."""
    for key in _TEXT_KEYS:
        value = found.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:MAX_MODEL_HINT_CHARS]
    scalars = [
        f"{key}: {value}"
        for key, value in found.items()
        if isinstance(value, str | int | float | bool) and key != "hint"
    ]
    return ", ".join(scalars)[:MAX_HINT_CHARS] if scalars else None


def read_maze(state: dict[str, Any]) -> MazeView:
    grid = state.get("visible_map")
    return MazeView(
        grid=grid if isinstance(grid, list) else [],
        legend=legend_of(state),
        player=_first_point(state, ("player_pos", "playerPos", "playerPosition", "player")),
        exit=_first_point(state, ("exit_pos", "exitPos", "exitPosition", "exit")),
        germs=tuple(_points(state.get("germs"), MAX_CELLS)),
        oxygen=tuple(_points(state.get("oxygenPellets", state.get("oxygen_pellets")), MAX_CELLS)),
    )


def legend_of(state: dict[str, Any]) -> Legend:
    named = _named_legend(state.get("map_legend"))
    if named is not None:
        return named
    return BROWSER if BROWSER_KEYS & state.keys() else PYGAME


def _named_legend(value: Any) -> Legend | None:
    if isinstance(value, dict):
        pairs = [(str(key), str(item)) for key, item in list(value.items())[:8]]
    elif isinstance(value, str):
        text = value[:200].lower()
        if "pygame" in text or "browser" in text:
            return PYGAME if "pygame" in text else BROWSER
        pairs = [(a or d, b or c) for a, b, c, d in _LEGEND_PAIR.findall(text)]
    else:
        return None
    numbered = [
        (as_int(a), b.lower()) if as_int(a) is not None else (as_int(b), a.lower())
        for a, b in pairs
    ]
    wall = next((n for n, word in numbered if n is not None and word in _WALL_WORDS), None)
    floor = next((n for n, word in numbered if n is not None and word in _FLOOR_WORDS), None)
    if wall is None and floor is None:
        return None
    wall = wall if wall is not None else int(floor == 0)
    floor = floor if floor is not None else int(wall == 0)
    if wall == floor:
        return None  # contradictory: infer the dialect instead
    return Legend(wall=wall, floor=floor, source="the state's map_legend")


def _points(value: Any, cap: int) -> list[Point]:
    if point_of(value) is not None:
        value = [value]
    if not isinstance(value, list):
        return []
    found = (point_of(item) for item in value[: cap * 4])
    return [point for point in found if point is not None][:cap]


def _first_point(state: dict[str, Any], keys: tuple[str, ...]) -> Point | None:
    return next((p for p in (point_of(state.get(key)) for key in keys) if p is not None), None)


# ── the state as text ────────────────────────────────────────────────────────────────────────


def describe_state(state: dict[str, Any], *, stuck: bool) -> str:
    """The user message for one game state: legend, position, exits, a map, the answer's shape."""
    maze = read_maze(state)
    is_maze = bool(maze.grid) or maze.player is not None
    lines = _maze_lines(maze, state) if is_maze else _generic_lines(state)
    if stuck:
        lines.append(
            "STUCK: this state is identical to the previous one, so your last answer did not "
            "help. Do not repeat it: change strategy (another direction, a different path, "
            "or break_wall)."
        )
    lines.append(_MAZE_ANSWER if is_maze else _GENERIC_ANSWER)
    return "\n".join(lines)


_MAZE_ANSWER = (
    'Reply with one JSON object only, e.g. {"hint": "Go right, then down", "path": [[2, 1], '
    '[3, 1], [3, 2]]}. "hint" is a short message for the player; "path" lists the cells to '
    "walk in order, each next to the previous one, the first next to you, never a wall. "
    'Optional keys, as your instructions allow: "break_wall": [x, y], "break_walls", '
    '"teleport_player", "move_exit", "spawn_oxygen": [[x, y]], "highlight_zone" + '
    '"highlight_ms", "speed_boost_ms", "slow_germs_ms", "freeze_germs_ms", "reveal_map", '
    '"show_path", "use_bfs" + "bfs_steps".'
)
_GENERIC_ANSWER = (
    'Reply with one JSON object only, with a "hint" string and the action fields your '
    "instructions describe."
)


def _maze_lines(maze: MazeView, state: dict[str, Any]) -> list[str]:
    legend = maze.legend
    lines = [
        f"Maze state. Map legend ({legend.source}): in visible_map {legend.wall} = wall, "
        f"{legend.floor} = floor.",
        "Coordinates are [x, y]: x is the column (0 at the left), y the row (0 at the top); "
        "visible_map[y][x] is the cell [x, y].",
        _position_line(maze),
    ]
    if maze.player is not None and maze.grid:
        lines.append(_moves_line(maze, maze.player))
    lines += _things_lines(maze, state)
    if maze.grid:
        lines += _render(maze)
    return lines


def _position_line(maze: MazeView) -> str:
    you = _xy(maze.player) if maze.player else "unknown"
    if maze.exit is None:
        return f"You are at {you}. The exit is not known."
    if maze.player is None:
        return f"Your position is unknown. The exit is at {_xy(maze.exit)}."
    if maze.player == maze.exit:
        return f"You are at {you}, on the exit."
    dx, dy = maze.exit[0] - maze.player[0], maze.exit[1] - maze.player[1]
    parts = [f"{abs(dx)} {'right' if dx > 0 else 'left'}"] if dx else []
    parts += [f"{abs(dy)} {'down' if dy > 0 else 'up'}"] if dy else []
    return f"You are at {you}. The exit is at {_xy(maze.exit)}: {', '.join(parts)}."


def _moves_line(maze: MazeView, player: Point) -> str:
    steps = {name: step(player, name) for name in MOVES}
    open_moves = [f"{name} to {_xy(p)}" for name, p in steps.items() if maze.walkable(p)]
    blocked = [name for name, p in steps.items() if not maze.walkable(p)]
    moves = ", ".join(open_moves) if open_moves else "none"
    return f"Open moves: {moves}." + (f" Blocked: {', '.join(blocked)}." if blocked else "")


def _things_lines(maze: MazeView, state: dict[str, Any]) -> list[str]:
    lines = []
    for label, points in (("Germs (avoid them)", maze.germs), ("Oxygen pellets", maze.oxygen)):
        if points:
            more = f" and {len(points) - MAX_LISTED} more" if len(points) > MAX_LISTED else ""
            lines.append(f"{label}: {', '.join(_xy(p) for p in points[:MAX_LISTED])}{more}.")
    stats = [
        f"{key} {state[key]}"
        for key in _STATS
        if isinstance(state.get(key), int | float) and not isinstance(state[key], bool)
    ]
    if stats:
        lines.append(f"Status: {', '.join(stats)}.")
    return lines


def _render(maze: MazeView) -> list[str]:
    """The map as text, cropped to `MAX_VIEW` cells a side around the player."""
    height, width = len(maze.grid), maze.width
    centre = maze.player or (0, 0)
    left = _window_start(centre[0], width)
    top = _window_start(centre[1], height)
    right, bottom = min(width, left + MAX_VIEW), min(height, top + MAX_VIEW)
    marks = dict.fromkeys(maze.germs, "g") | dict.fromkeys(maze.oxygen, "o")
    marks |= {p: m for p, m in ((maze.exit, "E"), (maze.player, "P")) if p is not None}
    symbols = {"wall": "#", "open": ".", "unknown": "?", "outside": " "}
    cropped = (right - left, bottom - top) != (width, height)
    caption = f"Map, {width} columns x {height} rows"
    if cropped:
        caption += f", showing columns {left}-{right - 1} and rows {top}-{bottom - 1}"
    lines = [caption + " (# wall, . floor, ? unknown, P you, E exit, g germ, o oxygen):"]
    xs = range(left, right)
    lines.append("    " + "".join(str(x // 10 % 10) for x in xs))
    lines.append("    " + "".join(str(x % 10) for x in xs))
    for y in range(top, bottom):
        cells = (marks.get((x, y)) or symbols[maze.kind((x, y))] for x in xs)
        lines.append(f"{y:>3} {''.join(cells)}".rstrip())
    return lines


def _window_start(centre: int, size: int) -> int:
    return max(0, min(centre - MAX_VIEW // 2, size - MAX_VIEW))


def _generic_lines(state: dict[str, Any]) -> list[str]:
    shown = {k: v for k, v in state.items() if k not in VOLATILE_KEYS | {"prompt_template"}}
    text = json.dumps(shown, ensure_ascii=False, default=str)
    return ["Game state:", text[:4000] + (" …(cut)" if len(text) > 4000 else "")]


def _xy(point: Point) -> str:
    return f"[{point[0]}, {point[1]}]"


# ── stuck detection ──────────────────────────────────────────────────────────────────────────


class StuckDetector:
    """Flags a state identical to the previous one for the same key (session).

    Keeps a 16-byte digest per key, the least recently seen key dropped past `max_keys`, so
    memory stays bounded whatever the number of players. Volatile fields (timestamps, request
    ids, the browser's tick) are left out of the comparison. Not thread-safe: one event loop.
    """

    def __init__(self, max_keys: int = 10_000) -> None:
        self._max_keys = max_keys
        self._last: OrderedDict[str, bytes] = OrderedDict()

    def seen(self, key: str, state: dict[str, Any]) -> bool:
        digest = _fingerprint(state)
        previous = self._last.pop(key, None)
        self._last[key] = digest
        if len(self._last) > self._max_keys:
            self._last.popitem(last=False)
        return previous == digest

    def forget(self, key: str) -> None:
        self._last.pop(key, None)


def _fingerprint(state: dict[str, Any]) -> bytes:
    kept = {k: v for k, v in state.items() if k not in VOLATILE_KEYS}
    text = json.dumps(kept, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest()
