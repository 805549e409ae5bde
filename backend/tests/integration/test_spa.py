"""The built front end is served at `/`, client-side routes fall back to it, the API does not."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from app.main import create_app
from tests.fixtures.app import SettingsFactory

pytestmark = pytest.mark.integration
SHELL = "<!doctype html><div id='root'></div>"


@pytest.fixture
async def portal(
    make_settings: SettingsFactory, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(SHELL)
    (dist / "favicon.svg").write_text("<svg/>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    application = create_app(make_settings(frontend_dist=dist))
    async with (
        LifespanManager(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://portal.test"
        ) as http,
    ):
        yield http


@pytest.mark.parametrize("path", ["/", "/login", "/chat/some-session"])
async def test_pages_get_the_app_shell(portal: httpx.AsyncClient, path: str) -> None:
    response = await portal.get(path)
    assert response.status_code == 200
    assert response.text == SHELL


async def test_assets_and_top_level_files_are_served(portal: httpx.AsyncClient) -> None:
    assert (await portal.get("/assets/app.js")).text == "console.log(1)"
    assert (await portal.get("/favicon.svg")).text == "<svg/>"


async def test_a_path_outside_the_build_gets_the_shell_not_the_file(
    portal: httpx.AsyncClient,
) -> None:
    response = await portal.get("/..%2F..%2Fetc%2Fpasswd")
    assert response.text == SHELL


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/api", "/api/no-such-route", "/api/auth/login/extra"])
async def test_unknown_api_path_is_a_404_for_every_method(
    portal: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await portal.request(method, path)
    assert response.status_code == 404
    body = response.json()
    assert isinstance(body["error"], str)
    assert isinstance(body["timestamp"], int)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/auth/login", {"POST"}),
        ("PUT", "/api/auth/login", {"POST"}),
        ("GET", "/api/keys/1", {"DELETE"}),
        ("GET", "/api/llm/chat", {"POST"}),
        ("DELETE", "/api/health", {"GET"}),
    ],
)
async def test_wrong_method_on_an_api_route_is_a_405_with_allow(
    portal: httpx.AsyncClient, method: str, path: str, allow: set[str]
) -> None:
    response = await portal.request(method, path)
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == allow
    body = response.json()
    assert body["code"] == "http_405"
    assert isinstance(body["error"], str)
    assert isinstance(body["timestamp"], int)


async def test_pages_still_get_the_shell_next_to_api_routes(portal: httpx.AsyncClient) -> None:
    assert (await portal.get("/auth/login")).text == SHELL
    assert (await portal.get("/apis")).text == SHELL


async def test_head_of_a_page_is_answered(portal: httpx.AsyncClient) -> None:
    response = await portal.head("/login")
    assert response.status_code == 200
