"""Crafted template requests get a 4xx in the error shape, never a 500: ids out of range,
lone surrogates and NUL in text, oversized lists and values."""

import json
from typing import Any

import httpx
import pytest

from app.deps import MAX_ROW_ID
from tests.fixtures.factories import Account, register
from tests.integration.templates.templates_api import TEMPLATES, create, error_code, template_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True),
]


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    await register(client)  # the admin
    return await register(client)


async def send_raw(
    http: httpx.AsyncClient, account: Account, method: str, url: str, body: Any
) -> httpx.Response:
    """`body` as JSON with non-ASCII escaped, so a lone surrogate travels as `\\ud800`."""
    headers = {**account.headers, "content-type": "application/json"}
    return await http.request(method, url, content=json.dumps(body), headers=headers)


class TestIds:
    @pytest.mark.parametrize("template_id", [0, MAX_ROW_ID + 1, 10**30])
    @pytest.mark.parametrize("action", ["", "versions/1", "diff?from=1&to=2"])
    async def test_a_template_id_out_of_range_is_400(
        self, client: httpx.AsyncClient, alice: Account, template_id: int, action: str
    ) -> None:
        url = template_url(template_id, action)
        assert error_code(await client.get(url, headers=alice.headers), 400) == "validation_error"

    async def test_the_largest_id_is_404(self, client: httpx.AsyncClient, alice: Account) -> None:
        response = await client.get(template_url(MAX_ROW_ID), headers=alice.headers)
        assert error_code(response, 404) == "template_not_found"

    @pytest.mark.parametrize("number", [0, MAX_ROW_ID + 1, 2**63])
    async def test_version_numbers_out_of_range_are_400(
        self, client: httpx.AsyncClient, alice: Account, number: int
    ) -> None:
        template_id = (await create(client, alice))["id"]
        urls = [
            ("GET", template_url(template_id, f"versions/{number}"), None),
            ("POST", template_url(template_id, f"versions/{number}/restore"), None),
            ("GET", template_url(template_id, f"diff?from={number}&to=1"), None),
            ("PUT", template_url(template_id, "labels/staging"), {"version": number}),
            ("POST", template_url(template_id, "render"), {"version": number, "variables": {}}),
        ]
        for method, url, body in urls:
            response = await client.request(method, url, json=body, headers=alice.headers)
            assert error_code(response, 400) == "validation_error", (method, url)

    async def test_the_largest_version_is_404(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = (await create(client, alice))["id"]
        url = template_url(template_id, f"versions/{MAX_ROW_ID}")
        assert error_code(await client.get(url, headers=alice.headers), 404) == "template_not_found"


class TestText:
    @pytest.mark.parametrize("text", ["\ud800", "a\x00b", "\udfff tail"])
    @pytest.mark.parametrize("field", ["title", "description", "content", "note"])
    async def test_unstorable_text_is_400_on_create(
        self, client: httpx.AsyncClient, alice: Account, field: str, text: str
    ) -> None:
        body = {"title": "t", "content": "c", field: text}
        response = await send_raw(client, alice, "POST", TEMPLATES, body)
        assert error_code(response, 400) == "validation_error"
        assert response.json()["details"][0]["field"] == field

    @pytest.mark.parametrize("text", ["\ud800", "a\x00b"])
    async def test_unstorable_text_is_400_in_patches_variables_and_searches(
        self, client: httpx.AsyncClient, alice: Account, text: str
    ) -> None:
        template_id = (await create(client, alice))["id"]
        url = template_url(template_id)
        patched = await send_raw(client, alice, "PATCH", url, {"content": text})
        assert error_code(patched, 400) == "validation_error"
        variable = {"name": "v", "description": text}
        created = await send_raw(
            client,
            alice,
            "POST",
            TEMPLATES,
            {"title": "t", "content": "{{v}}", "variables": [variable]},
        )
        assert error_code(created, 400) == "validation_error"
        choice = {"name": "v", "type": "choice", "choices": [text]}
        created = await send_raw(
            client,
            alice,
            "POST",
            TEMPLATES,
            {"title": "t", "content": "{{v}}", "variables": [choice]},
        )
        assert error_code(created, 400) == "validation_error"

    async def test_a_search_with_nul_or_broken_utf8_is_not_a_500(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        with_nul = await client.get(TEMPLATES, params={"q": "a\x00"}, headers=alice.headers)
        assert error_code(with_nul, 400) == "validation_error"
        # A surrogate cannot travel in a URL; its UTF-8-like bytes are what a client can send.
        broken = await client.get(f"{TEMPLATES}?q=%ED%A0%80", headers=alice.headers)
        assert broken.status_code in (200, 400), broken.text

    async def test_odd_but_valid_unicode_is_kept_exactly(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        odd = "\uff21\u200b\u0301e\U0001f9ea\ufeff\u202e"
        created = await create(
            client, alice, title=odd, content=f"{odd} {{{{x}}}}", variables=[{"name": "x"}]
        )
        assert created["title"] == odd
        response = await client.post(
            template_url(created["id"], "render"),
            json={"variables": {"x": odd}},
            headers=alice.headers,
        )
        assert response.json()["prompt"] == f"{odd} {odd}"


class TestSizes:
    async def test_too_many_variables_tags_and_choices_are_400(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        bodies = [
            {"variables": [{"name": f"v{n}"} for n in range(51)]},
            {"tags": [f"t{n}" for n in range(21)]},
            {
                "variables": [
                    {"name": "c", "type": "choice", "choices": [str(n) for n in range(51)]}
                ]
            },
        ]
        for extra in bodies:
            body = {"title": "t", "content": "c", **extra}
            response = await client.post(TEMPLATES, json=body, headers=alice.headers)
            assert error_code(response, 400) == "validation_error", extra

    async def test_a_body_over_the_server_limit_is_413(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        body = {
            "templates": [{"title": "t", "versions": [{"version": 1, "content": "x" * 30_000}]}]
            * 40
        }
        response = await client.post(f"{TEMPLATES}/import", json=body, headers=alice.headers)
        assert response.status_code == 413


class TestNumbers:
    async def test_an_integer_beyond_any_float_is_400_as_a_default(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        variable = {"name": "n", "type": "number", "default": 10**400}
        body = {"title": "t", "content": "{{n}}", "variables": [variable]}
        response = await client.post(TEMPLATES, json=body, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"
        assert "finite" in response.json()["error"]

    async def test_an_integer_beyond_any_float_is_an_invalid_value(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        variables = [{"name": "n", "type": "number"}]
        template_id = (await create(client, alice, content="{{n}}", variables=variables))["id"]
        url = template_url(template_id, "render")
        response = await client.post(
            url, json={"variables": {"n": -(10**400)}}, headers=alice.headers
        )
        assert error_code(response, 400) == "invalid_variables"
        invalid = response.json()["details"]["invalid"]
        assert invalid == [{"name": "n", "reason": "must be a finite number"}]


class TestTags:
    async def test_a_tag_that_grows_when_lower_cased_is_400_not_stored_too_long(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        # "İ" lower-cases to two code points: 40 of them would become an 80-character tag.
        body = {"title": "t", "content": "c", "tags": ["\u0130" * 40]}
        response = await client.post(TEMPLATES, json=body, headers=alice.headers)
        assert error_code(response, 400) == "validation_error"
        assert response.json()["details"][0]["field"] == "tags"

    async def test_a_tag_that_grows_but_fits_is_kept_and_exported(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        created = await create(client, alice, tags=["\u0130" * 20])
        assert created["tags"] == ["i\u0307" * 20]
        exported = await client.get(template_url(created["id"], "export"), headers=alice.headers)
        assert exported.status_code == 200, exported.text
        assert exported.json()["tags"] == ["i\u0307" * 20]


class TestVariableNames:
    @pytest.mark.parametrize("name", ["\ud800", "a\x00", "x" * 64])
    async def test_a_value_for_an_odd_name_is_refused_without_a_500(
        self, client: httpx.AsyncClient, alice: Account, name: str
    ) -> None:
        template_id = (await create(client, alice, content="c", variables=[]))["id"]
        url = template_url(template_id, "render")
        response = await send_raw(client, alice, "POST", url, {"variables": {name: "v"}})
        assert response.status_code == 400, response.text
        assert response.json()["code"] in ("validation_error", "invalid_variables")


class TestImportTimes:
    @pytest.mark.parametrize(
        "created_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01"]
    )
    async def test_a_creation_time_at_the_edge_of_the_calendar_is_not_a_500(
        self, client: httpx.AsyncClient, alice: Account, created_at: str
    ) -> None:
        version = {"version": 1, "content": "c", "created_at": created_at}
        body = {"title": "t", "versions": [version]}
        response = await client.post(f"{TEMPLATES}/import", json=body, headers=alice.headers)
        assert response.status_code in (201, 400), response.text
