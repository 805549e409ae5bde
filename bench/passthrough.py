"""The least a proxy can do: a bare aiohttp pass-through to an OpenAI-compatible upstream.

    python bench/passthrough.py --upstream http://127.0.0.1:8080   # prints PASSTHROUGH_URL=...

`POST /v1/chat/completions`: read the JSON body, forward it with one pooled aiohttp session,
return the upstream's status and bytes (a streamed answer is relayed as its bytes arrive). No
auth, no validation, no logging: the `gateway` bench's floor for what a gateway adds. Runs on
uvloop in a process of its own and stops when its standard input closes (the bench that
started it has gone) or on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import aiohttp
import uvloop
from aiohttp import web

URL_LINE_PREFIX = "PASSTHROUGH_URL="
POOL_SIZE = 512
UPSTREAM = web.AppKey("upstream", str)
SESSION = web.AppKey("session", aiohttp.ClientSession)


async def _chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    session = request.app[SESSION]
    url = f"{request.app[UPSTREAM]}/v1/chat/completions"
    async with session.post(url, json=body) as upstream:
        content_type = upstream.headers.get("Content-Type", "application/json")
        if not body.get("stream"):
            return web.Response(
                body=await upstream.read(),
                status=upstream.status,
                content_type=None,
                headers={"Content-Type": content_type},
            )
        response = web.StreamResponse(status=upstream.status)
        response.headers["Content-Type"] = content_type
        await response.prepare(request)
        async for data in upstream.content.iter_any():
            await response.write(data)
        await response.write_eof()
        return response


async def _serve(upstream: str) -> None:
    app = web.Application()
    app[UPSTREAM] = upstream.rstrip("/")
    app.router.add_post("/v1/chat/completions", _chat)
    connector = aiohttp.TCPConnector(limit=POOL_SIZE, limit_per_host=POOL_SIZE)
    async with aiohttp.ClientSession(connector=connector) as session:
        app[SESSION] = session
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port = runner.addresses[0][1]
        sys.stdout.write(f"{URL_LINE_PREFIX}http://127.0.0.1:{port}\n")
        sys.stdout.flush()
        try:
            await asyncio.to_thread(sys.stdin.read)  # returns at EOF: the parent has gone
        finally:
            await runner.cleanup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="base URL of the upstream")
    args = parser.parse_args()
    uvloop.run(_serve(args.upstream))
    return 0


if __name__ == "__main__":
    sys.exit(main())
