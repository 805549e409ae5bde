"""Export and import as JSON: versions, notes and labels survive the round trip."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from tests.fixtures.factories import Account, register
from tests.integration.templates.templates_api import (
    GREETING,
    TEMPLATES,
    create,
    error_code,
    patch,
    template_url,
    version_of,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    await register(client)  # the admin
    return await register(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient, alice: Account) -> Account:
    return await register(client)


async def three_versions(http: httpx.AsyncClient, owner: Account, **fields: Any) -> int:
    template_id = int((await create(http, owner, note="first", **fields))["id"])
    await patch(http, owner, template_id, content="Hi {{name}}, {{age}}.", note="shorter")
    await patch(http, owner, template_id, content="Yo {{name}}, {{age}}.", note="casual")
    await http.put(
        template_url(template_id, "labels/production"), json={"version": 2}, headers=owner.headers
    )
    return template_id


async def get_json(http: httpx.AsyncClient, account: Account, url: str) -> dict[str, Any]:
    response = await http.get(url, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class TestExport:
    async def test_one_template_with_every_version_and_label(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await three_versions(client, alice, tags=["x"], project="maze")
        exported = await get_json(client, alice, template_url(template_id, "export"))
        assert exported["format"] == "prompt-portal.templates/1"
        assert (exported["title"], exported["tags"], exported["project"]) == (
            "Greeting",
            ["x"],
            "maze",
        )
        assert [(v["version"], v["note"]) for v in exported["versions"]] == [
            (1, "first"),
            (2, "shorter"),
            (3, "casual"),
        ]
        assert exported["versions"][0]["content"] == GREETING
        assert exported["labels"] == {"production": 2}

    async def test_all_mine_leaves_out_archived_and_others_templates(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        await create(client, alice, title="kept")
        gone = (await create(client, alice, title="gone"))["id"]
        await client.delete(template_url(gone), headers=alice.headers)
        await create(client, bob, title="bob's", visibility="shared")
        bundle = await get_json(client, alice, f"{TEMPLATES}/export")
        assert [t["title"] for t in bundle["templates"]] == ["kept"]

    async def test_all_mine_takes_the_same_few_queries_for_many_templates(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account
    ) -> None:
        async def queries_to_export() -> int:
            statements: list[str] = []

            def record(*args: Any) -> None:
                statements.append(str(args[2]))

            engine = app.state.engine.sync_engine
            event.listen(engine, "before_cursor_execute", record)
            try:
                await get_json(client, alice, f"{TEMPLATES}/export")
            finally:
                event.remove(engine, "before_cursor_execute", record)
            return sum(1 for sql in statements if "template_version" in sql)

        first = (await create(client, alice, title="first"))["id"]
        await patch(client, alice, first, content="Hi {{name}}, {{age}}.")
        one = await queries_to_export()
        for n in range(4):
            await create(client, alice, title=f"more {n}", content=f"v{n}", variables=[])
        assert await queries_to_export() == one
        bundle = await get_json(client, alice, f"{TEMPLATES}/export")
        versions = {t["title"]: [v["content"] for v in t["versions"]] for t in bundle["templates"]}
        assert versions == {
            "first": [GREETING, "Hi {{name}}, {{age}}."],
            **{f"more {n}": [f"v{n}"] for n in range(4)},
        }


class TestImport:
    async def test_a_round_trip_keeps_versions_notes_and_labels(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        template_id = await three_versions(client, alice, visibility="shared")
        exported = await get_json(client, bob, template_url(template_id, "export"))
        response = await client.post(f"{TEMPLATES}/import", json=exported, headers=bob.headers)
        assert response.status_code == 201, response.text
        [copy] = response.json()["items"]
        assert copy["id"] != template_id
        assert (copy["owner_id"], copy["version"], copy["labels"]) == (
            bob.user["id"],
            3,
            {"production": 2},
        )
        for number in (1, 2, 3):
            original = await version_of(client, alice, template_id, number)
            imported = await version_of(client, bob, copy["id"], number)
            assert {k: imported[k] for k in ("content", "variables", "note", "created_at")} == {
                k: original[k] for k in ("content", "variables", "note", "created_at")
            }
        again = await get_json(client, bob, template_url(copy["id"], "export"))
        assert again == exported

    async def test_a_bundle_imports_every_template(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        await three_versions(client, alice)
        await create(client, alice, title="second")
        bundle = await get_json(client, alice, f"{TEMPLATES}/export")
        response = await client.post(f"{TEMPLATES}/import", json=bundle, headers=bob.headers)
        assert response.status_code == 201, response.text
        assert [t["title"] for t in response.json()["items"]] == ["Greeting", "second"]

    async def test_a_version_whose_variables_do_not_match_refuses_the_whole_import(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        good = {"title": "good", "versions": [{"version": 1, "content": "plain"}]}
        bad = {
            "title": "bad",
            "versions": [
                {"version": 1, "content": "ok"},
                {"version": 4, "content": "{{x}}", "variables": []},
            ],
        }
        response = await client.post(
            f"{TEMPLATES}/import", json={"templates": [good, bad]}, headers=alice.headers
        )
        assert error_code(response, 400) == "variable_mismatch"
        assert response.json()["details"] == {
            "unknown": ["x"],
            "unused": [],
            "template": 1,
            "version": 4,
        }
        listed = await get_json(client, alice, TEMPLATES)
        assert listed["total"] == 0

    @pytest.mark.parametrize(
        "body",
        [
            {"title": "t", "versions": []},
            {"title": "t", "versions": [{"version": 1, "content": "c"}], "labels": {"x": 2}},
            {"format": "other/1", "title": "t", "versions": [{"version": 1, "content": "c"}]},
            {"templates": "nope"},
        ],
    )
    async def test_malformed_files_are_400(
        self, client: httpx.AsyncClient, alice: Account, body: dict[str, Any]
    ) -> None:
        response = await client.post(f"{TEMPLATES}/import", json=body, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"
