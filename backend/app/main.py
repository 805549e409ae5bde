"""`create_app()`: routers, middleware, error handlers and lifespan in one place."""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app.auth.router import keys_router
from app.auth.router import router as auth_router
from app.bodylimit import BodySizeLimit
from app.chat.router import router as chat_router
from app.completion.router import router as completion_router
from app.config import Settings, get_settings
from app.errors import document_error_shape, install_error_handlers
from app.games.router import router as games_router
from app.gateway.errors import too_large_body
from app.gateway.router import router as gateway_router
from app.health.router import router as health_router
from app.lifespan import lifespan
from app.playground.router import router as playground_router
from app.spa import mount_frontend
from app.templates.router import router as templates_router
from app.users.router import router as users_router


def operation_id(route: APIRoute) -> str:
    """Clients read `AuthService.loginUser`: the function name is the operation id."""
    return route.name


def truthful_openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The schema FastAPI builds, with the one error shape and without FastAPI's 422.

    Validation errors are answered 400 in the one error shape, and each route documents
    that (and its other statuses) itself with `error_responses(...)`.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_error_shape(build())
        return app.openapi_schema

    return openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # One INFO line per upstream request would double the log volume of every chat turn;
    # Alembic lists its plugins at every start-up.
    for chatty in ("httpx", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = FastAPI(
        title="Prompt Portal",
        version="0.1.0",
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.openapi = truthful_openapi(app)  # type: ignore[method-assign]
    install_error_handlers(app)
    # `/v1` first: routes are matched in order, and an SDK client's every request is one of
    # its few, while each `/api` request pays only their quick prefix checks.
    for router in (
        gateway_router,
        health_router,
        auth_router,
        keys_router,
        users_router,
        chat_router,
        completion_router,
        games_router,
        templates_router,
        playground_router,
    ):
        app.include_router(router)
    # Added first, so it runs inside CORS: a 413 carries the CORS headers a browser needs
    # to read it; `/v1` answers it in OpenAI's error shape, as its other errors.
    renderers = {gateway_router.prefix: too_large_body}
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, renderers=renderers)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials="*" not in settings.cors_origins,
        allow_methods=["*"],
        allow_headers=["*"],
        expose_headers=["Retry-After", "X-Cache"],
    )
    mount_frontend(app, settings.frontend_dist)
    return app
