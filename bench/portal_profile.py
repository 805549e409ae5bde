"""Where a portal worker's CPU goes under load: py-spy samples it while a bench drives it.

`record` runs `py-spy record --format raw` (collapsed stacks, full file names) on the portal
process for a few seconds while one target is kept at a fixed concurrency, keeps the raw file
under `bench/results/profiles/` (ignored by git) and summarises it: the functions that were on
top of the stack most often (self time), and the share of samples in which each package or
portal module was anywhere on the stack (inclusive). py-spy ships in the project's venv.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from measure import markdown_table
from overhead import Target, load
from stack import ROOT

PY_SPY = Path(sys.executable).parent / "py-spy"
PROFILE_DIR = ROOT / "bench" / "results" / "profiles"
DURATION_S = 10
QUICK_DURATION_S = 4
RATE_HZ = 100
TOP = 15
UBIQUITOUS = 0.9
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
SITE_PACKAGES = "/site-packages/"
APP = "/backend/app/"
STDLIB = re.compile(r"/lib/python3\.\d+/")
STOP_TIMEOUT_S = 30.0
WORKER_THREAD_ROOT = "Thread._bootstrap"


def _component(path: str) -> str:
    """What a frame's file belongs to: a package, a portal module, or the standard library."""
    if SITE_PACKAGES in path:
        return path.split(SITE_PACKAGES, 1)[1].split("/", 1)[0].removesuffix(".py")
    if APP in path:
        parts = path.split(APP, 1)[1].removesuffix(".py").split("/")
        return "app." + ".".join(parts[:2] if len(parts) > 1 else parts)
    if match := STDLIB.search(path):
        return "stdlib " + path[match.end() :].split("/", 1)[0].removesuffix(".py")
    return path.rsplit("/", 1)[-1] or "?"


def _short(path: str) -> str:
    if SITE_PACKAGES in path:
        return path.split(SITE_PACKAGES, 1)[1]
    if APP in path:
        return "app/" + path.split(APP, 1)[1]
    if match := STDLIB.search(path):
        return path[match.end() :]
    return path


def _frames(stack: str) -> list[tuple[str, str]]:
    """(function, file) of each frame of one collapsed stack, outermost first."""
    frames = []
    for frame in stack.split(";"):
        match = FRAME.match(frame)
        frames.append((match["function"], match["file"]) if match else (frame, ""))
    return frames


@dataclass
class Samples:
    """The event-loop thread's samples by top function (self) and by component (inclusive)."""

    self_time: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)
    functions: Counter[str] = field(default_factory=Counter)
    loop: int = 0
    other_threads: int = 0


def _parse(lines: Iterable[str]) -> Samples:
    samples = Samples()
    for line in lines:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = _frames(stack)
        if frames[0][0] == WORKER_THREAD_ROOT:
            samples.other_threads += count
            continue
        samples.loop += count
        function, path = frames[-1]
        samples.self_time[f"`{function}` ({_short(path)})"] += count
        for component in {_component(path) for _function, path in frames}:
            samples.inclusive[component] += count
        for name in {f"`{function}` ({_short(path)})" for function, path in frames}:
            samples.functions[name] += count
    return samples


def summarise(raw: Path, seconds: float) -> str:
    """Markdown: the event-loop thread's top functions (self) and components (inclusive)."""
    samples = _parse(raw.read_text(errors="replace").splitlines())
    if samples.loop == 0:
        return f"py-spy recorded no samples of the event-loop thread ({raw})."
    loop = samples.loop

    def shares(counter: Counter[str]) -> list[list[str]]:
        """The most frequent entries below the share that every request's frames reach."""
        common = [(name, n) for name, n in counter.most_common() if n < UBIQUITOUS * loop]
        return [[name, f"{100 * n / loop:.1f} %"] for name, n in common[:TOP]]

    everywhere = [name for name, n in samples.inclusive.items() if n >= UBIQUITOUS * loop]
    busy = loop / (seconds * RATE_HZ)
    return "\n\n".join(
        [
            f"The event-loop thread was busy in {loop:,} samples ({100 * busy:.0f} % of the "
            f"time); worker threads (aiosqlite connections, the thread pool) add "
            f"{samples.other_threads:,}, nearly all blocked waits that py-spy counts as active "
            "now and then, so they are left out. Shares below are of the loop thread's "
            f"samples; on more than {100 * UBIQUITOUS:.0f} % of them (the server's own frames, "
            f"left out): {', '.join(sorted(everywhere))}. Functions on top of the stack (self):",
            markdown_table(["function (file)", "self"], shares(samples.self_time)),
            "Functions anywhere on the stack (inclusive):",
            markdown_table(["function (file)", "inclusive"], shares(samples.functions)),
            "Packages and portal modules anywhere on the stack (inclusive):",
            markdown_table(["component", "inclusive"], shares(samples.inclusive)),
        ]
    )


async def record(
    session: aiohttp.ClientSession, target: Target, pid: int, concurrency: int, *, quick: bool
) -> str:
    """Profile process `pid` while `target` is kept at `concurrency`; a markdown section."""
    duration = QUICK_DURATION_S if quick else DURATION_S
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    raw = PROFILE_DIR / f"portal-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(duration)]
    command += ["--rate", str(RATE_HZ), "--format", "raw", "--full-filenames", "-o", str(raw)]
    spy = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    served = 0
    try:
        while spy.returncode is None:
            served += (await load(session, target, concurrency, concurrency * 4)).count
            await asyncio.sleep(0)
    finally:
        output, _ = await asyncio.wait_for(spy.communicate(), STOP_TIMEOUT_S)
    heading = (
        f"### Profile: the portal under {concurrency} concurrent `{target.url.split('/', 3)[-1]}`"
    )
    if spy.returncode != 0 or not raw.is_file():
        return f"{heading}\n\npy-spy failed ({spy.returncode}): {output.decode()[-500:]}"
    notes = (
        f"py-spy {RATE_HZ} Hz for {duration} s on the portal worker while one client kept "
        f"{concurrency} requests in flight ({served:,} answered); raw stacks in "
        f"`{raw.relative_to(ROOT)}`."
    )
    return f"{heading}\n\n{notes} {summarise(raw, duration)}"
