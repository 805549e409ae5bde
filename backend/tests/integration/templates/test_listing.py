"""The template list: what each caller sees, search, filters, pages, archived templates."""

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account
from tests.integration.templates.templates_api import TEMPLATES, create, error_code, template_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


async def listed(http: httpx.AsyncClient, account: Account, **params: Any) -> dict[str, Any]:
    response = await http.get(TEMPLATES, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def titles(page: dict[str, Any]) -> list[str]:
    return [item["title"] for item in page["items"]]


async def plain(http: httpx.AsyncClient, account: Account, title: str, **fields: Any) -> int:
    body = {"content": f"About {title}", "variables": [], "title": title, **fields}
    return int((await create(http, account, **body))["id"])


class TestWhoSeesWhat:
    async def test_own_and_shared_templates_newest_first(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        await plain(client, alice, "alice private")
        await plain(client, alice, "alice shared", visibility="shared")
        await plain(client, bob, "bob private")
        seen = await listed(client, bob)
        assert titles(seen) == ["bob private", "alice shared"]
        assert seen["total"] == 2
        shared = seen["items"][1]
        assert (shared["can_edit"], shared["owner_id"]) == (False, alice.user["id"])
        # Alice set no display name: readers see "user N", never part of her email address.
        assert shared["owner_name"] == f"user {alice.user['id']}"
        assert alice.email.split("@")[0] not in shared["owner_name"]
        assert titles(await listed(client, bob, mine=True)) == ["bob private"]

    async def test_an_admin_lists_every_template(
        self, client: httpx.AsyncClient, alice: Account, admin: Account
    ) -> None:
        await plain(client, alice, "alice private")
        assert titles(await listed(client, admin)) == ["alice private"]


class TestSearch:
    async def test_q_matches_title_description_or_latest_content_ignoring_case(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        await plain(client, alice, "Dragon keeper")
        await plain(client, alice, "Other", description="knows DRAGONS")
        template_id = await plain(client, alice, "Content")
        await client.patch(
            template_url(template_id),
            json={"content": "a dragon appears"},
            headers=alice.headers,
        )
        old_only = await plain(client, alice, "Old content", content="dragon once")
        await client.patch(
            template_url(old_only), json={"content": "no more"}, headers=alice.headers
        )
        await plain(client, alice, "Unrelated")
        found = await listed(client, alice, q="dRaGoN")
        assert sorted(titles(found)) == ["Content", "Dragon keeper", "Other"]

    async def test_like_wildcards_are_taken_literally(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        await plain(client, alice, "100% sure")
        await plain(client, alice, "1000 sure")
        assert titles(await listed(client, alice, q="0%")) == ["100% sure"]
        assert titles(await listed(client, alice, q="_")) == []

    async def test_project_and_tag_filters(self, client: httpx.AsyncClient, alice: Account) -> None:
        await plain(client, alice, "maze npc", project="maze", tags=["npc", "hint"])
        await plain(client, alice, "maze hint", project="maze", tags=["hint"])
        await plain(client, alice, "other npc", project="other", tags=["npc"])
        assert sorted(titles(await listed(client, alice, project="maze"))) == [
            "maze hint",
            "maze npc",
        ]
        assert titles(await listed(client, alice, project="maze", tag="NPC")) == ["maze npc"]


class TestPages:
    async def test_pages_cut_the_list_and_total_counts_all(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        for n in range(5):
            await plain(client, alice, f"t{n}")
        first = await listed(client, alice, page=1, page_size=2)
        last = await listed(client, alice, page=3, page_size=2)
        assert (first["total"], first["page"], first["page_size"]) == (5, 1, 2)
        assert titles(first) == ["t4", "t3"]
        assert titles(last) == ["t0"]
        assert titles(await listed(client, alice, page=4, page_size=2)) == []

    @pytest.mark.parametrize(
        "params", [{"page": 0}, {"page_size": 101}, {"page_size": 0}, {"q": "x" * 201}]
    )
    async def test_out_of_range_paging_is_400(
        self, client: httpx.AsyncClient, alice: Account, params: dict[str, Any]
    ) -> None:
        response = await client.get(TEMPLATES, params=params, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"


class TestArchived:
    async def test_archived_templates_leave_the_list_and_show_with_archived_true(
        self, client: httpx.AsyncClient, alice: Account, bob: Account
    ) -> None:
        gone = await plain(client, alice, "gone", visibility="shared")
        await plain(client, alice, "kept")
        await client.delete(template_url(gone), headers=alice.headers)
        assert titles(await listed(client, alice)) == ["kept"]
        archived = await listed(client, alice, archived=True)
        assert titles(archived) == ["gone"]
        assert archived["items"][0]["archived"] is True
        assert titles(await listed(client, bob, archived=True)) == []
        assert titles(await listed(client, bob)) == []
