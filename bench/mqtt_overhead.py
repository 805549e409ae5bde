"""`mqtt`: what answering a game over MQTT adds to the upstream's own time.

A fake upstream streams every answer as a few chunks, the first after a fixed 50 ms. Game
players (`maze`, keyless, one MQTT 5 connection each, `"stream": true, "format": "json"`)
send `user_input` requests back-to-back to a private Mosquitto started for the bench, and
time each one from publishing it to the first `{"delta"}` message and to the final
`"done": true` answer. Two answerers, each on a broker of its own:

- the portal's bridge, inside the web app (sessions in its SQLite database);
- `llamacpp_mqtt_deploy.py`, the standalone script (sessions in memory).

The same request is also timed straight against the upstream's streaming
`/v1/chat/completions` at the same concurrency; the difference of the percentiles is what the
MQTT path adds (as in `overhead`). Then, at one player: the deploy script on a broker with
Mosquitto's default socket options (Nagle's algorithm on), and one long game whose history
grows every turn. Last, 50 players through the portal alone and then while a chat load holds
every slot of the gate's chat lane (streamed `/api/llm/chat/session` turns): the game's p99
with and without it.
"""

from __future__ import annotations

import asyncio
import getpass
import math
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping

import aiohttp

from measure import Section
from mqtt_clients import (
    HOST,
    PROJECT,
    REQUEST_TIMEOUT_S,
    ChatLoad,
    DirectTarget,
    closed_loop,
    game_clients,
    wait_answering,
)
from mqtt_report import (
    ChatPhase,
    Measured,
    Route,
    Run,
    chat_summary,
    chat_table,
    cpu_table,
    depth_table,
    error_lines,
    main_table,
    nagle_table,
    target_line,
)
from portal_client import bearer, bench_token
from processes import ProcessGroup, StartError, cpu_seconds, free_port
from stack import PYTHON, ROOT, START_TIMEOUT_S, Stack, bench_caps

UPSTREAM_DELAY_S = 0.050
CHUNK_DELAY_S = 0.005
REPLY_CHUNKS = 5
LEVELS = (1, 50, 200)
REQUESTS_PER_LEVEL = 300
QUICK_REQUESTS_PER_LEVEL = 60
MIN_PER_SESSION = 2
TURNS_PER_GAME = 5
DEPTH_BUCKET = 10
DEPTH_TURNS = 100
QUICK_DEPTH_TURNS = 30
WARMUP_SESSIONS = 16
CHAT_SESSIONS = 50
CHAT_PHASE_REQUESTS = 600
QUICK_CHAT_PHASE_REQUESTS = 150
CHAT_HOLD_S = 5.0
WORKERS = 256
OVERHEAD_TARGET_MS = 5.0
CHAT_RATIO_TARGET = 1.10
BROKER_START_S = 20.0
DEPLOY_SCRIPT = ROOT / "llamacpp_mqtt_deploy.py"
MAZE_PROMPT = ROOT / "backend" / "app" / "mqtt" / "projects" / "maze.md"
DIRECT, PORTAL, DEPLOY = "direct (upstream)", "portal bridge", "llamacpp_mqtt_deploy.py"
NAGLE = "llamacpp_mqtt_deploy.py, broker without set_tcp_nodelay"
NAGLE_REQUESTS = 100


def _mosquitto() -> str | None:
    path = os.environ.get("PATH", "") + ":/usr/sbin:/usr/local/sbin"
    return shutil.which("mosquitto", path=path)


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((HOST, port)) == 0


