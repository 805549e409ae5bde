"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every operation.

The app runs in process (schemathesis's ASGI transport starts its lifespan) against the
fault-injecting fake upstream, so the LLM routes answer too. Every response must be no 5xx,
have a documented status and content type, and match its documented schema — once without
a token (the 401 side of every protected route) and once as a signed-in user.
"""

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

from app.main import create_app
from tests.fixtures.app import SettingsFactory
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


@pytest.fixture
def llm_server_url(fake_upstream: FakeUpstream) -> str:
    return fake_upstream.url


@pytest.fixture
async def contract_app(make_settings: SettingsFactory, database_url: str) -> AsyncIterator[FastAPI]:
    # Limits high enough that generated requests reach the handlers instead of the throttle.
    yield create_app(make_settings(completion_rate_limit="100000/minute"))
    await clear_tables(database_url)


@pytest.fixture
def api_schema(contract_app: FastAPI) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/api/openapi.json", contract_app)


@pytest.fixture
def bearer(api_schema: schemathesis.BaseSchema) -> dict[str, str]:
    """A signed-in user's Authorization header, made through the API itself."""
    credentials = {"email": unique_email("contract"), "password": DEFAULT_PASSWORD}
    register = api_schema["/api/auth/register"]["POST"].Case(body=credentials).call()
    assert register.status_code == 201, register.text
    login = (
        api_schema["/api/auth/login"]["POST"]
        .Case(body=credentials, media_type="application/json")
        .call()
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_get_documented_answers(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=TRUTH)


@schema.parametrize()
@EXAMPLES
def test_signed_in_requests_get_documented_answers(
    case: schemathesis.Case, bearer: dict[str, str]
) -> None:
    case.call_and_validate(headers=bearer, checks=TRUTH)
