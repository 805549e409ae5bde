"""The model's answer turned into the action object the game clients read, or a `HintError`."""

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.mqtt.maze import HintError, parse_action, parse_hint
from app.mqtt.maze_hints import MAX_RAW_CHARS

# 1 = wall (pygame). Player [1, 1]; open: right [2, 1], [3, 1]; down [1, 2], [1, 3];
# [3, 2], [3, 3], [4, 3], [5, 3], [5, 2], [5, 1] (the exit). [4, 1] and [2, 2] are walls.
GRID = [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 0, 0, 0, 1, 0, 1],
    [1, 0, 1, 0, 1, 0, 1],
    [1, 0, 1, 0, 0, 0, 1],
    [1, 1, 1, 1, 1, 1, 1],
]
STATE: dict[str, Any] = {"player_pos": [1, 1], "exit_pos": [5, 1], "visible_map": GRID}
BROWSER_STATE: dict[str, Any] = {
    "player_pos": {"x": 1, "y": 1},
    "exit_pos": [5, 1],
    "visible_map": [[1 - cell for cell in row] for row in GRID],
    "germs": [],
    "tick": 3,
}
WAY = [[2, 1], [3, 1], [3, 2], [3, 3], [4, 3], [5, 3], [5, 2], [5, 1]]
UNREADABLE = "could not read an action from the model's answer"


def hint(raw: str, state: dict[str, Any] | None = None) -> dict[str, Any]:
    return parse_hint(raw, STATE if state is None else state)


def outcome(parse: Callable[[str], dict[str, Any]], raw: str) -> dict[str, Any] | HintError:
    try:
        return parse(raw)
    except HintError as error:
        return error


class TestFindingTheObject:
    def test_plain_json(self) -> None:
        assert hint('{"hint": "Go right", "path": [[2, 1]]}') == {
            "hint": "Go right",
            "path": [[2, 1]],
        }

    def test_fenced_json_inside_prose(self) -> None:
        raw = 'Here is my plan:\n```json\n{"hint": "Follow me", "path": [[2, 1], [3, 1]]}\n```\n'
        assert hint(raw) == {"hint": "Follow me", "path": [[2, 1], [3, 1]]}

    def test_object_inside_prose_without_fences(self) -> None:
        raw = 'Sure! {"hint": "Down", "path": [[1, 2]]} Good luck.'
        assert hint(raw) == {"hint": "Down", "path": [[1, 2]]}

    def test_fenced_block_wins_over_earlier_braces(self) -> None:
        raw = 'Use the {x, y} form.\n```\n{"hint": "Right", "path": [[2, 1]]}\n```'
        assert hint(raw)["hint"] == "Right"

    def test_trailing_commas_single_quotes_and_python_literals(self) -> None:
        raw = "{'hint': 'Go \"down\"', 'path': [[1, 2], [1, 3],], 'show_path': True,}"
        assert hint(raw) == {"hint": 'Go "down"', "path": [[1, 2], [1, 3]], "show_path": True}

    def test_bare_keys(self) -> None:
        assert hint("{hint: 'Right', path: [[2, 1]]}") == {"hint": "Right", "path": [[2, 1]]}

    def test_apostrophes_inside_double_quoted_strings_survive_repair(self) -> None:
        raw = '{"hint": "Don\'t stop", "path": [[2, 1],],}'
        assert hint(raw) == {"hint": "Don't stop", "path": [[2, 1]]}

    def test_answer_cut_off_by_the_token_limit_is_closed(self) -> None:
        raw = '{"hint": "Right then down", "path": [[2, 1], [3, 1], [3, 2], [3,'
        assert hint(raw) == {"hint": "Right then down", "path": [[2, 1], [3, 1], [3, 2]]}
        assert hint('{"path": [[2, 1]], "hint": "Right, the') == {
            "hint": "Right, the",
            "path": [[2, 1]],
        }

    def test_raw_newline_inside_a_string(self) -> None:
        assert hint('{"hint": "line one\nline two"}') == {"hint": "line one\nline two"}


