"""Rendering over HTTP and through `render_reference`, the door chat, the playground and game
sessions use: values are checked by name, and the same inputs give the same bytes."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.auth.cache import Principal
from app.db import session_scope
from app.errors import AppError
from app.templates.schemas import TemplateRefIn
from app.templates.service import RenderedTemplate, render_reference
from tests.fixtures.factories import Account, register
from tests.integration.templates.templates_api import (
    create,
    error_code,
    patch,
    render,
    template_url,
)

pytestmark = pytest.mark.integration
TYPED: dict[str, Any] = {
    "content": "{{who}} is {{age}}; likes {{colour}}; admin={{admin}}; {{extra}}",
    "variables": [
        {"name": "who"},
        {"name": "age", "type": "number"},
        {"name": "colour", "type": "choice", "choices": ["red", "blue"], "default": "red"},
        {"name": "admin", "type": "boolean"},
        {"name": "extra", "required": False},
    ],
}


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    await register(client)  # the admin
    return await register(client)


@pytest.fixture
async def typed(client: httpx.AsyncClient, alice: Account) -> int:
    return int((await create(client, alice, **TYPED))["id"])


class TestRender:
    async def test_values_of_every_type_and_defaults_fill_the_prompt(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        values = {"who": "Ann", "age": 41.5, "admin": False}
        response = await render(client, alice, typed, variables=values)
        assert response.status_code == 200, response.text
        assert response.json() == {
            "prompt": "Ann is 41.5; likes red; admin=false; ",
            "version": 1,
            "template_id": typed,
            "label": None,
        }

    async def test_the_same_inputs_give_the_same_bytes(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        values = {"admin": True, "age": 3, "who": "Zoë 🙂", "colour": "blue"}
        first = await render(client, alice, typed, variables=values)
        reordered = dict(reversed(list(values.items())))
        second = await render(client, alice, typed, variables=reordered)
        assert first.content == second.content
        assert first.json()["prompt"] == "Zoë 🙂 is 3; likes blue; admin=true; "

    async def test_missing_and_invalid_values_are_named(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        values = {"age": "3", "colour": "green", "admin": "yes", "ghost": 1}
        response = await render(client, alice, typed, variables=values)
        assert error_code(response, 400) == "invalid_variables"
        details = response.json()["details"]
        assert details["missing"] == ["who"]
        assert {item["name"]: item["reason"] for item in details["invalid"]} == {
            "ghost": "not a variable of this template",
            "age": "must be a number",
            "colour": "must be one of: red, blue",
            "admin": "must be true or false",
        }

    async def test_a_value_is_never_expanded_again(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        values = {"who": "{{extra}}", "age": 1, "admin": True, "extra": "X"}
        response = await render(client, alice, typed, variables=values)
        assert response.json()["prompt"] == "{{extra}} is 1; likes red; admin=true; X"

    async def test_an_old_version_renders_as_it_was(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int(
            (await create(client, alice, content="v1 {{a}}", variables=[{"name": "a"}]))["id"]
        )
        await patch(client, alice, template_id, content="v2 {{a}}")
        old = await render(client, alice, template_id, version=1, variables={"a": "x"})
        latest = await render(client, alice, template_id, variables={"a": "x"})
        assert (old.json()["prompt"], old.json()["version"]) == ("v1 x", 1)
        assert (latest.json()["prompt"], latest.json()["version"]) == ("v2 x", 2)

    async def test_a_version_and_a_label_together_are_400(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        response = await render(client, alice, typed, version=1, label="production", variables={})
        assert error_code(response, 400) == "validation_error"

    @pytest.mark.parametrize("value", ["\ud800", "a\x00b", "x" * 32_001])
    async def test_text_values_the_model_cannot_take_are_400(
        self, client: httpx.AsyncClient, alice: Account, typed: int, value: str
    ) -> None:
        # `json.dumps` escapes the lone surrogate as JSON allows; httpx's encoder refuses it.
        response = await client.post(
            template_url(typed, "render"),
            content=json.dumps({"variables": {"who": value}}),
            headers={**alice.headers, "content-type": "application/json"},
        )
        assert error_code(response, 400) == "validation_error"

    async def test_too_many_values_are_400(
        self, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        values = {f"v{n}": "x" for n in range(51)}
        response = await render(client, alice, typed, variables=values)
        assert error_code(response, 400) == "validation_error"

    async def test_a_repeated_placeholder_cannot_multiply_a_value_into_megabytes(
        self, client: httpx.AsyncClient, alice: Account
    ) -> None:
        # 6,400 placeholders x a 32,000-character value would be a 200-million-character prompt.
        content = "{{a}}" * 6_400
        template_id = (await create(client, alice, content=content, variables=[{"name": "a"}]))[
            "id"
        ]
        response = await render(client, alice, template_id, variables={"a": "x" * 32_000})
        assert error_code(response, 400) == "invalid_variables"
        [invalid] = response.json()["details"]["invalid"]
        assert invalid["name"] == "a"
        assert "100000" in invalid["reason"]


def principal(account: Account) -> Principal:
    user = account.user
    return Principal(
        id=int(str(user["id"])),
        email=account.email,
        display_name=None,
        role=str(user["role"]),
        is_active=True,
        token_version=0,
        created_at=datetime.now(UTC),
    )


async def by_reference(
    app: FastAPI, viewer: Principal | None, ref: TemplateRefIn, values: dict[str, object]
) -> RenderedTemplate:
    async with session_scope(app.state.sessionmaker) as db:
        return await render_reference(db, viewer, ref, values)


class TestRenderReference:
    async def test_the_owner_renders_a_private_template_by_label(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account
    ) -> None:
        template_id = int(
            (await create(client, alice, content="v1 {{a}}", variables=[{"name": "a"}]))["id"]
        )
        await patch(client, alice, template_id, content="v2 {{a}}")
        await client.put(
            template_url(template_id, "labels/production"),
            json={"version": 1},
            headers=alice.headers,
        )
        ref = TemplateRefIn(id=template_id, label="production")
        rendered = await by_reference(app, principal(alice), ref, {"a": "x"})
        assert rendered == RenderedTemplate(
            template_id=template_id, version=1, label="production", title="Greeting", prompt="v1 x"
        )

    async def test_an_anonymous_caller_sees_shared_templates_only(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account
    ) -> None:
        private = int((await create(client, alice, content="p", variables=[]))["id"])
        shared = int(
            (await create(client, alice, content="s", variables=[], visibility="shared"))["id"]
        )
        assert (await by_reference(app, None, TemplateRefIn(id=shared), {})).prompt == "s"
        with pytest.raises(AppError) as caught:
            await by_reference(app, None, TemplateRefIn(id=private), {})
        assert (caught.value.status_code, caught.value.error_code) == (404, "template_not_found")

    async def test_errors_say_what_is_missing(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        viewer = principal(alice)
        cases = [
            (
                TemplateRefIn(id=typed, version=7),
                404,
                "template_not_found",
                f"No version 7 of template {typed}",
            ),
            (
                TemplateRefIn(id=typed, label="nope"),
                404,
                "template_not_found",
                "has no label 'nope'",
            ),
            (
                TemplateRefIn(id=typed + 1000),
                404,
                "template_not_found",
                f"No template {typed + 1000}",
            ),
            (TemplateRefIn(id=typed), 400, "invalid_variables", "missing: who"),
        ]
        for ref, status, code, words in cases:
            with pytest.raises(AppError) as caught:
                await by_reference(app, viewer, ref, {})
            assert (caught.value.status_code, caught.value.error_code) == (status, code)
            assert words in caught.value.message

    async def test_an_archived_template_is_409(
        self, app: FastAPI, client: httpx.AsyncClient, alice: Account, typed: int
    ) -> None:
        await client.delete(template_url(typed), headers=alice.headers)
        with pytest.raises(AppError) as caught:
            await by_reference(app, principal(alice), TemplateRefIn(id=typed), {"who": "x"})
        assert (caught.value.status_code, caught.value.error_code) == (409, "template_archived")
