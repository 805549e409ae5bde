"""What a game state means to the model, and what its answer means to the game.

The maze has its own description and answer checks (:mod:`app.mqtt.maze`); other games'
states are sent as compact JSON and their answers read as an action object with a ``hint``.
"""

from __future__ import annotations

import json
from typing import Any

from app.mqtt.maze import describe_state, parse_action, parse_hint

MAZE = "maze"
MAX_STATE_CHARS = 8_000
_TEMPLATE_KEYS = frozenset({"prompt_template", "promptTemplate"})  # the prompt, not the state


def state_message(project: str, state: dict[str, Any], *, stuck: bool) -> str:
    """The user message for a game state: the maze's own description, else compact JSON."""
    if project == MAZE:
        return describe_state(state, stuck=stuck)
    shown = {k: v for k, v in state.items() if k not in _TEMPLATE_KEYS}
    text = json.dumps(shown, ensure_ascii=True, separators=(",", ":"), default=str)
    if len(text) > MAX_STATE_CHARS:
        text = text[:MAX_STATE_CHARS] + " …(cut)"
    lines = [f"Game state ({project}):", text]
    if stuck:
        lines.append(
            "STUCK: this state is identical to the previous one, so your last answer did not "
            "help. Change strategy."
        )
    lines.append(
        'Reply with one JSON object only, with a "hint" string for the player and the '
        "action fields your instructions describe."
    )
    return "\n".join(lines)


def read_action(project: str, answer: str, state: dict[str, Any]) -> dict[str, Any]:
    """The action object for the game, from the model's answer; ``HintError`` if unreadable."""
    if project == MAZE:
        return parse_hint(answer, state)
    return parse_action(answer)
