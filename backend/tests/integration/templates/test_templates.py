"""Creating, reading, changing and archiving templates: shapes, schema checks, who may do what."""

import httpx
import pytest

from tests.fixtures.factories import Account
from tests.integration.templates.templates_api import (
    GREETING,
    GREETING_VARIABLES,
    TEMPLATES,
    create,
    error_code,
    patch,
    read,
    render,
    template_url,
)

pytestmark = pytest.mark.integration


class TestCreate:
    async def test_a_new_template_is_version_1_of_its_owner(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        created = await create(
            client, alice, description="d", project="maze", tags=["NPC", "npc", "Maze"], note="n"
        )
        assert created["version"] == 1
        assert created["labels"] == {}
        assert created["content"] == GREETING
        assert [v["name"] for v in created["variables"]] == ["name", "age"]
        assert created["tags"] == ["maze", "npc"]
        assert (created["project"], created["visibility"], created["note"]) == (
            "maze",
            "private",
            "n",
        )
        assert created["owner_id"] == alice.user["id"]
        assert created["can_edit"] is True
        assert created["archived"] is False
        assert created["created_at"].endswith("Z")

    async def test_unknown_and_unused_variables_are_named(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        body = {
            "title": "t",
            "content": "{{ a }} {{b}} {{c}}",
            "variables": [{"name": "a"}, {"name": "x"}, {"name": "y"}],
        }
        response = await client.post(TEMPLATES, json=body, headers=alice.headers)
        assert error_code(response, 400) == "variable_mismatch"
        assert response.json()["details"] == {"unknown": ["b", "c"], "unused": ["x", "y"]}

    async def test_an_invalid_variable_schema_is_400_naming_the_field(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        body = {"title": "t", "content": "{{c}}", "variables": [{"name": "c", "type": "choice"}]}
        response = await client.post(TEMPLATES, json=body, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"
        assert response.json()["details"][0]["field"].startswith("variables")

    @pytest.mark.parametrize(
        "fields",
        [
            {"title": ""},
            {"title": "x" * 201},
            {"content": ""},
            {"content": "x" * 32_001},
            {"project": "no spaces"},
            {"tags": ["bad/tag"]},
            {"visibility": "public"},
            {"note": "x" * 501},
        ],
    )
    async def test_fields_out_of_bounds_are_400(
        self, client: httpx.AsyncClient, alice: Account, fields: dict[str, object]
    ) -> None:
        body = {"title": "t", "content": "c", **fields}
        response = await client.post(TEMPLATES, json=body, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"


class TestVisibility:
    async def test_another_users_private_template_is_404_everywhere(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        for method, action in [
            ("GET", ""),
            ("GET", "versions"),
            ("GET", "versions/1"),
            ("GET", "export"),
            ("DELETE", ""),
        ]:
            response = await client.request(
                method, template_url(template_id, action), headers=bob.headers
            )
            assert error_code(response, 404) == "template_not_found", (method, action)
        assert error_code(await patch(client, bob, template_id, title="x"), 404)
        assert error_code(await render(client, bob, template_id, variables={}), 404)

    async def test_a_shared_template_is_readable_and_renderable_but_read_only(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        template_id = (await create(client, alice, visibility="shared"))["id"]
        seen = await read(client, bob, template_id)
        assert seen["can_edit"] is False
        rendered = await render(client, bob, template_id, variables={"name": "Bo", "age": 3})
        assert rendered.status_code == 200, rendered.text
        assert error_code(await patch(client, bob, template_id, title="x"), 403) == "read_only"
        deleted = await client.delete(template_url(template_id), headers=bob.headers)
        assert error_code(deleted, 403) == "read_only"
        restored = await client.post(
            template_url(template_id, "versions/1/restore"), headers=bob.headers
        )
        assert error_code(restored, 403) == "read_only"
        assert (await read(client, alice, template_id))["title"] == "Greeting"

    async def test_an_admin_sees_and_changes_any_template(
        self, client: httpx.AsyncClient, alice: Account, admin: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        assert (await read(client, admin, template_id))["can_edit"] is True
        response = await patch(client, admin, template_id, title="By admin")
        assert response.status_code == 200, response.text
        assert response.json()["owner_id"] == alice.user["id"]


class TestUpdate:
    async def test_metadata_alone_makes_no_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice, project="maze", tags=["a"]))["id"]
        response = await patch(
            client,
            alice,
            template_id,
            title="New title",
            description="new",
            tags=["B"],
            visibility="shared",
            project=None,
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["version"] == 1
        assert (updated["title"], updated["description"], updated["tags"]) == (
            "New title",
            "new",
            ["b"],
        )
        assert (updated["project"], updated["visibility"]) == (None, "shared")
        versions = await client.get(template_url(template_id, "versions"), headers=alice.headers)
        assert versions.json()["total"] == 1

    async def test_saving_the_same_tags_again_keeps_them(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice, tags=["npc", "maze"]))["id"]
        response = await patch(client, alice, template_id, tags=["Maze", "npc", "new"])
        assert response.json()["tags"] == ["maze", "new", "npc"]
        assert (await read(client, alice, template_id))["tags"] == ["maze", "new", "npc"]

    async def test_an_absent_project_is_kept(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice, project="maze"))["id"]
        response = await patch(client, alice, template_id, title="x")
        assert response.json()["project"] == "maze"

    async def test_the_same_content_and_variables_make_no_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        response = await patch(
            client, alice, template_id, content=GREETING, variables=GREETING_VARIABLES, note="n"
        )
        assert response.json()["version"] == 1

    async def test_changed_variables_alone_make_a_version(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        variables = [{**GREETING_VARIABLES[0], "default": "you"}, GREETING_VARIABLES[1]]
        response = await patch(client, alice, template_id, variables=variables, note="default")
        assert response.json()["version"] == 2
        assert response.json()["variables"][0]["default"] == "you"
        assert response.json()["note"] == "default"

    async def test_an_edit_that_breaks_the_schema_is_400_and_changes_nothing(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        response = await patch(client, alice, template_id, content="Hi {{who}}", title="x")
        assert error_code(response, 400) == "variable_mismatch"
        assert response.json()["details"] == {"unknown": ["who"], "unused": ["name", "age"]}
        unchanged = await read(client, alice, template_id)
        assert (unchanged["version"], unchanged["title"]) == (1, "Greeting")


class TestArchive:
    async def test_delete_archives_the_template(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        deleted = await client.delete(template_url(template_id), headers=alice.headers)
        assert deleted.status_code == 204
        again = await client.delete(template_url(template_id), headers=alice.headers)
        assert again.status_code == 204
        archived = await read(client, alice, template_id)
        assert archived["archived"] is True
        assert archived["content"] == GREETING
        old = await client.get(template_url(template_id, "versions/1"), headers=alice.headers)
        assert old.status_code == 200

    async def test_an_archived_template_is_not_rendered_changed_or_labelled(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        await client.delete(template_url(template_id), headers=alice.headers)
        rendered = await render(client, alice, template_id, variables={"name": "a", "age": 1})
        assert error_code(rendered, 409) == "template_archived"
        assert error_code(await patch(client, alice, template_id, title="x"), 409)
        label = await client.put(
            template_url(template_id, "labels/staging"), json={"version": 1}, headers=alice.headers
        )
        assert error_code(label, 409) == "template_archived"
        restore = await client.post(
            template_url(template_id, "versions/1/restore"), headers=alice.headers
        )
        assert error_code(restore, 409) == "template_archived"