class TestKeys:
    def test_unknown_keys_are_dropped(self) -> None:
        raw = '{"hint": "Go", "path": [[2, 1]], "explode": true, "sessionId": "x", "error": "y"}'
        assert hint(raw) == {"hint": "Go", "path": [[2, 1]]}

    def test_every_known_key_is_kept_in_its_shape(self) -> None:
        answer = {
            "hint": "All of it",
            "path": [[2, 1]],
            "break_wall": [4, 1],
            "break_walls": [[2, 2], [4, 2]],
            "breaks_remaining": 2,
            "speed_boost_ms": 1500,
            "slow_germs_ms": 2000,
            "freeze_germs_ms": 0,
            "teleport_player": [3, 3],
            "spawn_oxygen": [[1, 3]],
            "move_exit": [5, 3],
            "highlight_zone": [[1, 1], [2, 1]],
            "highlight_ms": 500,
            "reveal_map": False,
            "use_bfs": True,
            "bfs_steps": 5,
            "show_path": True,
        }
        assert hint(json.dumps(answer)) == answer

    def test_hint_comes_first_and_is_always_a_string(self) -> None:
        action = hint('{"path": [[2, 1]], "hint": 42}')
        assert list(action) == ["hint", "path"]
        assert action["hint"] == "42"

    def test_a_missing_hint_is_made_from_the_path(self) -> None:
        raw = json.dumps({"path": WAY})
        assert hint(raw) == {
            "hint": "Go right 2, then down 2, then right 2, then up 2",
            "path": WAY,
        }

    def test_a_missing_hint_is_made_from_a_broken_wall(self) -> None:
        assert hint('{"break_wall": [4, 1]}') == {
            "hint": "Break the wall at [4, 1]",
            "break_wall": [4, 1],
        }

    def test_a_missing_hint_for_other_actions_is_generic(self) -> None:
        assert hint('{"reveal_map": true}') == {
            "hint": "Follow the suggested action",
            "reveal_map": True,
        }

    def test_a_hint_alone_is_enough(self) -> None:
        assert hint('{"hint": "Think about the exit"}') == {"hint": "Think about the exit"}

    @pytest.mark.parametrize(
        ("given", "kept"),
        [(-5, None), (1500.4, 1500), ("2000", 2000), (10**12, 60_000), (True, None), ("x", None)],
    )
    def test_durations_are_bounded_non_negative_ints(self, given: Any, kept: Any) -> None:
        action = hint(json.dumps({"hint": "h", "freeze_germs_ms": given}))
        assert action.get("freeze_germs_ms") == kept

    def test_counts_are_bounded(self) -> None:
        action = hint('{"hint": "h", "bfs_steps": 0, "breaks_remaining": 99999}')
        assert action == {"hint": "h", "breaks_remaining": 1000}

    @pytest.mark.parametrize(("given", "kept"), [("true", True), ("False", False), (1, None)])
    def test_flags_are_bools(self, given: Any, kept: Any) -> None:
        action = hint(json.dumps({"hint": "h", "reveal_map": given}))
        assert action.get("reveal_map") == kept


class TestCoordinates:
    def test_out_of_bounds_cells_are_dropped(self) -> None:
        raw = json.dumps(
            {
                "hint": "h",
                "break_wall": [7, 1],
                "teleport_player": [-1, 2],
                "move_exit": [3, 5],
                "highlight_zone": [[0, 0], [99, 99], [6, 4], "junk", [1]],
                "break_walls": [[100, 1]],
            }
        )
        assert hint(raw) == {"hint": "h", "highlight_zone": [[0, 0], [6, 4]]}

    def test_cells_given_as_objects_come_out_as_lists(self) -> None:
        raw = '{"hint": "h", "break_wall": {"x": 4, "y": 1}, "path": [{"x": 2, "y": 1}]}'
        assert hint(raw) == {"hint": "h", "break_wall": [4, 1], "path": [[2, 1]]}

    def test_single_spawn_oxygen_cell_is_wrapped_in_a_list(self) -> None:
        assert hint('{"hint": "h", "spawn_oxygen": [1, 3]}')["spawn_oxygen"] == [[1, 3]]

    def test_teleport_exit_and_oxygen_never_land_in_a_wall(self) -> None:
        raw = '{"hint": "h", "teleport_player": [4, 1], "move_exit": [0, 0], '
        raw += '"spawn_oxygen": [[2, 2], [3, 3]]}'
        assert hint(raw) == {"hint": "h", "spawn_oxygen": [[3, 3]]}

    def test_duplicate_cells_are_listed_once(self) -> None:
        raw = '{"hint": "h", "highlight_zone": [[1, 1], [1, 1], [2, 1]]}'
        assert hint(raw)["highlight_zone"] == [[1, 1], [2, 1]]

    def test_without_a_map_sane_cells_are_kept(self) -> None:
        state = {"player_pos": [1, 1]}
        raw = '{"hint": "h", "path": [[2, 1], [2, 2]], "break_wall": [-1, 0], "move_exit": [9, 9]}'
        assert parse_hint(raw, state) == {
            "hint": "h",
            "path": [[2, 1], [2, 2]],
            "move_exit": [9, 9],
        }


