"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every operation.

The app runs in process (schemathesis's ASGI transport starts its lifespan) against the
fault-injecting fake upstream, so the LLM routes answer too. Every response must be no 5xx,
have a documented status and content type, and match its documented schema — once without
a token (the 401 side of every protected route) and once as a signed-in user.
"""

import secrets
from collections.abc import AsyncIterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.llm.settings import LLMSettings
from app.main import create_app
from tests.fixtures.database import clear_tables
from tests.fixtures.factories import DEFAULT_PASSWORD, unique_email
from tests.fixtures.fake_upstream import FakeUpstream

pytestmark = pytest.mark.integration

TRUTH = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
async def contract_app(
    database_url: str, fake_upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    """One app for the module: schemathesis runs its lifespan around each operation's test.

    Limits are high enough that generated requests reach the handlers, not the throttles.
    """
    fake_upstream_server.reset()
    settings = Settings(
        environment="test",
        secret_key=secrets.token_urlsafe(48),
        database_url=database_url,
        frontend_dist=tmp_path_factory.mktemp("no-frontend"),
        completion_rate_limit="100000/minute",
        login_rate_limit_account="100000/minute",
        login_rate_limit_address="100000/minute",
        llm=LLMSettings(server_url=fake_upstream_server.url),
    )
    yield create_app(settings)
    await clear_tables(database_url)


@pytest.fixture(scope="module")
def bearer(contract_app: FastAPI) -> dict[str, str]:
    """A signed-in user's Authorization header, made through the API itself."""
    credentials = {"email": unique_email("contract"), "password": DEFAULT_PASSWORD}
    register = schema["/api/auth/register"]["POST"].Case(body=credentials)
    assert register.call(app=contract_app).status_code == 201
    login = schema["/api/auth/login"]["POST"].Case(body=credentials, media_type="application/json")
    answer = login.call(app=contract_app)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


# What the app documents, as `/api/openapi.json` serves it; requests go to `contract_app`.
schema = schemathesis.openapi.from_dict(create_app().openapi())


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_get_documented_answers(
    case: schemathesis.Case, contract_app: FastAPI
) -> None:
    case.call_and_validate(app=contract_app, checks=TRUTH)


@schema.parametrize()
@EXAMPLES
def test_signed_in_requests_get_documented_answers(
    case: schemathesis.Case, contract_app: FastAPI, bearer: dict[str, str]
) -> None:
    case.call_and_validate(app=contract_app, headers=bearer, checks=TRUTH)