def start_broker(
    group: ProcessGroup, mosquitto: str, name: str, *, no_delay: bool = True
) -> tuple[int, int]:
    """A private Mosquitto on a free loopback port, anonymous, in memory; (port, pid).
    `no_delay`: `set_tcp_nodelay true`, else Mosquitto's default (Nagle's algorithm on)."""
    port = free_port()
    lines = [f"listener {port} {HOST}", "allow_anonymous true", "persistence false"]
    lines += ["log_dest stderr", "connection_messages false"]
    if no_delay:
        lines.append("set_tcp_nodelay true")
    if os.geteuid() == 0:  # as root Mosquitto would switch to a `mosquitto` user
        lines.append(f"user {getpass.getuser()}")
    config = group.log_dir / f"{name}.conf"
    config.write_text("\n".join(lines) + "\n")
    process = group.start(name, [mosquitto, "-c", str(config)], cwd=group.log_dir)
    deadline = time.monotonic() + BROKER_START_S
    while not _accepts(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise StartError(f"{name} did not listen on {port}; see {name}.log")
        time.sleep(0.05)
    return port, process.pid


def start_deploy(
    group: ProcessGroup, upstream: str, port: int, caps: Mapping[str, str], name: str
) -> subprocess.Popen[str]:
    command = [
        *(PYTHON, str(DEPLOY_SCRIPT), "--server_url", upstream, "--projects", PROJECT),
        *("--mqtt_broker", HOST, "--mqtt_port", str(port), "--num_workers", str(WORKERS)),
        *("--max_concurrent_sessions", caps["LLM_MAX_CONCURRENCY"]),
    ]
    return group.start(name, command, cwd=ROOT, env=caps, stdout_pipe=False)


def _upstream_pid(group: ProcessGroup) -> int:
    name = f"fake-upstream-{UPSTREAM_DELAY_S:g}-per-chunk-{CHUNK_DELAY_S:g}-{REPLY_CHUNKS}-chunks"
    return next(process.pid for label, process in group.processes if label == name)


class CpuMeter:
    """CPU time of the processes on a route (and of this client) per answered request."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._pids = pids
        self._start: dict[str, float] = {}

    def start(self) -> None:
        self._start = {part: cpu_seconds(pid) for part, pid in self._pids.items()}
        self._start["client"] = time.process_time()

    def per_request_ms(self, answered: int) -> dict[str, float]:
        used = {part: cpu_seconds(pid) - self._start[part] for part, pid in self._pids.items()}
        used["client"] = time.process_time() - self._start["client"]
        return {part: seconds * 1000 / max(answered, 1) for part, seconds in used.items()}


def per_session(level: int, total: int) -> int:
    return total if level == 1 else max(MIN_PER_SESSION, math.ceil(total / level))


async def run_level(
    route: Route, direct: DirectTarget, level: int, count: int, turns: int = TURNS_PER_GAME
) -> Measured:
    """`level` players, `count` requests each, back-to-back, on one route; a new game
    (session) every `turns` requests."""
    meter = CpuMeter(route.pids)
    if route.port is None:
        meter.start()
        samples = await closed_loop([direct.ask] * level, count)
    else:
        tag = f"{re.sub(r'[^a-z]', '', route.name)[:6]}-{level}"
        async with game_clients(route.port, level, tag, turns) as clients:
            meter.start()
            samples = await closed_loop([client.ask for client in clients], count)
    return Measured(samples, meter.per_request_ms(len(samples.samples)))


async def _start_routes(stack: Stack, run: Run, mosquitto: str) -> tuple[str, str]:
    """Brokers, the portal and the deploy script; returns the upstream's and portal's URLs."""
    upstream = stack.fake_upstream(
        UPSTREAM_DELAY_S, chunk_delay_s=CHUNK_DELAY_S, reply_chunks=REPLY_CHUNKS
    )
    group, caps = stack.group, bench_caps(max(LEVELS))
    fake = _upstream_pid(group)
    run.routes.append(Route(DIRECT, None, {"upstream": fake}))
    port, broker = start_broker(group, mosquitto, "mosquitto-portal")
    env = {**caps, "MQTT_BROKER_URL": f"mqtt://{HOST}:{port}", "MQTT_PROJECTS": PROJECT}
    env |= {"MQTT_KEYLESS_PROJECTS": "*", "MQTT_WORKERS": str(WORKERS)}
    portal = stack.portal(upstream, "mqtt", env)
    await wait_answering(port, START_TIMEOUT_S)
    pids = {"answerer": stack.portal_pid(portal), "broker": broker, "upstream": fake}
    run.routes.append(Route(PORTAL, port, pids))
    if not DEPLOY_SCRIPT.is_file():
        run.notes.append(f"`{DEPLOY_SCRIPT.name}` is missing: its rows are left out.")
        return upstream, portal
    run.routes.append(await _deploy_route(stack, mosquitto, upstream, DEPLOY, no_delay=True))
    return upstream, portal


async def _deploy_route(
    stack: Stack, mosquitto: str, upstream: str, name: str, *, no_delay: bool
) -> Route:
    """The deploy script on a broker of its own."""
    tag = "deploy" if no_delay else "deploy-nagle"
    port, broker = start_broker(stack.group, mosquitto, f"mosquitto-{tag}", no_delay=no_delay)
    deploy = start_deploy(stack.group, upstream, port, bench_caps(max(LEVELS)), f"mqtt-{tag}")
    await wait_answering(port, START_TIMEOUT_S)
    if deploy.poll() is not None:
        raise StartError(f"{DEPLOY_SCRIPT.name} exited with {deploy.returncode}")
    pids = {"answerer": deploy.pid, "broker": broker, "upstream": _upstream_pid(stack.group)}
    return Route(name, port, pids)


def _chat_cap(log_text: str) -> int:
    """The chat lane's reserved slots, from the portal's `LLM gate:` start-up line."""
    match = re.search(r"reserved per lane: .*\bchat=(\d+)", log_text)
    if match is None:
        raise RuntimeError("the portal's log has no `LLM gate: ... reserved per lane` line")
    return int(match.group(1))


async def _chat_phase(
    stack: Stack, run: Run, http: aiohttp.ClientSession, portal: str, direct: DirectTarget
) -> ChatPhase:
    """Game sessions through the portal: alone, then with the chat lane full."""
    route = next(route for route in run.routes if route.name == PORTAL)
    total = QUICK_CHAT_PHASE_REQUESTS if run.total < REQUESTS_PER_LEVEL else CHAT_PHASE_REQUESTS
    count = per_session(CHAT_SESSIONS, total)
    chat_cap = _chat_cap(stack.portal_log(portal).read_text(errors="replace"))
    alone = await run_level(route, direct, CHAT_SESSIONS, count)
    headers = bearer(await bench_token(http, portal))
    chat = ChatLoad(http, f"{portal}/api/llm/chat/session", headers, chat_cap, CHAT_HOLD_S)
    chat.start()
    try:
        await asyncio.sleep(CHAT_HOLD_S + 1)  # every chat stream open, turns ending steadily
        with_chat = await run_level(route, direct, CHAT_SESSIONS, count)
    finally:
        await chat.stop()
    return ChatPhase(CHAT_SESSIONS, alone, with_chat, chat, chat_cap)


async def measure(stack: Stack, *, quick: bool) -> Section:
    mosquitto = _mosquitto()
    if mosquitto is None:
        return Section("mqtt", "Skipped: no `mosquitto` (sudo apt-get install -y mosquitto).")
    run = Run(QUICK_REQUESTS_PER_LEVEL if quick else REQUESTS_PER_LEVEL, LEVELS)
    upstream, portal = await _start_routes(stack, run, mosquitto)
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        url = f"{upstream}/v1/chat/completions"
        direct = DirectTarget(http, url, MAZE_PROMPT.read_text(encoding="utf-8").strip())
        await _levels(run, direct)
        await _one_player(stack, run, direct, mosquitto, upstream, quick=quick)
        run.chat = await _chat_phase(stack, run, http, portal, direct)
    return Section("mqtt", report(run))


async def _levels(run: Run, direct: DirectTarget) -> None:
    for route in run.routes:  # connections, caches, first-use imports
        await run_level(route, direct, WARMUP_SESSIONS, MIN_PER_SESSION)
    for level in LEVELS:
        for route in run.routes:  # interleaved: a load change hits every route alike
            count = per_session(level, run.total)
            run.results[level, route.name] = await run_level(route, direct, level, count)


async def _one_player(
    stack: Stack, run: Run, direct: DirectTarget, mosquitto: str, upstream: str, *, quick: bool
) -> None:
    """The broker without `set_tcp_nodelay`; one long game on each answerer."""
    if DEPLOY_SCRIPT.is_file():
        route = await _deploy_route(stack, mosquitto, upstream, NAGLE, no_delay=False)
        count = QUICK_REQUESTS_PER_LEVEL if quick else NAGLE_REQUESTS
        run.nagle = (route, await run_level(route, direct, 1, count))
    turns = QUICK_DEPTH_TURNS if quick else DEPTH_TURNS
    for route in run.routes[1:]:
        run.depth[route.name] = (await run_level(route, direct, 1, turns, turns=turns)).samples


def _notes(run: Run) -> str:
    hold = UPSTREAM_DELAY_S * 1000
    chunks = f"{REPLY_CHUNKS} chunks {CHUNK_DELAY_S * 1000:g} ms apart"
    ideal_full = hold + (REPLY_CHUNKS + 1) * CHUNK_DELAY_S * 1000
    return (
        f"Fake upstream: first chunk after {hold:.0f} ms, then {chunks} (ideal first chunk "
        f"≈ {hold:.0f} ms, full ≈ {ideal_full:.0f} ms). Each game session is its own MQTT 5 "
        f'connection (aiomqtt) sending `{PROJECT}/user_input` (keyless, `"stream": true`, '
        '`"format": "json"`, QoS 1) back-to-back; first chunk = the first `delta` message, '
        "full = the `done` answer. "
        f"{run.total} requests per level ({MIN_PER_SESSION} per session at least), a new game "
        f"(sessionId) every {TURNS_PER_GAME} requests, answers on a `replyTopic` of the "
        "player's. Direct = "
        "the same request streamed from the upstream's `/v1/chat/completions` at the same "
        "concurrency; added = path minus direct, per percentile. Each answerer has its own "
        "Mosquitto (loopback, anonymous, no persistence, `set_tcp_nodelay true`; the game "
        f"clients set TCP_NODELAY too), {WORKERS} bridge workers and the "
        "gate's caps raised (`bench_caps`). Client, brokers, answerers and upstream share the "
        "machine's cores."
    )


def report(run: Run) -> str:
    parts = [
        _notes(run),
        main_table(run),
        target_line(run, 50, OVERHEAD_TARGET_MS),
        "CPU per answered request (the processes' user + system time over the level):",
        cpu_table(run),
        "The broker's `set_tcp_nodelay` (off by default in Mosquitto), one player:",
        nagle_table(run, DEPLOY),
        "One player, one long game: each turn's request carries the session's whole history "
        "so far (system prompt + 2 messages per earlier turn). Added = against the direct "
        "path at 1 session above (2 messages).",
        depth_table(run, DEPTH_BUCKET),
    ]
    if run.chat is not None:
        parts += [
            f"Chat load: streamed `/api/llm/chat/session` turns, each a new session, as many "
            f"at once as the gate's chat lane reserves; each waits {CHAT_HOLD_S:g} s upstream "
            "(a fault directive), started spread over that time so they end at a steady rate; the "
            "game load starts once they are all in flight. "
            f"Added = against the direct path at {run.chat.sessions} sessions above.",
            chat_table(run.chat, run.results[run.chat.sessions, DIRECT].samples),
            chat_summary(run.chat, CHAT_RATIO_TARGET),
        ]
    parts += run.notes
    if errors := error_lines(run):
        parts.append("\n".join(errors))
    return "\n\n".join(parts)