class TestPath:
    def test_a_valid_path_is_kept_whole(self) -> None:
        assert hint(json.dumps({"hint": "h", "path": WAY}))["path"] == WAY

    def test_path_is_cut_where_it_enters_a_wall(self) -> None:
        raw = '{"hint": "h", "path": [[2, 1], [3, 1], [4, 1], [5, 1]]}'
        assert hint(raw)["path"] == [[2, 1], [3, 1]]

    def test_path_is_cut_at_a_jump(self) -> None:
        raw = '{"hint": "h", "path": [[2, 1], [3, 1], [3, 3]]}'
        assert hint(raw)["path"] == [[2, 1], [3, 1]]

    def test_path_is_cut_at_a_diagonal_step(self) -> None:
        raw = '{"hint": "h", "path": [[2, 1], [3, 2]]}'
        assert hint(raw)["path"] == [[2, 1]]

    def test_path_is_cut_where_it_leaves_the_map(self) -> None:
        state = STATE | {"player_pos": [1, 3], "visible_map": [*GRID[:4], [0] * 7]}
        raw = '{"hint": "h", "path": [[1, 4], [1, 5], [1, 6]]}'
        assert parse_hint(raw, state)["path"] == [[1, 4]]

    def test_path_not_starting_next_to_the_player_is_dropped(self) -> None:
        assert hint('{"hint": "h", "path": [[3, 1], [3, 2]]}') == {"hint": "h"}

    def test_path_may_start_on_the_player(self) -> None:
        raw = '{"hint": "h", "path": [[1, 1], [2, 1], [3, 1]]}'
        assert hint(raw)["path"] == [[1, 1], [2, 1], [3, 1]]

    def test_direction_words_are_steps(self) -> None:
        raw = '{"path": ["right", "RIGHT", "down", "south", "left"]}'
        assert hint(raw)["path"] == [[2, 1], [3, 1], [3, 2], [3, 3]]

    def test_a_wall_broken_by_the_same_answer_is_open(self) -> None:
        raw = '{"hint": "h", "break_wall": [4, 1], "path": [[2, 1], [3, 1], [4, 1], [5, 1]]}'
        assert hint(raw)["path"] == [[2, 1], [3, 1], [4, 1], [5, 1]]

    def test_browser_legend_walls_are_respected(self) -> None:
        raw = '{"hint": "h", "path": [[2, 1], [3, 1], [4, 1]]}'
        assert parse_hint(raw, BROWSER_STATE)["path"] == [[2, 1], [3, 1]]

    def test_named_legend_is_respected(self) -> None:
        state = BROWSER_STATE | {"map_legend": {"wall": 1, "floor": 0}}
        raw = '{"hint": "h", "path": [[2, 1], [3, 1]]}'
        assert "path" not in parse_hint(raw, state)  # [2, 1] is a wall under this legend

    def test_a_move_key_becomes_a_one_step_path(self) -> None:
        assert hint('{"move": "down"}') == {"hint": "Go down", "path": [[1, 2]]}
        assert hint('{"direction": "Go EAST"}') == {"hint": "Go right", "path": [[2, 1]]}

    def test_a_move_into_a_wall_gives_no_path(self) -> None:
        with pytest.raises(HintError):
            hint('{"move": "up"}')


class TestProse:
    def test_prose_with_a_direction_becomes_a_hint_and_a_step(self) -> None:
        assert hint("You should head down the corridor.") == {
            "hint": "You should head down the corridor.",
            "path": [[1, 2]],
        }

    @pytest.mark.parametrize(("text", "step"), [("East!", [2, 1]), ("→ then ↓", [2, 1])])
    def test_compass_words_and_arrows(self, text: str, step: list[int]) -> None:
        assert hint(text)["path"] == [step]

    def test_a_blocked_direction_gives_only_the_hint(self) -> None:
        assert hint("Go left.") == {"hint": "Go left."}

    def test_without_a_known_position_only_the_hint(self) -> None:
        assert parse_hint("Go right.", {"visible_map": GRID}) == {"hint": "Go right."}

    def test_long_prose_is_trimmed_to_200_characters(self) -> None:
        action = hint("Go right. " + "Then keep   going\n" * 50)
        assert len(action["hint"]) <= 200
        assert action["hint"].startswith("Go right. Then keep going Then")
        assert action["path"] == [[2, 1]]

    def test_prose_without_a_direction_is_an_error(self) -> None:
        with pytest.raises(HintError) as caught:
            hint("I am not sure what to do here.")
        assert caught.value.message == UNREADABLE
        assert caught.value.raw == "I am not sure what to do here."


