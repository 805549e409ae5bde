"""Percentiles, latency summaries and markdown tables shared by the benches."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LatencySummary:
    """Latencies of one load level, in milliseconds, and its throughput."""

    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests_per_s: float
    count: int
    errors: int

    @classmethod
    def of(cls, seconds: Sequence[float], wall_s: float, errors: int) -> LatencySummary:
        ms = [value * 1000 for value in seconds]
        return cls(
            p50_ms=percentile(ms, 0.50),
            p95_ms=percentile(ms, 0.95),
            p99_ms=percentile(ms, 0.99),
            requests_per_s=len(seconds) / wall_s if wall_s > 0 else math.nan,
            count=len(seconds),
            errors=errors,
        )


def fmt_ms(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def fmt_rate(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:,.0f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Section:
    """One bench's result: a heading, a markdown body (tables and notes)."""

    title: str
    body: str

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"
