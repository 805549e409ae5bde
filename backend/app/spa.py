"""Serve the built front end at `/` with a fallback to `index.html` for client-side routes."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.errors import NotFound

MISSING_BUILD = (
    "<!doctype html><title>Prompt Portal</title><h1>Prompt Portal API is running</h1>"
    "<p>The web interface is not built yet: run <code>make run</code> (or "
    "<code>npm --prefix frontend run build</code>). The API docs are at "
    '<a href="/api/docs">/api/docs</a>.</p>'
)


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Static assets under /assets, every other non-API GET answered with the SPA shell."""
    index = dist / "index.html"
    if (dist / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    # Top-level files (favicon, robots.txt) are listed once, so requests never touch the disk
    # to decide and a crafted path can never escape the build folder.
    top_level = {p.name: p for p in dist.glob("*") if p.is_file()} if dist.is_dir() else {}
    has_index = index.is_file()

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def serve_frontend(path: str) -> FileResponse | HTMLResponse:
        if path.startswith("api/") or path == "api":
            raise NotFound("Not found")
        if path in top_level:
            return FileResponse(top_level[path])
        if has_index:
            return FileResponse(index)
        return HTMLResponse(MISSING_BUILD)
