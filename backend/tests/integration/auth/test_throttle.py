"""Password guessing is slowed per account and per client address, the same for every account."""

import re

import httpx
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import register, unique_email

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(make_settings: SettingsFactory) -> Settings:
    return make_settings(login_rate_limit_account="5/minute", login_rate_limit_address="12/minute")


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"email": email, "password": password})


async def test_guessing_one_account_is_refused_with_retry_after(client: httpx.AsyncClient) -> None:
    account = await register(client)  # one login attempt used
    statuses = [(await login(client, account.email, "wrong-guess-1")).status_code for _ in range(4)]
    refused = await login(client, account.email, "wrong-guess-1")
    assert statuses == [401] * 4
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["code"] == "rate_limited"
    # Even the right password waits out the window: the throttle answers before checking it.
    assert (await login(client, account.email, account.password)).status_code == 429


async def test_unknown_and_known_accounts_are_refused_alike(client: httpx.AsyncClient) -> None:
    known = await register(client)
    for _ in range(4):
        await login(client, known.email, "wrong-guess-1")
    unknown = unique_email("nobody")
    for _ in range(5):
        await login(client, unknown, "wrong-guess-1")
    refused_known = await login(client, known.email, "wrong-guess-1")
    refused_unknown = await login(client, unknown, "wrong-guess-1")
    assert refused_known.status_code == refused_unknown.status_code == 429

    # Same words for both; only the seconds to wait differ (each window started apart).
    def without_digits(text: str) -> str:
        return re.sub(r"\d+", "N", text)

    assert without_digits(refused_known.json()["error"]) == without_digits(
        refused_unknown.json()["error"]
    )


async def test_spraying_many_accounts_from_one_address_is_refused(
    client: httpx.AsyncClient,
) -> None:
    statuses = [
        (await login(client, unique_email("spray"), "wrong-guess-1")).status_code for _ in range(13)
    ]
    assert statuses[:12] == [401] * 12
    assert statuses[12] == 429


async def test_other_accounts_still_log_in_while_one_is_throttled(
    client: httpx.AsyncClient,
) -> None:
    victim = await register(client)
    other = await register(client)
    for _ in range(5):
        await login(client, victim.email, "wrong-guess-1")
    assert (await login(client, victim.email, victim.password)).status_code == 429
    assert (await login(client, other.email, other.password)).status_code == 200
