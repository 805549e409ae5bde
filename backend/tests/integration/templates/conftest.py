"""Three accounts most template tests need: the admin (registered first), Alice and Bob."""

import httpx
import pytest

from tests.fixtures.factories import Account, register


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> Account:
    """The first account registered is the admin."""
    return await register(client)


@pytest.fixture
async def alice(client: httpx.AsyncClient, admin: Account) -> Account:
    return await register(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient, admin: Account) -> Account:
    return await register(client)
