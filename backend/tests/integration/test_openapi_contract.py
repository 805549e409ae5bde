"""The OpenAPI schema tells the truth: schemathesis sends generated requests to every operation.

The app runs in process behind schemathesis's ASGI transport, against the fake upstream, so
the LLM routes answer too. Every response must be no 5xx, and have a documented status,
content type, headers and body — once without a token (the 401 side of every protected
route) and once as a signed-in user. Examples are derandomized, so a run is repeatable;
`make fuzz` runs the same checks with more examples, drawn afresh each time.
"""

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import pytest
import schemathesis
from asgi_lifespan import LifespanManager
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
from app.mqtt.settings import MqttSettings
from tests.fixtures.database import clear_tables
from tests.fixtures.factories import DEFAULT_PASSWORD, unique_email
from tests.fixtures.fake_upstream import FakeUpstream
from tests.fixtures.mosquitto import start_broker

pytestmark = pytest.mark.integration

Message = MutableMapping[str, Any]
TRUTH = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# `make test` sends 12 repeatable examples per operation; `make fuzz` sets CONTRACT_EXAMPLES for
# a longer run with fresh random ones (Hypothesis prints how to replay a failure).
FUZZ_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "0"))
EXAMPLES = settings(
    max_examples=FUZZ_EXAMPLES or 12,
    deadline=None,
    derandomize=not FUZZ_EXAMPLES,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class SharedLifespan:
    """The app behind one lifespan for the whole module.

    Schemathesis starts and stops an app's lifespan around every operation's test; this
    one's start-up (migrations, LLM health) would then dominate the run. The wrapped app's
    lifespan starts at the first start-up, on the loop that serves the requests, and ends
    at `close()`; the lifespan messages in between are answered at once.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        while (await receive())["type"] == "lifespan.startup":
            await self._start()
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self) -> None:
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        started = asyncio.Event()
        self._task = asyncio.create_task(self._run(started))
        await started.wait()

    async def _run(self, started: asyncio.Event) -> None:
        async with LifespanManager(self.app, startup_timeout=60, shutdown_timeout=30):
            await self._bridge_connected()
            started.set()
            await self._stop.wait()

    async def _bridge_connected(self) -> None:
        """Game publishing answers 503 until the bridge is connected: wait for it."""
        bridge = self.app.state.games.bridge
        for _ in range(600):
            if bridge is None or bridge.connected:
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("the MQTT bridge did not connect to the test broker")

    async def _finish(self) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    def close(self) -> None:
        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._finish(), self._loop).result(timeout=60)


@pytest.fixture(scope="module")
async def contract_app(
    database_url: str, fake_upstream_server: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SharedLifespan]:
    """The app with limits high enough that generated requests reach the handlers, and a
    broker of its own so game publishing answers as it does in production.

    The model answers briefly: an echo of a generated 32,000-character message would
    stream for seconds and test nothing more.
    """
    fake_upstream_server.reset()
    fake_upstream_server.reply = "A short answer."
    broker = start_broker(tmp_path_factory.mktemp("broker"))
    settings = Settings(
        environment="test",
        secret_key=secrets.token_urlsafe(48),
        database_url=database_url,
        frontend_dist=tmp_path_factory.mktemp("no-frontend"),
        completion_rate_limit="100000/minute",
        login_rate_limit_account="100000/minute",
        login_rate_limit_address="100000/minute",
        gc_young_threshold=0,  # the collector stays the test process's own
        llm=LLMSettings(server_url=fake_upstream_server.url),
        mqtt=MqttSettings(
            broker_url=broker.url, keyless_projects=["*"], client_id=f"contract-{broker.port}"
        ),
    )
    app = SharedLifespan(create_app(settings))
    yield app
    app.close()
    broker.terminate()
    fake_upstream_server.reset()
    await clear_tables(database_url)


@pytest.fixture(scope="module")
def credentials(contract_app: SharedLifespan) -> dict[str, str]:
    """One account for the module, registered through the API itself."""
    credentials = {"email": unique_email("contract"), "password": DEFAULT_PASSWORD}
    register = schema["/api/auth/register"]["POST"].Case(body=credentials)
    assert register.call(app=contract_app).status_code == 201
    return credentials


@pytest.fixture
def bearer(contract_app: SharedLifespan, credentials: dict[str, str]) -> dict[str, str]:
    """A fresh sign-in's Authorization header: a generated logout ends only its own sign-in."""
    login = schema["/api/auth/login"]["POST"].Case(body=credentials, media_type="application/json")
    answer = login.call(app=contract_app)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


# What the app documents, as `/api/openapi.json` serves it. The game monitor's event stream
# never ends by design (its 401 is in the auth sweep, its events in the games tests).
schema = schemathesis.openapi.from_dict(create_app().openapi()).exclude(
    path="/api/mqtt/events", method="GET"
)


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_get_documented_answers(
    case: schemathesis.Case, contract_app: SharedLifespan
) -> None:
    case.call_and_validate(app=contract_app, checks=TRUTH)


@schema.parametrize()
@EXAMPLES
def test_signed_in_requests_get_documented_answers(
    case: schemathesis.Case, contract_app: SharedLifespan, bearer: dict[str, str]
) -> None:
    case.call_and_validate(app=contract_app, headers=bearer, checks=TRUTH)
