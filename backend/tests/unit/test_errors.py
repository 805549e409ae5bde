"""Database trouble reads as "try again" (503 + Retry-After), in the one error shape."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sqlalchemy_exc

from app.errors import install_error_handlers


def app_raising(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return app


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (sqlalchemy_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "busy"),
        (
            sqlalchemy_exc.OperationalError("SELECT 1", {}, OSError("refused")),
            "database_unavailable",
        ),
    ],
)
async def test_database_unavailable_is_503_with_retry_after(error: Exception, code: str) -> None:
    transport = httpx.ASGITransport(app=app_raising(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == code
    assert "QueuePool" not in body["error"]  # internals stay in the log


async def test_a_bug_in_the_database_layer_is_still_a_500() -> None:
    error = sqlalchemy_exc.IntegrityError("INSERT", {}, Exception("duplicate"))
    transport = httpx.ASGITransport(app=app_raising(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
