"""Maze states as the model reads them: both client dialects, legends, the map, stuck states."""

import json
from typing import Any

import pytest

from app.mqtt.maze import MAX_VIEW, StuckDetector, describe_state, read_maze

# A 7 x 5 maze, 1 = wall (the pygame client's legend). Player [1, 1], exit [5, 1]; the way is
# right to [3, 1], down to [3, 3], right to [5, 3], up to [5, 1].
WALLS_ARE_ONE = [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 0, 0, 0, 1, 0, 1],
    [1, 0, 1, 0, 1, 0, 1],
    [1, 0, 1, 0, 0, 0, 1],
    [1, 1, 1, 1, 1, 1, 1],
]
FLOORS_ARE_ONE = [[1 - cell for cell in row] for row in WALLS_ARE_ONE]
RENDERED = [
    "    0000000",
    "    0123456",
    "  0 #######",
    "  1 #P..#E#",
    "  2 #.#.#.#",
    "  3 #.#...#",
    "  4 #######",
]


def pygame_state(**extra: Any) -> dict[str, Any]:
    state = {"sessionId": "s1", "player_pos": [1, 1], "exit_pos": [5, 1]}
    return state | {"visible_map": WALLS_ARE_ONE} | extra


def browser_state(**extra: Any) -> dict[str, Any]:
    state = {
        "sessionId": "s1",
        "player_pos": [1, 1],
        "exit_pos": [5, 1],
        "visible_map": FLOORS_ARE_ONE,
        "oxygenPellets": [{"x": 3, "y": 3}],
        "germs": [{"x": 1, "y": 3}, [5, 2]],
        "tick": 1234,
        "health": 90,
        "oxygen": 80,
        "prompt_template": {"title": "t", "content": "Be brief.", "version": 1, "user_id": 7},
    }
    return state | extra


def map_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Map, "))
    rows = []
    for line in lines[start + 1 :]:
        if not line or line[0] not in " 0123456789":
            break
        rows.append(line)
    return rows


class TestLegend:
    def test_pygame_state_has_walls_as_one(self) -> None:
        legend = read_maze(pygame_state()).legend
        assert (legend.wall, legend.floor) == (1, 0)

    @pytest.mark.parametrize(
        "key", ["oxygenPellets", "germs", "tick", "health", "oxygen", "prompt_template"]
    )
    def test_any_browser_field_means_floors_are_one(self, key: str) -> None:
        state = pygame_state(visible_map=FLOORS_ARE_ONE) | {key: browser_state()[key]}
        legend = read_maze(state).legend
        assert (legend.wall, legend.floor) == (0, 1)

    @pytest.mark.parametrize(
        ("named", "wall"),
        [
            ({"wall": 1, "floor": 0}, 1),
            ({"wall": 0, "floor": 1}, 0),
            ({"1": "floor", "0": "wall"}, 0),
            ({"floor": 1}, 0),
            ({"wall": "1"}, 1),
            ("1 = wall, 0 = floor", 1),
            ("0=wall 1=floor", 0),
            ("floor: 1", 0),
            ("1 is floor", 0),
            ("wall=1", 1),
            ("pygame", 1),
            ("browser", 0),
        ],
    )
    def test_a_named_legend_wins_over_the_dialect(self, named: Any, wall: int) -> None:
        for state in (pygame_state(), browser_state()):
            legend = read_maze(state | {"map_legend": named}).legend
            assert legend.wall == wall
            assert legend.floor == 1 - wall

    @pytest.mark.parametrize("named", ["nonsense", {"wall": 1, "floor": 1}, 42, None, []])
    def test_an_unreadable_legend_falls_back_to_the_dialect(self, named: Any) -> None:
        assert read_maze(pygame_state(map_legend=named)).legend.wall == 1
        assert read_maze(browser_state(map_legend=named)).legend.wall == 0

    def test_the_text_says_which_legend_applies(self) -> None:
        assert "1 = wall, 0 = floor" in describe_state(pygame_state(), stuck=False)
        assert "0 = wall, 1 = floor" in describe_state(browser_state(), stuck=False)
        named = describe_state(pygame_state(map_legend={"wall": 0}), stuck=False)
        assert "map_legend" in named
        assert "0 = wall, 1 = floor" in named


