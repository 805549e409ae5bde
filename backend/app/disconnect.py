"""Cancel a non-streamed piece of work when the HTTP client hangs up.

Starlette does not cancel a handler when its client disconnects, so a long LLM call would run
on for nobody. Racing the work against the `http.disconnect` message closes it at once.
"""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.requests import Request

from app.errors import AppError

T = TypeVar("T")


class ClientClosedRequest(AppError):
    """The client went away before the answer was ready (nginx's 499)."""

    status_code = 499
    code = "client_closed_request"


async def _wait_for_disconnect(request: Request) -> None:
    while (await request.receive())["type"] != "http.disconnect":
        continue


async def cancel_on_disconnect(request: Request, work: Awaitable[T]) -> T:
    """Await `work`, cancelling it (and so its upstream request) if the client disconnects."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.create_task(_wait_for_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    if task.cancelled():
        raise ClientClosedRequest("Client closed the request")
    return task.result()
