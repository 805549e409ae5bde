"""Portal template references over MQTT, with a stand-in resolver (no portal, no model).

The portal's own resolver (rendering as the key's user, keyless clients shared-only) is tested
end to end in ``tests/integration/games/test_portal_templates.py``.
"""

from collections.abc import Mapping
from typing import Any

import pytest

from app.llm import MemoryStore, SessionKey, SessionManager
from app.mqtt.contract import TemplateText
from app.mqtt.handler import GameHandler
from app.mqtt.prompts import (
    Refused,
    ResolvedTemplate,
    SessionPrompts,
    portal_ref,
)
from app.mqtt.templates import PortalRef
from tests.unit.mqtt.test_handler import (
    ALICE,
    MQTT,
    PROMPTS,
    KeyOwners,
    Publisher,
    Results,
    client,
    job,
    seed,
    sessions,
    store,
)

__all__ = ["client", "sessions", "store"]  # fixtures of the handler tests


class Resolver:
    """Renders ``T<id>v<version>`` with the values; template 404 is missing, 409 archived."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, PortalRef, dict[str, object]]] = []
        self.version = 3  # what "the latest" or any label resolves to now

    async def resolve(
        self, owner: str, ref: PortalRef, variables: Mapping[str, object], /
    ) -> ResolvedTemplate:
        self.calls.append((owner, ref, dict(variables)))
        if ref.id == 404:
            raise Refused("unknown_template", "No template 404")
        if ref.id == 409:
            raise Refused("template_archived", "Template 409 is archived")
        if "name" not in variables:
            raise Refused("invalid_variables", "missing: name")
        version = ref.version or self.version
        return ResolvedTemplate(f"T{ref.id}v{version} {variables['name']}", ref.id, version)


@pytest.fixture
def resolver() -> Resolver:
    return Resolver()


@pytest.fixture
def results() -> Results:
    return Results()


@pytest.fixture
def handler(sessions: SessionManager, resolver: Resolver, results: Results) -> GameHandler:
    return GameHandler(
        sessions=sessions,
        prompts=PROMPTS,
        owners=KeyOwners(),
        settings=MQTT,
        results=results,
        templates=resolver,
    )


@pytest.fixture
def prompts(sessions: SessionManager, resolver: Resolver) -> SessionPrompts:
    return SessionPrompts(sessions, PROMPTS, resolver)


KEY = SessionKey("alice", "maze", "s1")


class TestReference:
    @pytest.mark.parametrize(
        ("fields", "ref"),
        [
            ({"id": 7}, PortalRef(7)),
            ({"id": "7", "version": 2}, PortalRef(7, 2)),
            ({"id": 7, "version": 2.0}, PortalRef(7, 2)),
            ({"id": 7, "label": "production"}, PortalRef(7, None, "production")),
        ],
    )
    def test_a_reference_without_text(self, fields: dict[str, Any], ref: PortalRef) -> None:
        assert portal_ref(TemplateText.model_validate(fields)) == ref

    def test_text_is_no_reference(self) -> None:
        assert portal_ref(TemplateText(content="Be brief.", id=7)) is None
        assert portal_ref("Be brief.") is None

    @pytest.mark.parametrize(
        "fields",
        [{"id": "seven"}, {"id": 0}, {"id": 7, "version": "two"}, {"id": 7, "version": 1.5},
         {"id": 7, "version": 2, "label": "production"}],
    )  # fmt: skip
    def test_a_malformed_reference_is_refused(self, fields: dict[str, Any]) -> None:
        with pytest.raises(Refused) as refused:
            portal_ref(TemplateText.model_validate(fields))
        assert refused.value.code == "invalid_request"


class TestSessionRule:
    async def test_the_same_reference_and_values_keep_the_rendered_version(
        self, prompts: SessionPrompts, resolver: Resolver
    ) -> None:
        ref = TemplateText(id=5, label="production")
        first = await prompts.for_turn(KEY, None, ref, {"name": "Ann"})
        resolver.version = 4  # the label moved
        again = await prompts.for_turn(KEY, None, ref, {"name": "Ann"})
        assert first == again == "T5v3 Ann"
        assert len(resolver.calls) == 1

    async def test_other_values_render_again(
        self, prompts: SessionPrompts, resolver: Resolver
    ) -> None:
        ref = TemplateText(id=5)
        assert await prompts.for_turn(KEY, None, ref, {"name": "Ann"}) == "T5v3 Ann"
        assert await prompts.for_turn(KEY, None, ref, {"name": "Bo"}) == "T5v3 Bo"
        assert len(resolver.calls) == 2

    async def test_values_may_come_inside_the_template(
        self, prompts: SessionPrompts, resolver: Resolver
    ) -> None:
        ref = TemplateText.model_validate({"id": 5, "version": 1, "variables": {"name": "Cy"}})
        assert await prompts.for_turn(KEY, None, ref, None) == "T5v1 Cy"

    async def test_the_owner_is_whom_it_renders_for(
        self, prompts: SessionPrompts, resolver: Resolver
    ) -> None:
        keyless = SessionKey("mqtt:maze", "maze", "s1")
        await prompts.for_turn(keyless, None, TemplateText(id=5), {"name": "Ann"})
        assert resolver.calls[0][0] == "mqtt:maze"

    async def test_later_turns_without_a_template_use_the_rendered_one(
        self, prompts: SessionPrompts
    ) -> None:
        await prompts.for_turn(KEY, None, TemplateText(id=5), {"name": "Ann"})
        assert await prompts.for_turn(KEY, None, None, None) == "T5v3 Ann"
        in_use = await prompts.in_use(KEY)
        assert (in_use.template_id, in_use.version) == (5, 3)


class TestTemplateMessage:
    async def test_a_reference_sets_the_template_and_results_name_it(
        self, handler: GameHandler, resolver: Resolver, results: Results
    ) -> None:
        publisher = Publisher()
        payload = {"apiKey": ALICE, "template": {"id": 5, "version": 2}, "variables": {"name": "A"}}
        await handler.run(job(handler, "maze/template/s1", payload), publisher)
        await handler.run(job(handler, "maze/result/s1", {"apiKey": ALICE, "won": True}), publisher)
        assert publisher.sent == []
        assert resolver.calls == [("alice", PortalRef(5, 2), {"name": "A"})]
        stored = results.stored[0]
        assert (stored["template"], stored["template_id"], stored["template_version"]) == (
            "T5v2 A",
            5,
            2,
        )

    @pytest.mark.parametrize(
        ("payload", "code"),
        [
            ({"template": {"id": 404}, "variables": {"name": "A"}}, "unknown_template"),
            ({"template": {"id": 409}, "variables": {"name": "A"}}, "template_archived"),
            ({"template": {"id": 5}}, "invalid_variables"),
            ({"template": {"id": 5, "version": "x"}}, "invalid_request"),
        ],
    )
    async def test_a_refused_reference_is_an_error_reply_and_keeps_the_history(
        self,
        handler: GameHandler,
        store: MemoryStore,
        payload: dict[str, Any],
        code: str,
    ) -> None:
        key = SessionKey("mqtt:maze", "maze", "s1")
        await seed(store, key)
        publisher = Publisher()
        await handler.run(job(handler, "maze/template/s1", payload), publisher)
        assert publisher.bodies()[0]["code"] == code
        assert await store.get(key) is not None

    async def test_a_refused_reference_in_a_request_is_an_error_reply(
        self, handler: GameHandler
    ) -> None:
        publisher = Publisher()
        body = {"sessionId": "s1", "message": "go", "template": {"id": 404}, "variables": {}}
        await handler.run(job(handler, "maze/user_input", body), publisher)
        assert publisher.bodies()[0]["code"] == "unknown_template"
