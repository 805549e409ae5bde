"""LiteLLM proxy in front of the fake upstream, for the `gateway` bench's comparison.

LiteLLM is not one of the portal's dependencies: the first run installs `litellm[proxy]`,
pinned, from PyPI into a virtual environment of its own (`.bench-venvs/litellm`, ignored by
git; about 750 MB and 2-3 minutes), later runs reuse it. The proxy runs as its documentation
shows, `litellm --config <yaml> --port <port> --num_workers 1`, with a master key, no
database, and `LITELLM_LOCAL_MODEL_COST_MAP=True` so it never fetches its price list.

Pinned to 1.108.7: the newest release whose `[proxy]` extra installs from PyPI (the extras of
1.108.8-1.110.2 require `litellm-proxy`, `litellm-proxy-extras` or `litellm-enterprise`
releases that the index does not offer), and the release the issue's first figures used.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from processes import free_port, wait_http_ok
from stack import ROOT, Stack

LITELLM_VERSION = "1.108.7"
REQUIREMENT = f"litellm[proxy]=={LITELLM_VERSION}"
VENV_DIR = ROOT / ".bench-venvs" / "litellm"
INSTALLED_MARKER = VENV_DIR / "installed.txt"
MASTER_KEY = "sk-bench-master-key"
READY_PATH = "/health/readiness"
START_TIMEOUT_S = 300.0  # importing the proxy takes 30-60 s on a busy 2-core machine
INSTALL_TIMEOUT_S = 1800.0


class LiteLLMUnavailable(RuntimeError):
    """LiteLLM could not be installed (the message says why); the bench reports it."""


def ensure_installed() -> Path:
    """The `litellm` command of the pinned release, installed first if needed."""
    executable = VENV_DIR / "bin" / "litellm"
    if INSTALLED_MARKER.is_file() and INSTALLED_MARKER.read_text().strip() == REQUIREMENT:
        return executable
    print(f"    installing {REQUIREMENT} into {VENV_DIR} (once)", file=sys.stderr)  # noqa: T201
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV_DIR)],
        [str(VENV_DIR / "bin" / "python"), "-m", "pip", "install", "-q", REQUIREMENT],
    ]
    for step in steps:
        done = subprocess.run(
            step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
        )
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
            raise LiteLLMUnavailable(f"`{' '.join(step[-3:])}` failed: {tail}")
    INSTALLED_MARKER.write_text(REQUIREMENT + "\n")
    return executable


def _config(upstream_url: str, model: str) -> str:
    """The proxy's YAML (JSON is YAML): one model routed to the upstream, a master key."""
    return (
        "model_list:\n"
        f'  - model_name: "{model}"\n'
        "    litellm_params:\n"
        f'      model: "openai/{model}"\n'
        f'      api_base: "{upstream_url}/v1"\n'
        '      api_key: "unused"\n'
        "general_settings:\n"
        f'  master_key: "{MASTER_KEY}"\n'
    )


def start(stack: Stack, upstream_url: str, model: str) -> str:
    """A LiteLLM proxy in front of `upstream_url` serving `model`; returns its base URL."""
    executable = ensure_installed()
    config = stack.scratch / "litellm.yaml"
    config.write_text(_config(upstream_url, model))
    port = free_port()
    command = [str(executable), "--config", str(config), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--num_workers", "1"]
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    process = stack.group.start("litellm", command, cwd=stack.scratch, env=env, stdout_pipe=False)
    url = f"http://127.0.0.1:{port}"
    wait_http_ok(f"{url}{READY_PATH}", START_TIMEOUT_S, process)
    return url