class TestUnusable:
    @pytest.mark.parametrize(
        "raw", ["", "   ", "%%%###", "{}", '{"foo": 1}', "[1, 2, 3]", '{"path": [[9, 9]]}']
    )
    def test_raises_hint_error_carrying_raw(self, raw: str) -> None:
        with pytest.raises(HintError) as caught:
            hint(raw)
        assert caught.value.message == UNREADABLE
        assert str(caught.value) == UNREADABLE
        assert caught.value.raw == raw

    def test_raw_kept_on_the_error_is_capped(self) -> None:
        with pytest.raises(HintError) as caught:
            hint("%" * 1_000_000)
        assert caught.value.raw == "%" * MAX_RAW_CHARS


class TestHostile:
    @pytest.mark.timeout(60)
    @pytest.mark.parametrize(
        "raw",
        [
            "{" * 1_000_000,
            "[" * 1_000_000,
            '{"a":' * 200_000,
            '{"hint": "' + "x" * 1_000_000,
            "{'" * 500_000,
            "```" * 300_000,
            "{" + "a: 1, " * 200_000 + "}",
            '{"x": 1} ' * 100_000,
        ],
    )
    def test_huge_or_deep_answers_end_in_a_result_or_a_hint_error(self, raw: str) -> None:
        for parse in (hint, parse_action):
            result = outcome(parse, raw)
            if isinstance(result, HintError):
                assert len(result.raw) <= MAX_RAW_CHARS
            else:
                assert isinstance(result["hint"], str)
                assert len(json.dumps(result)) <= 2 * MAX_RAW_CHARS

    def test_a_late_object_in_a_huge_answer_is_not_looked_for(self) -> None:
        raw = "x" * 1_000_000 + '{"hint": "late", "path": [[2, 1]]}'
        with pytest.raises(HintError):
            hint(raw)

    def test_deep_nesting_inside_the_action_is_dropped(self) -> None:
        deep: Any = 1
        for _ in range(200):
            deep = {"d": deep}
        action = parse_action(json.dumps({"hint": "h", "deep": deep}))
        assert action["hint"] == "h"
        assert json.dumps(action).count('"d"') <= 20

    def test_non_json_safe_values_are_removed(self) -> None:
        raw = '{"hint": "a\\ud800b\\u0000c", "speed": NaN, "grip": Infinity, "lane": 2}'
        action = parse_action(raw)
        assert action == {"hint": "a\ufffdbc", "lane": 2}
        json.dumps(action, ensure_ascii=False).encode("utf-8")


class TestParseAction:
    def test_keys_are_kept_for_the_game(self) -> None:
        raw = '```json\n{"hint": "Brake", "throttle": 0.2, "steer": -1, "boost": false}\n```'
        assert parse_action(raw) == {"hint": "Brake", "throttle": 0.2, "steer": -1, "boost": False}

    def test_hint_is_taken_from_another_text_field(self) -> None:
        assert parse_action('{"message": "Turn left", "steer": -1}') == {
            "message": "Turn left",
            "steer": -1,
            "hint": "Turn left",
        }

    def test_hint_is_made_from_scalar_fields(self) -> None:
        action = parse_action("Action: {'steer': -0.5, 'throttle': 1,}")
        assert action == {"steer": -0.5, "throttle": 1, "hint": "steer: -0.5, throttle: 1"}

    def test_non_string_hint_is_replaced(self) -> None:
        action = parse_action('{"hint": ["a"], "text": "Go"}')
        assert action["hint"] == "Go"

    def test_prose_becomes_the_hint(self) -> None:
        assert parse_action("  Speed up   on the\nstraight. ") == {
            "hint": "Speed up on the straight."
        }

    def test_prose_is_trimmed(self) -> None:
        assert len(parse_action("word " * 500)["hint"]) <= 200

    @pytest.mark.parametrize("raw", ["", "  \n ", "{}", '{"nested": {"a": 1}}', "```\n```"])
    def test_nothing_usable_raises(self, raw: str) -> None:
        with pytest.raises(HintError) as caught:
            parse_action(raw)
        assert caught.value.raw == raw
