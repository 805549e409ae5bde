"""The embedded llama.cpp server: fetch its model, run it, stop it.

Where no OpenAI-compatible server is configured (a laptop, CI), the product runs llama.cpp's
own HTTP server from the PyPI package ``xllamacpp``, in a process of its own: its C++ threads
must not compete with the web app's event loop, and several app workers share one server.
``make run``, ``make llm`` and the test fixtures all start it the same way::

    python -m app.llm.runtime serve --model smollm2 --port 0   # LLM_SERVER_URL=http://...
    python -m app.llm.runtime fetch                            # download + verify, print path
    python -m app.llm.runtime path                             # print the cached model path

``serve`` writes exactly one line to stdout, ``LLM_SERVER_URL=<url>``, once ``/health``
answers; the llama.cpp log goes to stderr. SIGTERM or SIGINT stops it cleanly.

The model file comes from :mod:`app.llm.model_files` (a checksum-pinned PyPI wheel).

Only the standard library, pydantic-settings and (lazily) xllamacpp are imported: the
launcher must start without the web stack, and ``fetch`` must work before xllamacpp does.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .model_files import (
    BUILTIN_MODELS,
    SMOLLM2,
    LauncherError,
    RuntimeSettings,
    ensure_model,
    resolve_model,
)

logger = logging.getLogger("app.llm.runtime")

URL_LINE_PREFIX = "LLM_SERVER_URL="
BACKEND_DIR = Path(__file__).resolve().parents[2]
"""Where ``python -m app.llm.runtime`` runs from when another process starts it."""
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def available_cores() -> int:
    """Cores this process may run on (a container's CPU set, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``serve`` needs, already resolved (model file on disk, thread count)."""

    model: Path
    alias: str
    host: str = "127.0.0.1"
    port: int = 8080
    n_parallel: int = 4
    n_ctx: int = 32768
    threads: int = field(default_factory=available_cores)
    seed: int | None = None
    verbosity: int = 2
    exit_with_parent: bool = False
    health_timeout_s: float = 60.0


HTTP_THREADS_MIN = 32


def _import_xllamacpp() -> ModuleType:
    try:
        return importlib.import_module("xllamacpp")
    except ImportError as exc:
        raise LauncherError(
            f"xllamacpp is not installed for {sys.executable} ({exc}) — run `make setup`."
        ) from exc


def _server_params(xllamacpp: ModuleType, options: ServeOptions) -> Any:
    params = xllamacpp.CommonParams()
    params.model.path = str(options.model)
    params.model_alias = {options.alias}
    params.hostnames = [options.host]
    params.port = options.port
    params.n_parallel = options.n_parallel
    params.n_ctx = options.n_ctx  # split evenly among the slots
    params.cpuparams.n_threads = options.threads
    params.cpuparams_batch.n_threads = options.threads
    # llama.cpp's HTTP server parks one thread on every open keep-alive connection; its default
    # (slots + 2 on a small machine) makes a pooled client's extra connection wait or be dropped
    # while streams run. Idle threads cost nothing, so leave room for a full connection pool.
    params.n_threads_http = max(HTTP_THREADS_MIN, options.n_parallel * 4)
    # Fitting probes device memory with a trial load (~1 s): pointless with an explicit n_ctx.
    params.fit_params = False
    params.ui = False
    params.endpoint_metrics = True
    params.verbosity = options.verbosity
    if options.seed is not None:
        params.sampling.seed = options.seed
    return params


def _check_port_free(host: str, port: int) -> None:
    # llama.cpp reports a busy port only as "Failed to init server"; say what is wrong.
    if port == 0:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise LauncherError(
                f"cannot listen on {host}:{port} ({exc.strerror}) — stop what uses it, "
                "or pass --port 0 to pick a free port."
            ) from exc


def wait_healthy(url: str, timeout_s: float) -> None:
    """Block until ``GET {url}/health`` answers 200 (503 while the model loads)."""
    # No proxies: an http_proxy meant for the internet must not see loopback probes.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with opener.open(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:  # URLError and HTTPError (503 while loading) included
            pass
        if time.monotonic() > deadline:
            raise LauncherError(f"llama.cpp at {url} is not healthy after {timeout_s:.0f} s")
        time.sleep(0.05)


def _stop_when_orphaned(poll_s: float = 0.5) -> None:
    """SIGTERM ourselves once the parent dies, so a killed test run leaves no server."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def serve(options: ServeOptions) -> None:
    """Run llama.cpp's HTTP server in this process until SIGTERM or SIGINT."""
    xllamacpp = _import_xllamacpp()
    _check_port_free(options.host, options.port)
    # Block the stop signals before llama.cpp starts its threads: they inherit the mask, so
    # only sigwait() below takes the signals, also ones sent while the model loads. A shell
    # starts background jobs with SIGINT ignored, and an ignored signal never reaches
    # sigwait(); an explicit stop request should still stop the server.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_DFL)
    if options.exit_with_parent:
        _stop_when_orphaned()
    started = time.monotonic()
    try:
        server = xllamacpp.Server(_server_params(xllamacpp, options))
    except RuntimeError as exc:
        raise LauncherError(
            f"llama.cpp could not start {options.model} on {options.host}:{options.port} "
            f"({exc}); its log above says why."
        ) from exc
    url = str(server.listening_address)
    wait_healthy(url, options.health_timeout_s)
    logger.info("%s healthy at %s in %.2f s", options.alias, url, time.monotonic() - started)
    sys.stdout.write(f"{URL_LINE_PREFIX}{url}\n")
    sys.stdout.flush()
    received = signal.sigwait(STOP_SIGNALS)
    logger.info("stopping on %s", signal.Signals(received).name)
    # Dropping the last reference runs ~Server, which joins the HTTP and inference loops.
    del server


@contextlib.asynccontextmanager
async def embedded_server(
    model: str = "smollm2", *, start_timeout_s: float = 600.0
) -> AsyncIterator[str]:
    """Run ``serve`` in a child process as ``make run`` does; yield its URL, stop it after.

    The child exits by itself should this process die (``--exit-with-parent``). The timeout
    is generous because a first run unpacks the model.
    """
    command = ("-m", "app.llm.runtime", "serve", "--model", model, "--port", "0")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *command,
        "--exit-with-parent",
        cwd=BACKEND_DIR,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), start_timeout_s)
        if not line.startswith(URL_LINE_PREFIX.encode()):  # it exited: its log says why
            raise RuntimeError("the embedded LLM did not start; see its log above")
        yield line.decode().removeprefix(URL_LINE_PREFIX).strip()
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.llm.runtime",
        description="Fetch and run the embedded llama.cpp server.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="run the server until SIGTERM/SIGINT")
    run.add_argument("--model", default=SMOLLM2.alias, help="smollm2 or a GGUF path")
    run.add_argument("--sha256", help="refuse a model file with another checksum")
    run.add_argument("--alias", help="model id in /v1/models (default: smollm2 or stem)")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    run.add_argument("--n-parallel", type=int, default=4, help="slots")
    run.add_argument("--n-ctx", type=int, default=32768, help="total, split among slots")
    run.add_argument("--threads", type=int, default=available_cores(), help="default: cores")
    run.add_argument("--seed", type=int, help="default sampling seed")
    run.add_argument("--verbosity", type=int, default=2, help="llama.cpp log: 2 warn, 3 info")
    run.add_argument("--exit-with-parent", action="store_true", help="stop if orphaned")
    commands.add_parser("fetch", help="download and verify the model, print its path")
    commands.add_parser("path", help="print the cached model path (fetching if needed)")
    return parser


def _serve_options(args: argparse.Namespace, settings: RuntimeSettings) -> ServeOptions:
    model = resolve_model(args.model, args.sha256, settings)
    # The id /v1/models reports: a stable name, never a machine-specific cache path.
    default_alias = args.model if args.model in BUILTIN_MODELS else model.stem
    return ServeOptions(
        model=model,
        alias=args.alias or default_alias,
        host=args.host,
        port=args.port,
        n_parallel=args.n_parallel,
        n_ctx=args.n_ctx,
        threads=args.threads,
        seed=args.seed,
        verbosity=args.verbosity,
        exit_with_parent=args.exit_with_parent,
    )


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the process exit status."""
    args = _build_parser().parse_args(argv)
    quiet = args.command == "path"
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    settings = RuntimeSettings()
    try:
        if args.command == "serve":
            serve(_serve_options(args, settings))
        else:
            print(ensure_model(SMOLLM2, settings))  # noqa: T201 - the CLI's output
    except LauncherError as exc:
        logger.error("%s", exc)
        return 1
    except KeyboardInterrupt:  # Ctrl-C during a download: no traceback
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
