#!/usr/bin/env python3
"""A headless maze game that plays over MQTT with the LLM's hints: a reference for game authors.

    python examples/maze_client.py --broker mqtt://127.0.0.1:1883 --seed 7

Each turn the game publishes its state on ``maze/state`` (the pygame client's dialect:
``player_pos``/``exit_pos`` as ``[x, y]``, ``visible_map[y][x]`` with 1 = wall) and moves the way
the answer on ``maze/hint/{sessionId}`` says (its ``path``, else a direction word in ``hint``).
A hint that is missing, late, into a wall or back into a cell walked twice is replaced by a
shortest-path step, so every game ends within ``--max-steps``; the result then goes to
``maze/result/{sessionId}``. Exit status 0: the player reached the exit.
"""

from __future__ import annotations

import argparse
import json
import queue
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, deque
from typing import Any
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

Cell = tuple[int, int]
DIRECTIONS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
DIRECTIONS |= {"north": (0, -1), "south": (0, 1), "west": (-1, 0), "east": (1, 0)}
MAX_VISITS = 2  # a hint may lead through a cell twice (out of a dead end), not round in circles


def make_maze(size: int, seed: int) -> list[list[int]]:
    """A perfect maze (one path between any two cells) carved by a seeded depth-first search."""
    size = max(5, size | 1)  # odd: walls on even rows and columns
    rng = random.Random(seed)
    grid = [[1] * size for _ in range(size)]
    grid[1][1] = 0
    stack = [(1, 1)]
    while stack:
        x, y = stack[-1]
        steps = [
            (dx, dy)
            for dx, dy in ((2, 0), (-2, 0), (0, 2), (0, -2))
            if 0 < x + dx < size - 1 and 0 < y + dy < size - 1 and grid[y + dy][x + dx]
        ]
        if not steps:
            stack.pop()
            continue
        dx, dy = rng.choice(steps)
        grid[y + dy // 2][x + dx // 2] = grid[y + dy][x + dx] = 0
        stack.append((x + dx, y + dy))
    return grid


def is_floor(grid: list[list[int]], cell: Cell) -> bool:
    x, y = cell
    return 0 <= y < len(grid) and 0 <= x < len(grid[0]) and grid[y][x] == 0


def shortest_path(grid: list[list[int]], start: Cell, goal: Cell) -> list[Cell]:
    """Cells from ``start`` (excluded) to ``goal`` (included), by breadth-first search."""
    came_from: dict[Cell, Cell | None] = {start: None}
    todo = deque([start])
    while todo:
        cell = todo.popleft()
        if cell == goal:
            break
        for dx, dy in DIRECTIONS.values():
            step = (cell[0] + dx, cell[1] + dy)
            if step not in came_from and is_floor(grid, step):
                came_from[step] = cell
                todo.append(step)
    path, cell = [], goal
    while came_from.get(cell) is not None:
        path.append(cell)
        cell = came_from[cell]  # type: ignore[assignment]
    return path[::-1]


def hinted_step(hint: dict[str, Any], pos: Cell) -> Cell | None:
    """The next cell the hint asks for: the first cell of its ``path``, else a direction word."""
    path = hint["path"] if isinstance(hint.get("path"), list) else []
    ahead = [tuple(p) for p in path if isinstance(p, list) and len(p) == 2 and tuple(p) != pos]
    if ahead and all(isinstance(v, int) for v in ahead[0]):
        return ahead[0][0], ahead[0][1]
    for word in re.findall(r"[a-z]+", str(hint.get("hint", "")).lower()):
        if word in DIRECTIONS:
            dx, dy = DIRECTIONS[word]
            return pos[0] + dx, pos[1] + dy
    return None


class Link:
    """The MQTT side: one connection, hints for our session arrive on a queue."""

    def __init__(self, args: argparse.Namespace, session_id: str) -> None:
        self.session_id, self.api_key, self.hints = session_id, args.api_key, queue.Queue[bytes]()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=session_id)
        if args.api_key:  # the broker login of a portal key: its id, then the whole key
            args.username, args.password = args.api_key.split("_")[1], args.api_key
        if args.username:
            self.client.username_pw_set(args.username, args.password)
        subscribed = threading.Event()
        self.client.on_connect = lambda c, *_: c.subscribe(f"maze/hint/{session_id}", qos=1)
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_message = lambda _c, _u, msg: self.hints.put(bytes(msg.payload))
        url = urlsplit(args.broker)
        try:
            self.client.connect(url.hostname or "127.0.0.1", url.port or 1883)
        except OSError as exc:
            raise SystemExit(f"cannot reach the broker at {args.broker}: {exc}") from None
        self.client.loop_start()
        if not subscribed.wait(10):
            raise SystemExit(f"the broker at {args.broker} refused us: check the credentials")

    def send(self, topic: str, payload: dict[str, Any]) -> None:
        payload = {"sessionId": self.session_id, **payload}
        if self.api_key:
            payload["apiKey"] = self.api_key
        self.client.publish(topic, json.dumps(payload), qos=1).wait_for_publish(10)

    def hint(self, request_id: str, timeout: float) -> dict[str, Any] | None:
        """The hint answering ``request_id`` (None if none came in time or it is an error)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                hint = json.loads(self.hints.get(timeout=left))
            except (queue.Empty, ValueError):
                continue
            if isinstance(hint, dict) and hint.get("requestId") in (None, request_id):
                return None if "error" in hint else hint
        return None

    def close(self) -> None:
        self.client.disconnect()  # sent by the network loop: stop the loop after it
        self.client.loop_stop()


def play(args: argparse.Namespace, link: Link) -> dict[str, Any]:
    grid = make_maze(args.size, args.seed)
    pos, goal = (1, 1), (len(grid) - 2, len(grid) - 2)
    shortest = len(shortest_path(grid, pos, goal))
    visits, steps, hinted, started = Counter([pos]), 0, 0, time.monotonic()
    while pos != goal and steps < args.max_steps:
        request_id = f"{link.session_id}-{steps}"
        state = {"player_pos": list(pos), "exit_pos": list(goal), "visible_map": grid}
        link.send("maze/state", {**state, "requestId": request_id})
        hint = link.hint(request_id, args.hint_timeout)
        step = hinted_step(hint, pos) if hint else None
        adjacent = step is not None and abs(step[0] - pos[0]) + abs(step[1] - pos[1]) == 1
        if step and adjacent and is_floor(grid, step) and visits[step] < MAX_VISITS:
            hinted += 1
        else:
            step = shortest_path(grid, pos, goal)[0]
        pos, steps = step, steps + 1
        visits[pos] += 1
    won = pos == goal
    score = round(100 * shortest / steps) if won else 0  # 100: the shortest path, no detour
    outcome = {"won": won, "score": score, "steps": steps, "hinted_steps": hinted}
    duration = round(time.monotonic() - started, 3)
    return {"template": args.template, **outcome, "duration": duration, "seed": args.seed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Play a seeded maze with hints over MQTT.")
    parser.add_argument("--broker", default="mqtt://127.0.0.1:1883", help="mqtt://host:port")
    parser.add_argument("--username", help="broker login")
    parser.add_argument("--password", help="broker password")
    parser.add_argument("--api-key", help="a portal API key: broker login and request owner")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same maze")
    parser.add_argument("--size", type=int, default=11, help="maze width and height (odd)")
    parser.add_argument("--session-id", help="default: a new maze-<random> id")
    parser.add_argument("--template", help="system prompt for this session (maze/template)")
    parser.add_argument("--max-steps", type=int, help="default: 4 * size * size")
    parser.add_argument("--hint-timeout", type=float, default=30.0, help="seconds per hint")
    args = parser.parse_args(argv)
    args.max_steps = args.max_steps or 4 * args.size * args.size
    session_id = args.session_id or f"maze-{uuid.uuid4().hex[:8]}"
    link = Link(args, session_id)
    try:
        if args.template:
            link.send(f"maze/template/{session_id}", {"template": args.template})
        result = play(args, link)
        link.send(f"maze/result/{session_id}", result)
    finally:
        link.close()
    outcome = "won" if result["won"] else "lost"
    print(f"{session_id}: {outcome} in {result['steps']} steps, score {result['score']}")  # noqa: T201
    return 0 if result["won"] else 1


if __name__ == "__main__":
    sys.exit(main())
