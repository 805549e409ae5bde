"""`POST /api/playground/run` against the fake upstream: the matrix, its events and its record."""

import asyncio
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.fixtures.app import SettingsFactory
from tests.fixtures.factories import register
from tests.fixtures.fake_upstream import FakeUpstream, Fault
from tests.integration.playground.playground_api import (
    make_template,
    named,
    new_version,
    run,
    stored,
    text_of,
)

pytestmark = [pytest.mark.integration, pytest.mark.fake_llm]
GREETING_VAR = {"name": "greeting", "type": "text"}


def cells_of(events: list[Any]) -> list[tuple[int, int]]:
    return sorted((d["v"], d["i"]) for d in named(events, "cell_done"))


def by_cell(items: list[dict[str, Any]]) -> dict[tuple[int, int], dict[str, Any]]:
    return {(item["v"], item["i"]): item for item in items}


class TestMatrix:
    async def test_two_versions_by_two_inputs_stream_every_cell(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        template = await make_template(client, account)
        tid = template["id"]
        assert await new_version(client, account, tid, "Shout {{ greeting }} at {{ name }}!") == 2
        body = {
            "versions": [{"template_id": tid, "version": 1}, {"template_id": tid}],
            "inputs": [
                {"variables": {"greeting": "hello"}},
                {"variables": {"greeting": "hi", "name": "Ada"}, "message": "how are you"},
            ],
            "max_tokens": 32,
        }
        response, events = await run(client, account, body)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-cache"
        first, last = events[0], events[-1]
        assert first.name == "run"
        assert [(c["v"], c["i"], c["template_id"], c["version"]) for c in first.data["cells"]] == [
            (0, 0, tid, 1),
            (0, 1, tid, 1),
            (1, 0, tid, 2),
            (1, 1, tid, 2),
        ]
        assert last.name == "done"
        assert last.data["run_id"] == first.data["run_id"]
        assert named(events, "cell_error") == []
        done = by_cell(named(events, "cell_done"))
        assert sorted(done) == [(0, 0), (0, 1), (1, 0), (1, 1)]
        # Without a message the rendered template is the user's turn (the fake echoes it).
        assert done[(0, 0)]["text"] == "Echo: Say hello to world."
        assert done[(1, 0)]["text"] == "Echo: Shout hello at world!"
        assert done[(0, 1)]["text"] == done[(1, 1)]["text"] == "Echo: how are you"
        for (v, i), cell in done.items():
            assert text_of(events, v, i) == cell["text"]
            assert set(cell) >= {"usage", "ttft_ms", "total_ms", "cache_n"}
            assert cell["usage"]["completion_tokens"] > 0
            assert 0 <= cell["ttft_ms"] <= cell["total_ms"]
            assert cell["cache_n"] == 0
        # Each cell's deltas come before its cell_done.
        names = [(e.name, e.data.get("v"), e.data.get("i")) for e in events]
        for key in done:
            assert max(n for n, e in enumerate(names) if e == ("cell", *key)) < names.index(
                ("cell_done", *key)
            )
        sent = [
            r.body["messages"]
            for r in fake_upstream.requests
            if r.path.endswith("/chat/completions")
        ]
        assert sorted(m[0]["content"] for m in sent if len(m) == 2) == [
            "Say hi to Ada.",
            "Shout hi at Ada!",
        ]
        assert all(m[0]["role"] == "system" for m in sent if len(m) == 2)
        assert sorted(m[0]["content"] for m in sent if len(m) == 1) == [
            "Say hello to world.",
            "Shout hello at world!",
        ]
        assert all(r.body["max_tokens"] == 32 for r in fake_upstream.requests)

    async def test_a_stored_run_reopens_as_it_streamed(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        await new_version(client, account, tid, "Shout {{ greeting }} at {{ name }}!")
        label = await client.put(
            f"/api/templates/{tid}/labels/staging", json={"version": 1}, headers=account.headers
        )
        assert label.status_code == 200, label.text
        body = {
            "versions": [{"template_id": tid, "label": "staging"}, {"template_id": tid}],
            "inputs": [{"variables": {"greeting": "hello"}}, {"variables": {"greeting": "yo"}}],
            "temperature": 0.0,
        }
        _, events = await run(client, account, body)
        run_id = events[-1].data["run_id"]
        record = await stored(client, account, run_id)
        assert record["run_id"] == run_id
        assert record["status"] == "complete"
        assert record["finished_at"] is not None
        assert record["versions"] == [
            {"template_id": tid, "version": 1, "title": "Greeter"},
            {"template_id": tid, "version": 2, "title": "Greeter"},
        ]
        assert record["request"]["versions"][0] == {
            "template_id": tid,
            "version": None,
            "label": "staging",
        }
        assert record["request"]["inputs"][1]["variables"] == {"greeting": "yo"}
        assert record["request"]["temperature"] == 0.0
        streamed = by_cell(named(events, "cell_done"))
        assert [(c["v"], c["i"]) for c in record["cells"]] == sorted(streamed)
        for cell in record["cells"]:
            key = (cell["v"], cell["i"])
            assert cell["status"] == "complete"
            assert cell["version"] == (1 if key[0] == 0 else 2)
            for field in ("text", "usage", "ttft_ms", "total_ms", "cache_n"):
                assert cell[field] == streamed[key][field], field
        listed = await client.get("/api/playground/runs", headers=account.headers)
        assert listed.status_code == 200
        page = listed.json()
        assert page["total"] == 1
        assert page["items"][0]["run_id"] == run_id
        assert page["items"][0]["status"] == "complete"
        assert page["items"][0]["input_count"] == 2
        assert page["items"][0]["versions"] == record["versions"]

    async def test_runs_list_newest_first_in_pages(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        body = {"versions": [{"template_id": tid}], "inputs": [{"variables": {"greeting": "a"}}]}
        ids = [(await run(client, account, body))[1][-1].data["run_id"] for _ in range(3)]
        first = await client.get(
            "/api/playground/runs", params={"page": 1, "page_size": 2}, headers=account.headers
        )
        second = await client.get(
            "/api/playground/runs", params={"page": 2, "page_size": 2}, headers=account.headers
        )
        assert [r["run_id"] for r in first.json()["items"]] == ids[::-1][:2]
        assert [r["run_id"] for r in second.json()["items"]] == ids[:1]
        assert first.json()["total"] == second.json()["total"] == 3


class TestOwnership:
    async def test_another_users_run_is_not_found(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        owner, other = await register(client), await register(client)
        tid = (await make_template(client, owner))["id"]
        body = {"versions": [{"template_id": tid}], "inputs": [{"variables": {"greeting": "x"}}]}
        run_id = (await run(client, owner, body))[1][-1].data["run_id"]
        response = await client.get(f"/api/playground/runs/{run_id}", headers=other.headers)
        assert response.status_code == 404
        assert response.json()["code"] == "run_not_found"
        listed = await client.get("/api/playground/runs", headers=other.headers)
        assert listed.json() == {"items": [], "total": 0, "page": 1, "page_size": 20}

    async def test_a_bad_reference_is_refused_before_streaming(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        owner, other = await register(client), await register(client)
        private = (await make_template(client, owner))["id"]
        shared = (await make_template(client, owner, visibility="shared"))["id"]
        inputs = [{"variables": {"greeting": "x"}}]
        refs: list[dict[str, Any]] = [
            {"template_id": private},
            {"template_id": shared, "version": 9},
            {"template_id": shared, "label": "nope"},
            {"template_id": 999_999},
        ]
        for ref in refs:
            response, events = await run(
                client, other, {"versions": [{"template_id": shared}, ref], "inputs": inputs}
            )
            assert response.status_code == 404, ref
            assert response.json()["code"] == "template_not_found"
            assert events == []
        # A shared template is usable by everyone.
        response, events = await run(
            client, other, {"versions": [{"template_id": shared}], "inputs": inputs}
        )
        assert response.status_code == 200
        assert events[-1].name == "done"
        runs = await client.get("/api/playground/runs", headers=other.headers)
        assert runs.json()["total"] == 1, "refused runs are not stored"
        assert len(fake_upstream.requests) == 1

    async def test_an_archived_template_is_a_conflict(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        assert (
            await client.delete(f"/api/templates/{tid}", headers=account.headers)
        ).status_code == 204
        body = {"versions": [{"template_id": tid}], "inputs": [{"variables": {"greeting": "x"}}]}
        response, _ = await run(client, account, body)
        assert response.status_code == 409
        assert response.json()["code"] == "template_archived"


class TestCellFailures:
    async def test_values_that_do_not_fit_fail_only_their_row(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        await new_version(client, account, tid, "Shout {{ greeting }} at {{ name }}!")
        body = {
            "versions": [{"template_id": tid, "version": 1}, {"template_id": tid, "version": 2}],
            "inputs": [
                {"variables": {"greeting": "hi"}},
                {"variables": {"name": "Ada", "colour": "red"}},
            ],
        }
        response, events = await run(client, account, body)
        assert response.status_code == 200
        errors = by_cell(named(events, "cell_error"))
        assert sorted(errors) == [(0, 1), (1, 1)]
        assert {e["code"] for e in errors.values()} == {"invalid_variables"}
        assert "greeting" in errors[(0, 1)]["error"]
        assert cells_of(events) == [(0, 0), (1, 0)]
        assert len(fake_upstream.requests) == 2, "a row that does not render is never sent"
        record = await stored(client, account, events[-1].data["run_id"])
        statuses = {
            (c["v"], c["i"]): (c["status"], c["code"], c["version"]) for c in record["cells"]
        }
        assert statuses == {
            (0, 0): ("complete", None, 1),
            (0, 1): ("failed", "invalid_variables", 1),
            (1, 0): ("complete", None, 2),
            (1, 1): ("failed", "invalid_variables", 2),
        }
        assert record["status"] == "complete"

    async def test_each_version_takes_the_values_it_declares(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        """Versions under comparison may declare different variables; one input feeds them all."""
        account = await register(client)
        greet = (await make_template(client, account))["id"]
        topic = await make_template(
            client,
            account,
            content="Write about {{ topic }}.",
            variables=[{"name": "topic", "type": "text"}],
        )
        body = {
            "versions": [{"template_id": greet}, {"template_id": topic["id"]}],
            "inputs": [
                {"variables": {"greeting": "hi", "topic": "owls"}},
                {"variables": {"greeting": "hi", "topic": "owls", "colour": "red"}},
            ],
        }
        response, events = await run(client, account, body)
        assert response.status_code == 200
        assert cells_of(events) == [(0, 0), (1, 0)]
        errors = by_cell(named(events, "cell_error"))
        assert sorted(errors) == [(0, 1), (1, 1)], "a name no version declares is still refused"
        assert all("colour" in error["error"] for error in errors.values())
        sent = sorted(str(r.body["messages"][-1]["content"]) for r in fake_upstream.requests)
        assert "Write about owls." in sent

    async def test_an_upstream_error_fails_one_cell_and_the_others_complete(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        body = {
            "versions": [{"template_id": tid}],
            "inputs": [
                {"variables": {"greeting": "one"}},
                {"variables": {"greeting": "two [fault:http_500]"}},
                {"variables": {"greeting": "three"}},
            ],
        }
        response, events = await run(client, account, body)
        assert response.status_code == 200
        [error] = named(events, "cell_error")
        assert (error["v"], error["i"], error["code"]) == (0, 1, "llm_unavailable")
        assert error["error"]
        assert cells_of(events) == [(0, 0), (0, 2)]
        assert events[-1].name == "done"
        record = await stored(client, account, events[-1].data["run_id"])
        assert [c["status"] for c in record["cells"]] == ["complete", "failed", "complete"]
        assert record["cells"][1]["error"] == error["error"]

    async def test_a_stream_cut_midway_fails_its_cell_with_the_text_so_far(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        fake_upstream.fault = Fault(after_chunks=2)
        body = {
            "versions": [{"template_id": tid}],
            "inputs": [
                {"variables": {"greeting": "cut [fault:cut]"}},
                {"variables": {"greeting": "ok"}},
            ],
        }
        _, events = await run(client, account, body)
        [error] = named(events, "cell_error")
        assert (error["v"], error["i"]) == (0, 0)
        assert error["text"] == text_of(events, 0, 0)
        assert error["text"], "two chunks arrived before the cut"
        assert cells_of(events) == [(0, 1)]
        record = await stored(client, account, events[-1].data["run_id"])
        assert (record["cells"][0]["status"], record["cells"][0]["text"]) == (
            "failed",
            error["text"],
        )


class TestLimits:
    @pytest.mark.parametrize(
        ("versions", "inputs"),
        [(7, 1), (1, 11), (5, 5), (0, 1), (1, 0)],
    )
    async def test_too_many_or_no_cells_is_a_bad_request(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream, versions: int, inputs: int
    ) -> None:
        account = await register(client)
        body = {
            "versions": [{"template_id": 1}] * versions,
            "inputs": [{"variables": {}}] * inputs,
        }
        response, _ = await run(client, account, body)
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
        assert fake_upstream.requests == []

    async def test_a_version_and_a_label_together_is_a_bad_request(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        body = {
            "versions": [{"template_id": 1, "version": 1, "label": "production"}],
            "inputs": [{"variables": {}}],
        }
        response, _ = await run(client, account, body)
        assert response.status_code == 400


class TestAdmission:
    @pytest.fixture
    def settings(self, make_settings: SettingsFactory) -> Settings:
        return make_settings(llm={"max_concurrency": 1, "max_queue": 0})

    async def test_cells_wait_for_their_own_run_instead_of_failing(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        fake_upstream.fault = Fault(mode="delay", delay=0.3)
        body = {
            "versions": [{"template_id": tid}],
            "inputs": [{"variables": {"greeting": g}} for g in ("a", "b", "c")],
        }
        _, events = await run(client, account, body)
        assert named(events, "cell_error") == []
        assert cells_of(events) == [(0, 0), (0, 1), (0, 2)]
        assert fake_upstream.max_in_flight == 1, "one slot: the cells ran one after another"

    async def test_a_cell_the_gate_refuses_for_others_fails_with_its_code(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account, other = await register(client), await register(client)
        tid = (await make_template(client, account))["id"]
        chat = {"messages": [{"role": "user", "content": "hold [fault:delay:3]"}]}
        holder = asyncio.create_task(client.post("/api/llm/chat", json=chat, headers=other.headers))
        await until_in_use(client, 1)
        body = {"versions": [{"template_id": tid}], "inputs": [{"variables": {"greeting": "a"}}]}
        _, events = await run(client, account, body)
        [error] = named(events, "cell_error")
        assert (error["v"], error["i"], error["code"]) == (0, 0, "llm_busy")
        assert events[-1].name == "done"
        assert (await holder).status_code == 200
        assert await in_use(client) == 0


async def in_use(client: httpx.AsyncClient) -> int:
    lanes = (await client.get("/api/llm/health")).json()["gate"]["lanes"]
    return sum(lane["in_use"] for lane in lanes.values())


async def until_in_use(client: httpx.AsyncClient, count: int) -> None:
    for _ in range(400):
        if await in_use(client) == count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the gate never had {count} in use")


class TestScheduling:
    async def test_a_versions_cells_sharing_a_long_prompt_wait_for_its_first(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        long = "Follow the house rules. " * 60 + "Greet with {{ greeting }}."
        tid = (await make_template(client, account, content=long, variables=[GREETING_VAR]))["id"]
        fake_upstream.fault = Fault(mode="delay", delay=1.0)
        body = {
            "versions": [{"template_id": tid}],
            "inputs": [{"variables": {"greeting": "hi"}, "message": m} for m in ("a", "b", "c")],
        }
        _, events = await run(client, account, body)
        assert cells_of(events) == [(0, 0), (0, 1), (0, 2)]
        first, *others = sorted(r.started_at for r in fake_upstream.requests)
        assert all(started >= first + 0.9 for started in others), "they waited for the first"
        assert fake_upstream.max_in_flight <= 2

    async def test_cells_with_short_prompts_start_together(
        self, client: httpx.AsyncClient, fake_upstream: FakeUpstream
    ) -> None:
        account = await register(client)
        tid = (await make_template(client, account))["id"]
        fake_upstream.fault = Fault(mode="delay", delay=2.0)
        body = {
            "versions": [{"template_id": tid}],
            "inputs": [{"variables": {"greeting": "hi"}, "message": m} for m in ("a", "b", "c")],
        }
        _, events = await run(client, account, body)
        assert cells_of(events) == [(0, 0), (0, 1), (0, 2)]
        assert fake_upstream.max_in_flight >= 2
