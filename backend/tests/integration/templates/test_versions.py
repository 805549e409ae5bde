"""Versions are written once; edits and restores add new ones; diffs compare any two; labels
point at versions and only the owner or an admin moves `production`.

On SQLite and PostgreSQL.
"""

import asyncio

import httpx
import pytest

from tests.fixtures.factories import Account
from tests.integration.templates.templates_api import (
    GREETING,
    GREETING_VARIABLES,
    create,
    error_code,
    patch,
    read,
    render,
    template_url,
    version_of,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]
STORY_V1 = "You are a guide.\nGreet {{name}}.\nBe brief.\n"
STORY_V2 = "You are a guide.\nWelcome {{name}} warmly.\nBe brief.\nEnd with a question.\n"
NAME = [{"name": "name"}]


async def story(http: httpx.AsyncClient, owner: Account, **fields: object) -> int:
    """A template at version 2 (STORY_V1 then STORY_V2)."""
    template_id = int((await create(http, owner, content=STORY_V1, variables=NAME, **fields))["id"])
    response = await patch(http, owner, template_id, content=STORY_V2, note="warmer")
    assert response.json()["version"] == 2, response.text
    return template_id


async def put_label(
    http: httpx.AsyncClient, account: Account, template_id: int, label: str, version: int
) -> httpx.Response:
    return await http.put(
        template_url(template_id, f"labels/{label}"),
        json={"version": version},
        headers=account.headers,
    )


