"""Start-up wiring that outlives start-up: the gate's cap follows the server's slots."""

import asyncio

import pytest
from asgi_lifespan import LifespanManager

from app.llm import LLMUnavailable, stack
from app.main import create_app
from tests.fixtures.app import SettingsFactory
from tests.fixtures.fake_upstream import FakeUpstream

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
FAILING = [{"role": "user", "content": "[fault:http_500] hello"}]


async def test_cap_follows_a_server_restarted_with_more_slots(
    make_settings: SettingsFactory, fake_upstream: FakeUpstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stack, "CAPACITY_CHECK_SECONDS", 0.05)
    fake_upstream.total_slots = 4
    application = create_app(make_settings())
    async with LifespanManager(application):
        gate = application.state.llm_stack.gate
        assert gate.capacity == 4
        fake_upstream.total_slots = 6
        # A server failure makes the client probe the server afresh on its next call.
        with pytest.raises(LLMUnavailable):
            await application.state.llm_stack.client.chat(FAILING)
        for _ in range(100):
            if gate.capacity == 6:
                break
            await asyncio.sleep(0.05)
        assert gate.capacity == 6
