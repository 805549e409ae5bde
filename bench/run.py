"""Run the portal's benchmarks and write a markdown report.

    python bench/run.py                    # every bench, results in bench/results/latest.md
    python bench/run.py --only overhead    # one bench (repeatable)
    python bench/run.py --quick            # fewer requests, for a smoke check

A full run writes `bench/results/latest.md`; a partial or quick run writes
`bench/results/scratch.md.tmp` (ignored by git) unless `--output` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

import gateway
import kv_reuse
import mqtt_overhead
import overhead
import playground
import streams
import typing_session
from environment import header, load_average
from measure import Section
from processes import ProcessGroup
from stack import ROOT, Stack

RESULTS_DIR = ROOT / "bench" / "results"
Bench = Callable[[Stack], Awaitable[Section]]


def _benches(quick: bool, profile: bool = False) -> dict[str, Bench]:
    return {
        "overhead": lambda stack: overhead.measure(stack, quick=quick),
        "kv_reuse": lambda stack: kv_reuse.measure(stack, quick=quick),
        "typing": lambda stack: typing_session.measure(stack, quick=quick),
        "streams": lambda stack: streams.measure(stack, quick=quick),
        "mqtt": lambda stack: mqtt_overhead.measure(stack, quick=quick),
        "playground": lambda stack: playground.measure(stack, quick=quick),
        "gateway": lambda stack: gateway.measure(stack, quick=quick, profile=profile),
    }


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Prompt Portal benchmarks")
    parser.add_argument("--only", action="append", choices=list(_benches(False)), default=[])
    parser.add_argument("--quick", action="store_true", help="fewer requests and keystrokes")
    parser.add_argument("--output", type=Path, help="report file (default: see module doc)")
    parser.add_argument(
        "--profile", action="store_true", help="gateway: py-spy profile of the portal under load"
    )
    return parser.parse_args(argv)


def _output_path(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return Path(args.output)
    if args.only or args.quick:
        return RESULTS_DIR / "scratch.md.tmp"
    return RESULTS_DIR / "latest.md"


async def _run_all(names: list[str], quick: bool, profile: bool, scratch: Path) -> list[Section]:
    benches = _benches(quick, profile)
    sections: list[Section] = []
    with ProcessGroup(scratch) as group:
        stack = Stack(group, scratch)
        for name in names:
            started = time.monotonic()
            print(f"==> {name}", file=sys.stderr, flush=True)  # noqa: T201
            section = await benches[name](stack)
            print(section.markdown(), flush=True)  # noqa: T201
            print(f"    {name}: {time.monotonic() - started:.0f} s", file=sys.stderr)  # noqa: T201
            sections.append(section)
    return sections


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.tmp")
    partial.write_text(text)
    partial.replace(path)


def _show_logs(scratch: Path, lines: int = 20) -> None:
    """The helper processes' last log lines, before the scratch folder goes away."""
    for log in sorted(scratch.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- {log.name} (last {len(tail)} lines)", file=sys.stderr)  # noqa: T201
        print("\n".join(tail), file=sys.stderr)  # noqa: T201


def main(argv: list[str]) -> int:
    args = _parse(argv)
    names = args.only or list(_benches(args.quick))
    report = header(argv)
    print(report, flush=True)  # noqa: T201
    with tempfile.TemporaryDirectory(prefix="pp-bench-") as scratch:
        try:
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                sections = runner.run(_run_all(names, args.quick, args.profile, Path(scratch)))
        except BaseException:
            _show_logs(Path(scratch))
            raise
    output = _output_path(args)
    footer = f"\n_Load average (1 / 5 / 15 min) at the end: {load_average()}._\n"
    body = "\n".join(section.markdown() for section in sections)
    _write(output, f"{report}\n{body}{footer}")
    print(f"results written to {output}", file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
