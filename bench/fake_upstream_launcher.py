"""Run the test suite's fake OpenAI-compatible server in a process of its own.

    python bench/fake_upstream_launcher.py --delay 0.05   # prints FAKE_UPSTREAM_URL=http://...

Every generation request is answered after `--delay` seconds. The server stops on SIGTERM or
SIGINT, or when its standard input closes (the bench that started it has gone), so it never
outlives the bench. It runs on uvloop, so the fake costs the same for the direct and the portal
paths and as little as possible of the shared CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from types import FrameType

import uvloop

BACKEND_DIR = Path(__file__).resolve().parent.parent / "backend"
sys.path.insert(0, str(BACKEND_DIR))

from tests.fixtures.fake_upstream import FakeUpstream, Fault  # noqa: E402

URL_LINE_PREFIX = "FAKE_UPSTREAM_URL="


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.05, help="answer delay, seconds")
    args = parser.parse_args()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    server = FakeUpstream(fault=Fault(mode="delay", delay=args.delay))
    server.start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_on_signal)
    try:
        sys.stdout.write(f"{URL_LINE_PREFIX}{server.url}\n")
        sys.stdout.flush()
        sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
