"""Start helper processes for a bench and make sure every one of them stops.

Each process writes its log to a file in the bench's scratch folder (a pipe nobody reads
would fill up and block it). `ProcessGroup` is a context manager: leaving it, normally or
through an exception, sends SIGTERM to everything it started, newest first, then SIGKILL
to whatever is still alive after a grace period.
"""

from __future__ import annotations

import math
import os
import queue
import resource
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

STOP_GRACE_S = 15.0


class StartError(RuntimeError):
    """A helper process did not become ready; the message names its log file."""


def raise_open_files_limit() -> int:
    """Lift this process's soft open-files limit to its hard limit and return it; processes
    started afterwards inherit it (one stream holds a socket in the client, the portal and
    the upstream, and the portal one more to the upstream)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1_048_576  # Linux's default nr_open
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


def open_files_limit(pid: int) -> str:
    """The soft open-files limit of a running process, as /proc reports it."""
    limits = Path(f"/proc/{pid}/limits")
    if not limits.is_file():
        return "unknown"
    for line in limits.read_text().splitlines():
        if line.startswith("Max open files"):
            return line.split()[3]
    return "unknown"


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used so far (NaN if unknown)."""
    stat = Path(f"/proc/{pid}/stat")
    if not stat.is_file():
        return math.nan
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _read_line(stream: IO[str], timeout_s: float) -> str | None:
    lines: queue.Queue[str] = queue.Queue(maxsize=1)
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    try:
        return lines.get(timeout=timeout_s)
    except queue.Empty:
        return None


def wait_http_ok(url: str, timeout_s: float, process: subprocess.Popen[str]) -> None:
    """Poll `url` until it answers 200; fail early if the process died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StartError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise StartError(f"{url} did not answer 200 within {timeout_s:.0f} s")


@dataclass
class ProcessGroup:
    """The processes one bench run started; all stopped on exit."""

    log_dir: Path
    processes: list[tuple[str, subprocess.Popen[str]]] = field(default_factory=list)

    def start(
        self,
        name: str,
        command: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        stdin: bool = False,
        stdout_pipe: bool = True,
    ) -> subprocess.Popen[str]:
        """Start `command`; stdout stays a pipe (for a ready line), stderr goes to a log.

        A process that writes more than a ready line to stdout (uvicorn's access log goes
        there) needs `stdout_pipe=False`, or it blocks once the unread pipe is full (64 KiB);
        its stdout then goes to the log too."""
        log = (self.log_dir / f"{name}.log").open("w")
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdout_pipe else log,
            stderr=log,
            text=True,
        )
        log.close()
        self.processes.append((name, process))
        return process

    def wait_for_line(self, process: subprocess.Popen[str], prefix: str, timeout_s: float) -> str:
        """Return the value after `prefix` on the first stdout line that starts with it."""
        assert process.stdout is not None
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            line = _read_line(process.stdout, left)
            if line is None:
                break
            if not line:
                raise StartError(f"process exited early; see {self.log_dir}")
            if line.startswith(prefix):
                return line[len(prefix) :].strip()
        raise StartError(f"no {prefix!r} line within {timeout_s:.0f} s; see {self.log_dir}")

    def stop(self, process: subprocess.Popen[str]) -> None:
        """Stop one process (SIGTERM, then SIGKILL after the grace period) before the rest."""
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        _reap(process)
        self.processes = [(name, p) for name, p in self.processes if p is not process]

    def stop_all(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in reversed(self.processes):
            _reap(process)
        self.processes.clear()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()


def _reap(process: subprocess.Popen[str]) -> None:
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_GRACE_S)
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()
