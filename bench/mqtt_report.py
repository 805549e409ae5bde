"""The `mqtt` bench's results and its tables (the measuring is in `mqtt_overhead.py`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from measure import fmt_ms, fmt_rate, markdown_table, percentile
from mqtt_clients import ChatLoad, Samples

CPU_PARTS = ("answerer", "broker", "upstream", "client")


@dataclass(frozen=True)
class Route:
    """One way to the upstream: straight (`port` None, listed first) or through a broker
    and an answering process; `pids` are the processes whose CPU time is counted."""

    name: str
    port: int | None
    pids: Mapping[str, int]


@dataclass(frozen=True)
class Measured:
    samples: Samples
    cpu_ms: dict[str, float]
    """CPU milliseconds per answered request, by part (`CPU_PARTS`)."""


@dataclass(frozen=True)
class ChatPhase:
    sessions: int
    alone: Measured
    with_chat: Measured
    chat: ChatLoad
    chat_cap: int


@dataclass
class Run:
    total: int
    levels: tuple[int, ...]
    routes: list[Route] = field(default_factory=list)
    results: dict[tuple[int, str], Measured] = field(default_factory=dict)
    chat: ChatPhase | None = None
    nagle: tuple[Route, Measured] | None = None
    """The deploy script on a broker with Mosquitto's default (Nagle on), at 1 session."""
    depth: dict[str, Samples] = field(default_factory=dict)
    """One long game per answerer (route name → its turns)."""
    notes: list[str] = field(default_factory=list)

    @property
    def direct(self) -> Route:
        return self.routes[0]


def ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def _pair(values: list[float]) -> str:
    return f"{fmt_ms(ms(values, 0.50))} / {fmt_ms(ms(values, 0.99))}"


def _added(values: list[float], direct: list[float]) -> str:
    p50 = ms(values, 0.50) - ms(direct, 0.50)
    p99 = ms(values, 0.99) - ms(direct, 0.99)
    return f"{fmt_ms(p50)} / {fmt_ms(p99)}"


def _errors(samples: Samples) -> str:
    return str(sum(samples.errors.values()))


_HEADERS = (
    "sessions",
    "path",
    "first chunk p50 / p99 ms",
    "full reply p50 / p99 ms",
    "added first p50 / p99 ms",
    "added full p50 / p99 ms",
    "req/s",
    "errors",
)


def _row(level: int, name: str, measured: Measured, direct: Samples | None) -> list[str]:
    samples = measured.samples
    added = ["—", "—"]
    if direct is not None:
        added = [_added(samples.first_s, direct.first_s), _added(samples.full_s, direct.full_s)]
    first, full = _pair(samples.first_s), _pair(samples.full_s)
    return [str(level), name, first, full, *added, fmt_rate(samples.rate), _errors(samples)]


def main_table(run: Run) -> str:
    rows = []
    for level in run.levels:
        direct = run.results[level, run.direct.name].samples
        for route in run.routes:
            base = None if route is run.direct else direct
            rows.append(_row(level, route.name, run.results[level, route.name], base))
    return markdown_table(_HEADERS, rows)


def nagle_table(run: Run, baseline: str) -> str:
    """The `run.nagle` route next to the `baseline` route's 1-session row."""
    if run.nagle is None:
        return ""
    route, measured = run.nagle
    direct = run.results[1, run.direct.name].samples
    rows = [
        _row(1, baseline, run.results[1, baseline], direct),
        _row(1, route.name, measured, direct),
    ]
    return markdown_table(_HEADERS, rows)


def _cpu(cpu: Mapping[str, float], part: str) -> str:
    return "—" if part not in cpu else f"{cpu[part]:.2f}"


def cpu_table(run: Run) -> str:
    rows = []
    for level in run.levels:
        for route in run.routes:
            cpu = run.results[level, route.name].cpu_ms
            rows.append([str(level), route.name, *(_cpu(cpu, part) for part in CPU_PARTS)])
    headers = ["sessions", "path", *(f"{part} CPU ms/req" for part in CPU_PARTS)]
    return markdown_table(headers, rows)


def _bucket_p50(samples: Samples, first: int, size: int) -> float:
    full = [s.full_s for s in samples.samples if first <= s.turn < first + size]
    return ms(full, 0.50)


