"""`python -m app.cli set-temporary-password` as an operator runs it: a separate process on
the portal's database, while the portal serves."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fixtures.factories import register, unique_email

pytestmark = pytest.mark.integration
both_databases = pytest.mark.parametrize(
    "database_backend", ["sqlite", "postgresql"], indirect=True
)
BACKEND_DIR = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str


async def run_cli(database_url: str, *args: str) -> Finished:
    env = {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        cwd=BACKEND_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())


@both_databases
async def test_prints_a_temporary_password_that_must_be_changed(
    client: httpx.AsyncClient, database_url: str
) -> None:
    admin = await register(client)
    finished = await run_cli(database_url, "set-temporary-password", admin.email.upper())
    assert finished.code == 0, finished.stderr
    temporary = finished.stdout.strip()
    assert temporary
    assert "\n" not in temporary
    assert "choose a new password" in finished.stderr
    assert (await client.get("/api/auth/me", headers=admin.headers)).status_code == 401
    login = await client.post("/api/auth/login", json={"email": admin.email, "password": temporary})
    assert login.status_code == 200
    me = await client.get(
        "/api/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["must_change_password"] is True


@both_databases
async def test_unknown_email_fails_and_says_so(
    client: httpx.AsyncClient, database_url: str
) -> None:
    email = unique_email()
    finished = await run_cli(database_url, "set-temporary-password", email)
    assert finished.code == 1
    assert finished.stdout == ""
    assert f"No account has the email {email}" in finished.stderr
    assert "Traceback" not in finished.stderr


async def test_missing_sqlite_database_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "portal.db"
    finished = await run_cli(
        f"sqlite+aiosqlite:///{missing}", "set-temporary-password", "a@example.com"
    )
    assert finished.code == 1
    assert "There is no database at" in finished.stderr
    assert not missing.exists()


async def test_usage_without_arguments() -> None:
    finished = await run_cli("sqlite+aiosqlite:///unused.db", "set-temporary-password")
    assert finished.code == 2
    assert "email" in finished.stderr
