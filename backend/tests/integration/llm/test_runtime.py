"""The embedded llama.cpp launcher (``python -m app.llm.runtime``) serves real models."""

from __future__ import annotations

import hashlib
import shlex
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.llm.model_files import ChecksumMismatchError, sha256_of, verify_checksum
from app.llm.runtime import URL_LINE_PREFIX
from tests.fixtures.llama_server import (
    BACKEND_DIR,
    LlamaServerPreset,
    launcher_command,
    read_line,
)

pytestmark = pytest.mark.integration

SLOT_CONTEXT = 32768 // 4
# A prompt SmolLM2 Q4_1 answers correctly at temperature 0 ("What is ..." does not).
CAPITAL_QUESTION = "Which city is the capital of France?"


def get(url: str) -> httpx.Response:
    # trust_env=False: a proxy configured for the internet must not see loopback calls.
    return httpx.get(url, trust_env=False)


def chat(url: str, content: str, **extra: Any) -> dict[str, Any]:
    payload = {"messages": [{"role": "user", "content": content}], "temperature": 0, **extra}
    response = httpx.post(f"{url}/v1/chat/completions", json=payload, timeout=60, trust_env=False)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def run_launcher(model: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = launcher_command(LlamaServerPreset(model=str(model), alias="tiny"), extra)
    return subprocess.run(
        command, cwd=BACKEND_DIR, capture_output=True, text=True, timeout=60, check=False
    )


def is_running(pid: int) -> bool:
    # A dead child of a container's PID 1 may linger as a zombie: that counts as stopped.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


class TestServeTinyModel:
    def test_health_is_ok(self, tiny_llama_url: str) -> None:
        response = get(f"{tiny_llama_url}/health")

        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    def test_props_report_four_slots_of_8192_tokens(self, tiny_llama_url: str) -> None:
        props = get(f"{tiny_llama_url}/props").json()

        assert props["total_slots"] == 4
        assert props["default_generation_settings"]["n_ctx"] == SLOT_CONTEXT

    def test_slots_each_have_8192_tokens(self, tiny_llama_url: str) -> None:
        slots = get(f"{tiny_llama_url}/slots").json()

        assert [slot["n_ctx"] for slot in slots] == [SLOT_CONTEXT] * 4

    def test_models_report_the_alias_as_id(self, tiny_llama_url: str) -> None:
        models = get(f"{tiny_llama_url}/v1/models").json()

        assert [model["id"] for model in models["data"]] == ["tiny"]

    def test_chat_completion_returns_text(self, tiny_llama_url: str) -> None:
        body = chat(tiny_llama_url, "Hello", max_tokens=8, ignore_eos=True)

        assert body["choices"][0]["message"]["content"].strip()
        assert body["usage"]["completion_tokens"] == 8

    def test_same_prompt_gives_same_text(self, tiny_llama_url: str) -> None:
        first = chat(tiny_llama_url, "Tell me a story", max_tokens=16, ignore_eos=True)
        second = chat(tiny_llama_url, "Tell me a story", max_tokens=16, ignore_eos=True)

        assert first["choices"][0]["message"] == second["choices"][0]["message"]


class TestServeSmolLM2:
    def test_answers_the_capital_of_france(self, smollm2_llama_url: str) -> None:
        body = chat(smollm2_llama_url, CAPITAL_QUESTION, max_tokens=32)

        assert "Paris" in body["choices"][0]["message"]["content"]


class TestStop:
    def test_sigterm_stops_the_server_cleanly(self, tiny_model_file: Path) -> None:
        command = launcher_command(LlamaServerPreset(model=str(tiny_model_file), alias="tiny"))
        with subprocess.Popen(
            command, cwd=BACKEND_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        ) as process:
            assert process.stdout is not None
            assert (read_line(process.stdout, 60) or "").startswith(URL_LINE_PREFIX)

            process.send_signal(signal.SIGTERM)

            assert process.wait(timeout=10) == 0

    def test_server_stops_when_its_parent_dies(self, tiny_model_file: Path) -> None:
        preset = LlamaServerPreset(model=str(tiny_model_file), alias="tiny")
        script = f"{shlex.join(launcher_command(preset))} & echo $!; wait"
        with subprocess.Popen(
            ["sh", "-c", script],
            cwd=BACKEND_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        ) as parent:
            assert parent.stdout is not None
            server_pid = int(read_line(parent.stdout, 10) or "0")
            assert (read_line(parent.stdout, 60) or "").startswith(URL_LINE_PREFIX)

            parent.kill()
            parent.wait()
            deadline = time.monotonic() + 10
            while is_running(server_pid) and time.monotonic() < deadline:
                time.sleep(0.1)

            assert not is_running(server_pid)


class TestRefusals:
    def test_wrong_checksum_is_refused_naming_both(self, tiny_model_file: Path) -> None:
        wrong = "0" * 64

        result = run_launcher(tiny_model_file, "--sha256", wrong)

        assert result.returncode == 1
        assert result.stdout == ""
        assert "checksum mismatch" in result.stderr
        assert f"expected sha256 {wrong}" in result.stderr
        assert f"got {sha256_of(tiny_model_file)}" in result.stderr

    def test_checksum_mismatch_carries_expected_and_actual(self, tmp_path: Path) -> None:
        model = tmp_path / "model.gguf"
        model.write_bytes(b"GGUF not really a model")

        with pytest.raises(ChecksumMismatchError) as caught:
            verify_checksum(model, "ab" * 32)

        assert caught.value.expected == "ab" * 32
        assert caught.value.actual == hashlib.sha256(b"GGUF not really a model").hexdigest()

    def test_busy_port_is_named(self, tiny_model_file: Path) -> None:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]

            result = run_launcher(tiny_model_file, "--port", str(port))

        assert result.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr

    def test_missing_model_file_is_named(self, tmp_path: Path) -> None:
        result = run_launcher(tmp_path / "absent.gguf")

        assert result.returncode == 1
        assert "absent.gguf" in result.stderr
        assert "neither a built-in (smollm2) nor a file" in result.stderr
