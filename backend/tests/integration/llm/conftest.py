"""The LLM client tests' client: pointed at the fault-injecting fake model server."""

from collections.abc import AsyncIterator

import pytest

from app.llm import LLMClient
from tests.fixtures.fake_upstream import FakeUpstream
from tests.integration.llm.llm_api import client_with


@pytest.fixture
async def client(fake_upstream: FakeUpstream) -> AsyncIterator[LLMClient]:
    async with client_with(fake_upstream.url) as llm:
        yield llm
