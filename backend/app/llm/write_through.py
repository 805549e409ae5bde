"""Store writes that finish even inside a turn that is being cancelled.

A stopped turn stores its partial answer while its task is being cancelled, and anyio (which
serves the SSE responses) cancels every await of a cancelled scope again. So each write runs
in a task of its own, awaited under a shielded, time-bounded scope (:func:`write_through`).
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

import anyio

T = TypeVar("T")
logger = logging.getLogger(__name__)

WRITE_DEADLINE_S = 10.0
"""How long a cancelled turn waits for its last store write before leaving it to finish alone."""

_writes_in_flight: set[asyncio.Task[Any]] = set()


async def write_through(write: Coroutine[Any, Any, T]) -> T:
    """Run a store write to its end, even inside a turn that is being cancelled.

    The write is a task of its own, so no cancellation can cut it in half, and the turn
    waits for it in a shielded scope: anyio (which runs the SSE responses) cancels every
    await of a cancelled scope again, and a plain ``Task.cancel()`` that arrives meanwhile
    is held and delivered again once the write is done. Only a cancelled turn's wait is
    bounded (``WRITE_DEADLINE_S``), so a hung store cannot hold a hung-up client's turn for
    ever; a live turn waits as long as the store does (the store's own timeouts bound it,
    and their errors reach the caller).
    """
    task = asyncio.ensure_future(write)
    _writes_in_flight.add(task)
    task.add_done_callback(_writes_in_flight.discard)
    held_cancel = False
    with anyio.CancelScope(shield=True) as scope:
        while not task.done():
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError:
                if scope.cancel_called:
                    break  # the deadline of a cancelled turn passed; the write runs on alone
                if not held_cancel:
                    held_cancel = True
                    scope.deadline = anyio.current_time() + WRITE_DEADLINE_S
    if held_cancel:
        _cancel_again()
        if not task.done():
            logger.warning("a stopped turn's store write took over %g s", WRITE_DEADLINE_S)
            raise asyncio.CancelledError
    return task.result()


def _cancel_again() -> None:
    """Re-arm a ``Task.cancel()`` that was held off, leaving the task's count unchanged."""
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
        task.cancel()