class TestVersions:
    async def test_an_old_version_never_changes_after_edits(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int((await create(client, alice, note="first"))["id"])
        before = await version_of(client, alice, template_id, 1)
        await patch(client, alice, template_id, content="Hi {{name}} ({{age}})", note="second")
        await patch(
            client,
            alice,
            template_id,
            variables=[*GREETING_VARIABLES[:1], {"name": "age", "type": "number", "default": 30}],
        )
        await patch(client, alice, template_id, title="metadata only")
        after = await version_of(client, alice, template_id, 1)
        assert after == before
        assert (after["content"], after["note"], after["version"]) == (GREETING, "first", 1)
        assert (await read(client, alice, template_id))["version"] == 3

    async def test_versions_are_listed_newest_first_in_pages(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int((await create(client, alice, content="v1", variables=[]))["id"])
        for n in range(2, 6):
            await patch(client, alice, template_id, content=f"v{n}", note=f"note {n}")
        page = await client.get(
            template_url(template_id, "versions"),
            params={"page": 2, "page_size": 2},
            headers=alice.headers,
        )
        body = page.json()
        assert (body["total"], body["page"], body["page_size"]) == (5, 2, 2)
        assert [item["version"] for item in body["items"]] == [3, 2]
        assert body["items"][0]["note"] == "note 3"
        assert body["items"][0]["created_by"] == alice.user["id"]

    async def test_a_version_that_does_not_exist_is_404(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int((await create(client, alice))["id"])
        response = await client.get(template_url(template_id, "versions/7"), headers=alice.headers)
        assert error_code(response, 404) == "template_not_found"
        assert response.json()["error"] == f"No version 7 of template {template_id}"

    async def test_concurrent_edits_get_distinct_versions(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int((await create(client, alice, content="v1", variables=[]))["id"])
        responses = await asyncio.gather(
            *(patch(client, alice, template_id, content=f"edit {n}") for n in range(4))
        )
        done = [r for r in responses if r.status_code == 200]
        # SQLite may answer a writer that lost the race with 503 (busy): never a 500.
        assert all(r.status_code in (200, 503) for r in responses), [r.text for r in responses]
        versions = sorted(r.json()["version"] for r in done)
        assert versions == list(range(2, 2 + len(done)))

    async def test_the_same_edit_sent_twice_at_once_makes_one_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int((await create(client, alice, content="v1", variables=[]))["id"])
        responses = await asyncio.gather(
            *(patch(client, alice, template_id, content="v2") for _ in range(3))
        )
        assert all(r.status_code in (200, 503) for r in responses), [r.text for r in responses]
        assert {r.json()["version"] for r in responses if r.status_code == 200} == {2}
        assert (await read(client, alice, template_id))["version"] == 2


class TestDiff:
    async def test_the_diff_of_two_known_versions(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await client.get(
            template_url(template_id, "diff"), params={"from": 1, "to": 2}, headers=alice.headers
        )
        assert response.status_code == 200, response.text
        diff = response.json()
        assert (diff["from"], diff["to"]) == (1, 2)
        assert diff["lines"] == [
            {"op": "equal", "text": "You are a guide.", "old": 1, "new": 1},
            {"op": "remove", "text": "Greet {{name}}.", "old": 2, "new": None},
            {"op": "add", "text": "Welcome {{name}} warmly.", "old": None, "new": 2},
            {"op": "equal", "text": "Be brief.", "old": 3, "new": 3},
            {"op": "add", "text": "End with a question.", "old": None, "new": 4},
        ]
        assert diff["unified"] == (
            "--- version 1\n+++ version 2\n@@ -1,3 +1,4 @@\n You are a guide.\n"
            "-Greet {{name}}.\n+Welcome {{name}} warmly.\n Be brief.\n+End with a question."
        )

    async def test_a_diff_naming_a_missing_version_is_404(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await client.get(
            template_url(template_id, "diff"), params={"from": 1, "to": 9}, headers=alice.headers
        )
        assert error_code(response, 404) == "template_not_found"


class TestRestore:
    async def test_a_restore_is_a_new_version_with_the_old_content(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await client.post(
            template_url(template_id, "versions/1/restore"), headers=alice.headers
        )
        assert response.status_code == 201, response.text
        restored = response.json()
        assert (restored["version"], restored["content"]) == (3, STORY_V1)
        assert restored["note"] == "Restored from version 1"
        assert (await version_of(client, alice, template_id, 2))["content"] == STORY_V2

    async def test_a_restore_keeps_the_note_given(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await client.post(
            template_url(template_id, "versions/1/restore"),
            json={"note": "back to basics"},
            headers=alice.headers,
        )
        assert response.json()["note"] == "back to basics"


class TestLabels:
    async def test_labels_point_at_versions_and_render_by_label(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        assert (await put_label(client, alice, template_id, "production", 1)).json() == {
            "labels": {"production": 1}
        }
        staging = await put_label(client, alice, template_id, "staging", 2)
        assert staging.json() == {"labels": {"production": 1, "staging": 2}}
        rendered = await render(
            client, alice, template_id, label="production", variables={"name": "Ann"}
        )
        assert rendered.json()["prompt"] == STORY_V1.replace("{{name}}", "Ann")
        assert rendered.json()["version"] == 1
        moved = await put_label(client, alice, template_id, "production", 2)
        assert moved.json()["labels"]["production"] == 2
        assert (await read(client, alice, template_id))["labels"] == {
            "production": 2,
            "staging": 2,
        }

    async def test_a_label_on_a_missing_version_is_404(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await put_label(client, alice, template_id, "staging", 3)
        assert error_code(response, 404) == "template_not_found"
        assert (await read(client, alice, template_id))["labels"] == {}

    async def test_removing_a_label(self, client: httpx.AsyncClient, alice: Account) -> None:
        template_id = await story(client, alice)
        await put_label(client, alice, template_id, "staging", 1)
        url = template_url(template_id, "labels/staging")
        removed = await client.delete(url, headers=alice.headers)
        assert removed.json() == {"labels": {}}
        assert error_code(await client.delete(url, headers=alice.headers), 404) == "label_not_found"
        by_label = await render(
            client, alice, template_id, label="staging", variables={"name": "x"}
        )
        assert error_code(by_label, 404) == "template_not_found"

    async def test_production_of_a_shared_template_is_403_for_others(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        template_id = await story(client, alice, visibility="shared")
        response = await put_label(client, bob, template_id, "production", 1)
        assert error_code(response, 403) == "label_forbidden"
        removal = await client.delete(
            template_url(template_id, "labels/production"), headers=bob.headers
        )
        assert error_code(removal, 403) == "label_forbidden"
        other = await put_label(client, bob, template_id, "mine", 1)
        assert error_code(other, 403) == "read_only"
        assert (await read(client, alice, template_id))["labels"] == {}

    async def test_the_owner_and_an_admin_move_production(
        self, client: httpx.AsyncClient, alice: Account, admin: Account
    ) -> None:
        template_id = await story(client, alice, visibility="shared")
        assert (await put_label(client, alice, template_id, "production", 1)).status_code == 200
        by_admin = await put_label(client, admin, template_id, "production", 2)
        assert by_admin.json() == {"labels": {"production": 2}}

    async def test_a_private_template_label_by_another_user_is_404(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        template_id = await story(client, alice)
        response = await put_label(client, bob, template_id, "production", 1)
        assert error_code(response, 404) == "template_not_found"

    @pytest.mark.parametrize("label", ["Production", "-x", "a" * 41, "with space"])
    async def test_a_label_outside_the_pattern_is_400(
        self, client: httpx.AsyncClient, alice: Account, label: str
    ) -> None:
        template_id = await story(client, alice)
        response = await put_label(client, alice, template_id, label, 1)
        assert error_code(response, 400) == "validation_error"

    async def test_the_same_new_label_set_at_once_is_never_a_500(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        responses = await asyncio.gather(
            *(put_label(client, alice, template_id, "staging", 1 + n % 2) for n in range(4))
        )
        # SQLite may answer a writer that waited too long with 503 (busy): never a 500.
        assert all(r.status_code in (200, 503) for r in responses), [r.text for r in responses]
        assert any(r.status_code == 200 for r in responses)
        labels = (await read(client, alice, template_id))["labels"]
        assert list(labels) == ["staging"]
        assert labels["staging"] in (1, 2)

    async def test_a_label_set_while_another_is_removed_keeps_both_changes(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = await story(client, alice)
        await put_label(client, alice, template_id, "old", 1)
        removal = client.delete(template_url(template_id, "labels/old"), headers=alice.headers)
        responses = await asyncio.gather(removal, put_label(client, alice, template_id, "new", 2))
        assert all(r.status_code in (200, 503) for r in responses), [r.text for r in responses]
        if all(r.status_code == 200 for r in responses):
            assert (await read(client, alice, template_id))["labels"] == {"new": 2}
