"""Run the test suite's fake OpenAI-compatible server in a process of its own.

    python bench/fake_upstream_launcher.py --delay 0.05   # prints FAKE_UPSTREAM_URL=http://...
    python bench/fake_upstream_launcher.py --delay 0 --chunk-delay 0.02 --reply-chunks 25

Every generation request is answered after `--delay` seconds; a streamed answer then waits
`--chunk-delay` seconds after each chunk (a model's per-token time). The answer echoes the
prompt, or with `--reply-chunks N` is a fixed text of N stream chunks. The server stops on
SIGTERM or SIGINT, or when its standard input closes (the bench that started it has gone), so
it never outlives the bench. It runs on uvloop, so the fake costs the same for the direct and
the portal paths and as little as possible of the shared CPUs.
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


def fixed_reply(chunks: int, chunk_size: int = 4) -> str:
    """A text that the fake streams as exactly `chunks` chunks of `chunk_size` characters
    ("t00 t01 ..." for the default size)."""
    words = (f"t{index:0{chunk_size - 2}d} "[-chunk_size:] for index in range(chunks))
    return "".join(words)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.05, help="answer delay, seconds")
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="wait after each streamed chunk, seconds"
    )
    parser.add_argument(
        "--reply-chunks", type=int, help="answer with a fixed text of this many chunks"
    )
    args = parser.parse_args()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    fault = Fault(mode="delay", delay=args.delay, chunk_delay=args.chunk_delay)
    server = FakeUpstream(fault=fault)
    if args.reply_chunks is not None:
        server.reply = fixed_reply(args.reply_chunks, server.chunk_size)
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