def depth_table(run: Run, size: int) -> str:
    """Full-reply p50 of a long game by turn, and what it adds to the direct path's."""
    if not run.depth:
        return ""
    turns = max(s.turn for samples in run.depth.values() for s in samples.samples) + 1
    starts = sorted({0, *range(0, turns, size)[1::4], (turns - 1) // size * size})
    direct = ms(run.results[1, run.direct.name].samples.full_s, 0.50)
    rows = []
    for first in starts:
        last = min(first + size, turns)
        row = [f"{first + 1}-{last}", f"{2 * first + 2}-{2 * last}"]
        for samples in run.depth.values():
            p50 = _bucket_p50(samples, first, size)
            row.append(f"{fmt_ms(p50)} ({fmt_ms(p50 - direct)})")
        rows.append(row)
    names = [f"{name} full p50 (added) ms" for name in run.depth]
    return markdown_table(["turns", "messages sent upstream", *names], rows)


def target_line(run: Run, level: int, target_ms: float) -> str:
    """Added p99 (first chunk / full reply) at `level` sessions against the target."""
    parts = []
    direct = run.results[level, run.direct.name].samples
    for route in run.routes[1:]:
        samples = run.results[level, route.name].samples
        first = ms(samples.first_s, 0.99) - ms(direct.first_s, 0.99)
        full = ms(samples.full_s, 0.99) - ms(direct.full_s, 0.99)
        met = "met" if max(first, full) <= target_ms else "not met"
        parts.append(f"{route.name} {fmt_ms(first)} / {fmt_ms(full)} ms ({met})")
    return (
        f"Target: added p99 ≤ {target_ms:g} ms at {level} sessions (first chunk / full "
        f"reply): {'; '.join(parts)}."
    )


def chat_table(phase: ChatPhase, direct: Samples) -> str:
    rows = []
    label = f"with chat at its cap ({phase.chat_cap} streams)"
    for name, measured in (("alone", phase.alone), (label, phase.with_chat)):
        samples = measured.samples
        rows.append(
            [
                name,
                _pair(samples.first_s),
                _pair(samples.full_s),
                _added(samples.full_s, direct.full_s),
                fmt_rate(samples.rate),
                _errors(samples),
                _cpu(measured.cpu_ms, "answerer"),
            ]
        )
    headers = [
        f"{phase.sessions} game sessions, portal",
        "first chunk p50 / p99 ms",
        "full reply p50 / p99 ms",
        "added full p50 / p99 ms",
        "game req/s",
        "errors",
        "portal CPU ms/game req",
    ]
    return markdown_table(headers, rows)


def chat_summary(phase: ChatPhase, target_ratio: float) -> str:
    alone, loaded = phase.alone.samples, phase.with_chat.samples
    ratios = [
        ms(loaded.full_s, q) / ms(alone.full_s, q) if ms(alone.full_s, q) > 0 else math.nan
        for q in (0.99, 0.50)
    ]
    verdict = "met" if ratios[0] <= target_ratio else "not met"
    outcomes = ", ".join(f"{n} {what}" for what, n in phase.chat.outcomes.most_common())
    return (
        f"Game full-reply p99 with / without the chat load: {fmt_ms(ms(loaded.full_s, 0.99))} "
        f"/ {fmt_ms(ms(alone.full_s, 0.99))} ms = **{ratios[0]:.2f}** (target ≤ "
        f"{target_ratio:.2f}: {verdict}); p50 {ratios[1]:.2f}, game req/s "
        f"{fmt_rate(alone.rate)} → {fmt_rate(loaded.rate)}. Chat turns during the phase: "
        f"{outcomes or 'none'}; at most {phase.chat.most_open} open at once."
    )


def error_lines(run: Run) -> list[str]:
    measured: list[tuple[str, Measured]] = [
        (f"{name} at {level}", result) for (level, name), result in run.results.items()
    ]
    if run.nagle is not None:
        measured.append((f"{run.nagle[0].name} at 1", run.nagle[1]))
    if run.chat is not None:
        measured.append(("portal with the chat load", run.chat.with_chat))
        measured.append(("portal before the chat load", run.chat.alone))
    lines = []
    for where, result in measured:
        if result.samples.errors:
            found = ", ".join(f"{n} x {what}" for what, n in result.samples.errors.items())
            lines.append(f"- errors, {where}: {found}")
    return lines