class TestDescribeState:
    def test_pygame_state_gives_position_exit_moves_and_map(self) -> None:
        text = describe_state(pygame_state(), stuck=False)
        assert "You are at [1, 1]. The exit is at [5, 1]: 4 right." in text
        assert "Open moves: down to [1, 2], right to [2, 1]. Blocked: up, left." in text
        assert "Map, 7 columns x 5 rows" in text
        assert map_lines(text) == RENDERED

    def test_browser_state_draws_the_same_maze_with_its_things(self) -> None:
        text = describe_state(browser_state(), stuck=False)
        lines = map_lines(text)
        assert lines[:3] == RENDERED[:3]
        assert lines[4:] == ["  2 #.#.#g#", "  3 #g#o..#", "  4 #######"]
        assert "Germs (avoid them): [1, 3], [5, 2]." in text
        assert "Oxygen pellets: [3, 3]." in text
        assert "Status: health 90, oxygen 80." in text

    def test_coordinates_convention_is_stated(self) -> None:
        text = describe_state(pygame_state(), stuck=False)
        assert "[x, y]" in text
        assert "visible_map[y][x]" in text

    def test_positions_as_objects_are_read(self) -> None:
        state = pygame_state(player_pos={"x": 3, "y": 2}, exit_pos={"x": 5, "y": 3})
        text = describe_state(state, stuck=False)
        assert "You are at [3, 2]. The exit is at [5, 3]: 2 right, 1 down." in text

    def test_asks_for_a_json_action_object(self) -> None:
        text = describe_state(pygame_state(), stuck=False)
        assert "JSON object" in text
        for key in ('"hint"', '"path"', '"break_wall"'):
            assert key in text

    def test_stuck_asks_for_a_different_strategy(self) -> None:
        calm = describe_state(pygame_state(), stuck=False)
        stuck = describe_state(pygame_state(), stuck=True)
        assert "identical to the previous" not in calm
        assert "identical to the previous" in stuck
        assert "change strategy" in stuck

    def test_player_on_the_exit(self) -> None:
        text = describe_state(pygame_state(player_pos=[5, 1]), stuck=False)
        assert "You are at [5, 1], on the exit." in text

    def test_missing_position_and_exit_do_not_fail(self) -> None:
        state = {"visible_map": WALLS_ARE_ONE}
        text = describe_state(state, stuck=False)
        assert "You are at unknown. The exit is not known." in text
        assert "Open moves" not in text
        assert len(map_lines(text)) == len(RENDERED)

    def test_ragged_and_junk_cells_are_drawn_as_unknown_or_blank(self) -> None:
        state = pygame_state(visible_map=[[1, 1, 1], [1, 0, None], "junk", [1]])
        lines = map_lines(describe_state(state, stuck=False))
        assert lines[2:] == ["  0 ###", "  1 #P?", "  2", "  3 #"]

    def test_huge_map_is_cropped_around_the_player(self) -> None:
        size = 1000
        grid = [[0] * size for _ in range(size)]
        state = {"player_pos": [500, 700], "exit_pos": [999, 999], "visible_map": grid}
        text = describe_state(state, stuck=False)
        lines = map_lines(text)
        assert len(lines) == MAX_VIEW + 2
        assert all(len(line) <= 4 + MAX_VIEW for line in lines)
        assert any("P" in line for line in lines)
        assert "showing columns 484-515 and rows 684-715" in text
        assert len(text) < 6000

    def test_crop_window_stays_inside_the_map_at_its_edge(self) -> None:
        grid = [[0] * 100 for _ in range(100)]
        state = {"player_pos": [99, 0], "visible_map": grid}
        text = describe_state(state, stuck=False)
        assert "showing columns 68-99 and rows 0-31" in text
        assert map_lines(text)[2] == "  0 " + "." * (MAX_VIEW - 1) + "P"

    def test_many_germs_are_listed_briefly(self) -> None:
        germs = [[x, 1] for x in range(40)]
        text = describe_state(browser_state(germs=germs), stuck=False)
        assert "and 28 more." in text

    def test_a_state_without_a_maze_is_shown_as_json(self) -> None:
        state = {"sessionId": "s1", "speed": 3, "lane": 2, "timestamp": 1.5}
        state |= {"prompt_template": {"content": "secret-ish"}}
        text = describe_state(state, stuck=True)
        assert json.dumps({"sessionId": "s1", "speed": 3, "lane": 2}) in text
        assert "timestamp" not in text
        assert "secret-ish" not in text
        assert "identical to the previous" in text

    def test_a_huge_generic_state_is_cut(self) -> None:
        text = describe_state({"blob": "x" * 100_000}, stuck=False)
        assert len(text) < 5000


class TestStuckDetector:
    def test_first_state_is_not_stuck(self) -> None:
        assert StuckDetector().seen("s1", pygame_state()) is False

    def test_identical_state_is_stuck(self) -> None:
        detector = StuckDetector()
        detector.seen("s1", pygame_state())
        assert detector.seen("s1", pygame_state()) is True
        assert detector.seen("s1", pygame_state()) is True

    def test_changed_state_is_not_stuck(self) -> None:
        detector = StuckDetector()
        detector.seen("s1", pygame_state())
        assert detector.seen("s1", pygame_state(player_pos=[2, 1])) is False
        assert detector.seen("s1", pygame_state()) is False

    def test_volatile_fields_are_ignored(self) -> None:
        detector = StuckDetector()
        detector.seen("s1", browser_state(tick=1, timestamp=10.0, requestId="a"))
        again = browser_state(tick=2, timestamp=11.0, requestId="b", expiresAt=99)
        assert detector.seen("s1", again) is True

    def test_key_order_does_not_matter(self) -> None:
        detector = StuckDetector()
        state = pygame_state()
        detector.seen("s1", state)
        assert detector.seen("s1", dict(reversed(list(state.items())))) is True

    def test_sessions_are_separate(self) -> None:
        detector = StuckDetector()
        detector.seen("s1", pygame_state())
        assert detector.seen("s2", pygame_state()) is False

    def test_forget_starts_over(self) -> None:
        detector = StuckDetector()
        detector.seen("s1", pygame_state())
        detector.forget("s1")
        detector.forget("never-seen")
        assert detector.seen("s1", pygame_state()) is False

    def test_memory_is_bounded_least_recently_seen_first(self) -> None:
        detector = StuckDetector(max_keys=2)
        detector.seen("a", pygame_state())
        detector.seen("b", pygame_state())
        detector.seen("a", pygame_state())  # "a" is now the most recent
        detector.seen("c", pygame_state())  # evicts "b"
        assert detector.seen("a", pygame_state()) is True
        assert detector.seen("b", pygame_state()) is False

    def test_unusual_values_do_not_break_the_fingerprint(self) -> None:
        detector = StuckDetector()
        state = {"a": float("nan"), "b": "\ud800", "c": {"d": [1, None, True]}}
        detector.seen("s1", state)
        assert detector.seen("s1", dict(state)) is True
