"""The header of a results file: when, on what machine, with which package versions."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("openai", "aiohttp", "uvicorn", "uvloop", "httptools", "fastapi", "xllamacpp")


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> str:
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def header(arguments: list[str]) -> str:
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["bench/run.py", *arguments])
    return "\n".join(
        [
            "# Prompt Portal benchmarks",
            "",
            f"- run: {when}, `{command}`",
            f"- machine: {cores()} CPUs ({_cpu_model()}), {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()} ({sys.executable})",
            f"- packages: {versions}",
            f"- load average (1 / 5 / 15 min) at start: {load_average()}",
            "- all traffic on loopback; client, portal and servers share the CPUs",
            "",
        ]
    )
