"""Serve the built front end at `/` with a fallback to `index.html` for client-side routes.

The fallback must not hide the API's own answers: a path under `/api` that no route takes is
a 404, and one whose route takes other methods is a 405 with `Allow`, both in the error shape.
"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match

from app.errors import NotFound

MISSING_BUILD = (
    "<!doctype html><title>Prompt Portal</title><h1>Prompt Portal API is running</h1>"
    "<p>The web interface is not built yet: run <code>make run</code> (or "
    "<code>npm --prefix frontend run build</code>). The API docs are at "
    '<a href="/api/docs">/api/docs</a>.</p>'
)


HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]


def allowed_methods(routes: list[BaseRoute], request: Request) -> set[str]:
    """The methods of the routes whose path matches this request but not its method."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches(request.scope)
        if match is Match.PARTIAL:
            methods.update(getattr(route, "methods", None) or ())
    return methods


def mount_api_fallback(app: FastAPI) -> None:
    """Answer `/api/...` requests that no route took fully: 405 with `Allow`, or 404.

    Registered after every API router, for every method, so it is only reached when no API
    route matched both path and method, and so the SPA's GET fallback never sees `/api`.
    """
    api_routes = list(app.router.routes)

    @app.api_route("/api", methods=HTTP_METHODS, include_in_schema=False)
    @app.api_route("/api/{path:path}", methods=HTTP_METHODS, include_in_schema=False)
    async def answer_unrouted_api(request: Request) -> None:
        methods = allowed_methods(api_routes, request)
        if methods:
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
        raise NotFound("Not found")


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Static assets under /assets, every other non-API GET answered with the SPA shell.

    Call it after including every API router (see `mount_api_fallback`).
    """
    mount_api_fallback(app)
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    # Top-level files (favicon, robots.txt) are listed once, so requests never touch the disk
    # to decide and a crafted path can never escape the build folder.
    top_level = {p.name: p for p in dist.glob("*") if p.is_file()} if dist.is_dir() else {}
    has_index = index.is_file()

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def serve_frontend(path: str) -> FileResponse | HTMLResponse:
        if path in top_level:
            return FileResponse(top_level[path])
        if has_index:
            return FileResponse(index)
        return HTMLResponse(MISSING_BUILD)
