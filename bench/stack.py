"""The services a bench talks to, started on demand and shared within one run.

- the fake upstream (`fake_upstream_launcher.py`), answering after a fixed delay, optionally
  streaming at a fixed per-chunk pace;
- the embedded llama.cpp server with SmolLM2 (`python -m app.llm.runtime serve`);
- one portal per upstream and tag (`python -m app.server`, as `make run` starts it: uvicorn
  on uvloop with httptools and the header deadline, no access log), with its own SQLite file
  (or the database its `env` names) and the gate's caps raised so bench traffic is measured,
  not rejected.

Every process is separate from the load generator, so none of them shares its GIL.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from processes import ProcessGroup, free_port, wait_http_ok

ROOT = Path(__file__).resolve().parent.parent
BACKEND_DIR = ROOT / "backend"
PYTHON = sys.executable
START_TIMEOUT_S = 180.0  # covers a first-time SmolLM2 download
FAKE_URL_PREFIX = "FAKE_UPSTREAM_URL="
LLAMA_URL_PREFIX = "LLM_SERVER_URL="
BENCH_CAPS = {
    "LLM_MAX_CONCURRENCY": "256",
    "LLM_MAX_QUEUE": "1024",
    "LLM_PER_USER_CONCURRENCY": "256",
    "LLM_POOL_SIZE": "256",
}
"""The gate's caps (and the upstream connection pool), all counts, raised for every portal."""
CAP_HEADROOM = 16
COMPLETION_LIMIT = "100000/minute"
COMPLETION_LIMIT_VARIABLES = ("COMPLETION_RATE_LIMIT",)
LLAMA_SEED = 42


def bench_caps(concurrent: int) -> dict[str, str]:
    """`BENCH_CAPS` with every count raised to admit `concurrent` requests of one user at
    once in one lane (the other lanes each keep a free slot, hence the headroom)."""
    floor = concurrent + CAP_HEADROOM
    return {name: str(max(int(value), floor)) for name, value in BENCH_CAPS.items()}


@dataclass
class Stack:
    """Lazily started services; `group` stops them all when the run ends."""

    group: ProcessGroup
    scratch: Path
    _fake_urls: dict[tuple[float, float, int | None], str] = field(default_factory=dict)
    _llama_url: str | None = None
    _portal_urls: dict[str, str] = field(default_factory=dict)
    _portal_logs: dict[str, Path] = field(default_factory=dict)
    _portal_processes: dict[str, subprocess.Popen[str]] = field(default_factory=dict)

    def fake_upstream(
        self, delay_s: float, *, chunk_delay_s: float = 0.0, reply_chunks: int | None = None
    ) -> str:
        """The fake answering after `delay_s`; streams wait `chunk_delay_s` after each chunk;
        `reply_chunks`: a fixed answer of that many chunks instead of an echo."""
        key = (delay_s, chunk_delay_s, reply_chunks)
        if key not in self._fake_urls:
            arguments = ["--delay", str(delay_s)]
            name = f"fake-upstream-{delay_s:g}"
            if chunk_delay_s:
                arguments += ["--chunk-delay", str(chunk_delay_s)]
                name += f"-per-chunk-{chunk_delay_s:g}"
            if reply_chunks is not None:
                arguments += ["--reply-chunks", str(reply_chunks)]
                name += f"-{reply_chunks}-chunks"
            command = [PYTHON, str(ROOT / "bench" / "fake_upstream_launcher.py"), *arguments]
            process = self.group.start(name, command, cwd=ROOT, stdin=True)
            url = self.group.wait_for_line(process, FAKE_URL_PREFIX, START_TIMEOUT_S)
            self._fake_urls[key] = url
        return self._fake_urls[key]

    def llama(self) -> str:
        """The embedded server with the product's parameters (4 slots, 32,768 tokens)."""
        if self._llama_url is None:
            command = [
                *(PYTHON, "-m", "app.llm.runtime", "serve", "--model", "smollm2"),
                *("--host", "127.0.0.1", "--port", "0", "--seed", str(LLAMA_SEED)),
                "--exit-with-parent",
            ]
            process = self.group.start("llama-smollm2", command, cwd=BACKEND_DIR)
            url = self.group.wait_for_line(process, LLAMA_URL_PREFIX, START_TIMEOUT_S)
            self._llama_url = url.rstrip("/")
        return self._llama_url

    def portal(self, upstream_url: str, tag: str = "", env: Mapping[str, str] | None = None) -> str:
        """A portal in front of `upstream_url`; another `tag` gets a fresh process (empty
        caches, own database). `env` adds or overrides settings (e.g. `DATABASE_URL`, caps);
        it only applies when this call starts the process."""
        key = f"{upstream_url} {tag}"
        if key not in self._portal_urls:
            self._portal_urls[key] = self._start_portal(upstream_url, env or {})
        return self._portal_urls[key]

    def portal_log(self, portal_url: str) -> Path:
        """The log file of the portal answering at `portal_url`."""
        return self._portal_logs[portal_url]

    def portal_pid(self, portal_url: str) -> int:
        return self._portal_processes[portal_url].pid

    def stop_portal(self, portal_url: str) -> None:
        """Stop that portal now (its log stays); e.g. before dropping its database."""
        self.group.stop(self._portal_processes.pop(portal_url))
        self._portal_urls = {k: v for k, v in self._portal_urls.items() if v != portal_url}

    def _start_portal(self, upstream_url: str, overrides: Mapping[str, str]) -> str:
        index = len(self._portal_logs)
        port = free_port()
        command = [
            *(PYTHON, "-m", "app.server", "--host", "127.0.0.1", "--port", str(port)),
            *("--http", "httptools"),
        ]
        env = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.scratch / f'portal-{index}.db'}",
            "ENVIRONMENT": "development",
            "LLM_SERVER_URL": upstream_url,
            **BENCH_CAPS,
            **dict.fromkeys(COMPLETION_LIMIT_VARIABLES, COMPLETION_LIMIT),
            **overrides,
        }
        name = f"portal-{index}"
        process = self.group.start(name, command, cwd=BACKEND_DIR, env=env, stdout_pipe=False)
        url = f"http://127.0.0.1:{port}"
        self._portal_logs[url] = self.group.log_dir / f"{name}.log"
        self._portal_processes[url] = process
        wait_http_ok(f"{url}/api/health", START_TIMEOUT_S, process)
        return url
