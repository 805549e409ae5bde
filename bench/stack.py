"""The services a bench talks to, started on demand and shared within one run.

- the fake upstream (`fake_upstream_launcher.py`), answering after a fixed delay;
- the embedded llama.cpp server with SmolLM2 (`python -m app.llm.runtime serve`);
- one portal per upstream (uvicorn with uvloop and httptools, as in production), with its
  own SQLite file and the gate's caps raised so bench traffic is measured, not rejected.

Every process is separate from the load generator, so none of them shares its GIL.
"""

from __future__ import annotations

import sys
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
COMPLETION_LIMIT = "100000/minute"
COMPLETION_LIMIT_VARIABLES = ("COMPLETION_RATE_LIMIT",)
LLAMA_SEED = 42


@dataclass
class Stack:
    """Lazily started services; `group` stops them all when the run ends."""

    group: ProcessGroup
    scratch: Path
    _fake_urls: dict[float, str] = field(default_factory=dict)
    _llama_url: str | None = None
    _portal_urls: dict[str, str] = field(default_factory=dict)
    _portal_logs: dict[str, Path] = field(default_factory=dict)

    def fake_upstream(self, delay_s: float) -> str:
        if delay_s not in self._fake_urls:
            command = [PYTHON, str(ROOT / "bench" / "fake_upstream_launcher.py")]
            process = self.group.start(
                f"fake-upstream-{delay_s:g}",
                [*command, "--delay", str(delay_s)],
                cwd=ROOT,
                stdin=True,
            )
            url = self.group.wait_for_line(process, FAKE_URL_PREFIX, START_TIMEOUT_S)
            self._fake_urls[delay_s] = url
        return self._fake_urls[delay_s]

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

    def portal(self, upstream_url: str, tag: str = "") -> str:
        """A portal in front of `upstream_url`; another `tag` gets a fresh process (empty
        caches, own database)."""
        key = f"{upstream_url} {tag}"
        if key not in self._portal_urls:
            self._portal_urls[key] = self._start_portal(upstream_url)
        return self._portal_urls[key]

    def portal_log(self, portal_url: str) -> Path:
        """The log file of the portal answering at `portal_url`."""
        return self._portal_logs[portal_url]

    def _start_portal(self, upstream_url: str) -> str:
        index = len(self._portal_urls)
        port = free_port()
        command = [
            *(PYTHON, "-m", "uvicorn", "app.main:create_app", "--factory"),
            *("--host", "127.0.0.1", "--port", str(port)),
            *("--loop", "uvloop", "--http", "httptools"),
        ]
        env = {
            "DATABASE_URL": f"sqlite+aiosqlite:///{self.scratch / f'portal-{index}.db'}",
            "ENVIRONMENT": "development",
            "LLM_SERVER_URL": upstream_url,
            **BENCH_CAPS,
            **dict.fromkeys(COMPLETION_LIMIT_VARIABLES, COMPLETION_LIMIT),
        }
        process = self.group.start(f"portal-{index}", command, cwd=BACKEND_DIR, env=env)
        url = f"http://127.0.0.1:{port}"
        self._portal_logs[url] = self.group.log_dir / f"portal-{index}.log"
        wait_http_ok(f"{url}/api/health", START_TIMEOUT_S, process)
        return url
