"""Serve the built front end at `/` with a fallback to `index.html` for client-side routes.

The fallback never matches a path under `/api`, so the API's own routing answers there: an
unknown path is a 404, and a known path asked with the wrong method (`GET /api/auth/login`) a
405 with `Allow`, both in the error shape.
"""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.routing import Match
from starlette.types import Scope

MISSING_BUILD = (
    "<!doctype html><title>Prompt Portal</title><h1>Prompt Portal API is running</h1>"
    "<p>The web interface is not built yet: run <code>make run</code> (or "
    "<code>npm --prefix frontend run build</code>). The API docs are at "
    '<a href="/api/docs">/api/docs</a>.</p>'
)


API_PREFIXES = ("/api", "/v1")
"""Paths the API owns: an unknown one there is a JSON 404, never the page."""


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in API_PREFIXES)


class FrontendRoute(APIRoute):
    """A catch-all route that leaves the API paths (`/api`, `/v1`) alone."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_api_path(scope["path"]):
            return Match.NONE, {}
        return super().matches(scope)


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Static assets under /assets, every other non-API GET answered with the SPA shell."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    # Top-level files (favicon, robots.txt) are listed once, so requests never touch the disk
    # to decide and a crafted path can never escape the build folder.
    top_level = {p.name: p for p in dist.glob("*") if p.is_file()} if dist.is_dir() else {}
    has_index = index.is_file()

    async def serve_frontend(path: str) -> Any:
        if path in top_level:
            return FileResponse(top_level[path])
        if has_index:
            return FileResponse(index)
        return HTMLResponse(MISSING_BUILD)

    app.router.add_api_route(
        "/{path:path}",
        serve_frontend,
        methods=["GET", "HEAD"],
        include_in_schema=False,
        response_model=None,
        route_class_override=FrontendRoute,
    )
