"""Start-up wiring that outlives start-up: the gate's cap follows the server's slots, and the
garbage collector is tuned for a server process."""

import asyncio
import gc
from collections.abc import Iterator

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


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """The test process's own collector settings, put back after the app changed them."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc", "fake_upstream")
async def test_start_up_freezes_what_it_built_and_collects_less_often(
    make_settings: SettingsFactory,
) -> None:
    gc.unfreeze()
    _, middle, old = gc.get_threshold()
    application = create_app(make_settings(gc_young_threshold=12_345))
    async with LifespanManager(application):
        assert gc.get_threshold() == (12_345, middle, old)
        assert gc.get_freeze_count() > 1_000  # modules, routes, pools: out of the scans
