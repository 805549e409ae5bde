"""Closing a run's stream cancels every cell upstream; the run is stored `cancelled`.

Under a real uvicorn, so the hang-up travels over a real socket, and asserted from the fake
upstream's side (it records when each client went away). On SQLite and PostgreSQL.
"""

import asyncio
import json
import time

import httpx
import pytest

from tests.fixtures.factories import Account, register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.playground.playground_api import RUN, make_template, new_version

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fake_llm,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]
SETTLE_S = 20  # time for a loaded machine to notice the hang-up and store the run


@pytest.fixture
async def http(live_server: str) -> httpx.AsyncClient:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


async def hang_up_after_deltas(
    http: httpx.AsyncClient, account: Account, body: dict[str, object], cells: int
) -> int:
    """Read until every one of `cells` cells has sent text, then close: the run's id."""
    run_id, talking = 0, set()
    async with http.stream("POST", RUN, json=body, headers=account.headers) as response:
        assert response.status_code == 200
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data = json.loads(line.removeprefix("data:"))
                if event == "run":
                    run_id = data["run_id"]
                elif event == "cell":
                    talking.add((data["v"], data["i"]))
                if len(talking) == cells:
                    break
    return run_id


async def settled_run(http: httpx.AsyncClient, account: Account, run_id: int) -> dict:
    deadline = time.monotonic() + SETTLE_S
    while True:
        record = (await http.get(f"/api/playground/runs/{run_id}", headers=account.headers)).json()
        if record["status"] != "running" or time.monotonic() > deadline:
            return dict(record)
        await asyncio.sleep(0.05)


async def gate_in_use(http: httpx.AsyncClient) -> int:
    lanes = (await http.get("/api/llm/health")).json()["gate"]["lanes"]
    return sum(lane["in_use"] + lane["waiting"] for lane in lanes.values())


async def test_hanging_up_cancels_every_cell_and_stores_them_stopped(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    account = await register(http)
    tid = (await make_template(http, account))["id"]
    await new_version(http, account, tid, "Shout {{ greeting }} at {{ name }}!")
    fake_upstream.reply = " ".join(["word"] * 400)
    fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
    body = {
        "versions": [{"template_id": tid, "version": 1}, {"template_id": tid, "version": 2}],
        "inputs": [{"variables": {"greeting": "a"}}, {"variables": {"greeting": "b"}}],
    }
    # The gate runs three of the owner's chats at once here (4 slots, one kept for the idle
    # lanes): hang up once two cells are talking, with the others running or queued.
    run_id = await hang_up_after_deltas(http, account, body, cells=2)
    assert run_id
    for _ in range(SETTLE_S * 20):
        asked = len(fake_upstream.requests)
        if asked >= 2 and len(fake_upstream.disconnects) == asked:
            break
        await asyncio.sleep(0.05)
    assert len(fake_upstream.disconnects) == len(fake_upstream.requests) >= 2, (
        "every cell's upstream request was closed"
    )
    record = await settled_run(http, account, run_id)
    assert record["status"] == "cancelled"
    assert record["finished_at"] is not None
    assert [(c["v"], c["i"], c["status"]) for c in record["cells"]] == [
        (0, 0, "stopped"),
        (0, 1, "stopped"),
        (1, 0, "stopped"),
        (1, 1, "stopped"),
    ]
    texts = [cell["text"] for cell in record["cells"] if cell["text"]]
    assert len(texts) >= 2
    assert all(t.startswith("word") and len(t) < len(fake_upstream.reply) for t in texts)
    assert await gate_in_use(http) == 0
    assert fake_upstream.in_flight == 0


async def test_cells_that_ended_before_the_hang_up_keep_their_outcome(
    http: httpx.AsyncClient, fake_upstream: FakeUpstream
) -> None:
    account = await register(http)
    tid = (await make_template(http, account))["id"]
    fake_upstream.fault = Fault(mode="normal", chunk_delay=0.05)
    fake_upstream.reply = lambda text: "short" if "quick" in text else " ".join(["word"] * 400)
    body = {
        "versions": [{"template_id": tid}],
        "inputs": [{"variables": {"greeting": "quick"}}, {"variables": {"greeting": "slow"}}],
    }
    run_id, quick_done = 0, False
    async with http.stream("POST", RUN, json=body, headers=account.headers) as response:
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data = json.loads(line.removeprefix("data:"))
                run_id = data["run_id"] if event == "run" else run_id
                if event == "cell_done":
                    quick_done = True
                    break
    assert quick_done
    record = await settled_run(http, account, run_id)
    assert record["status"] == "cancelled"
    assert [(c["i"], c["status"]) for c in record["cells"]] == [(0, "complete"), (1, "stopped")]
    assert record["cells"][0]["text"] == "short"
    assert await gate_in_use(http) == 0
