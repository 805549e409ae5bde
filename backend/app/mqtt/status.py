"""``P/status`` for every served project, last will included.

An MQTT client has exactly one will, so the bridge's own connection can leave ``offline``
behind on one project's status only (the first). Every further project gets a small
connection of its own whose only job is to carry that project's will: it says ``online``
when it connects and nothing else (no subscriptions, a clean session that ends with it).
If the bridge process dies, the broker publishes every project's ``offline``.

The lines live and die with the bridge's connection: they open once it is up, and one that
is lost ends that connection, so everything reconnects together (a line that dropped alone
would have left its project ``offline`` while the bridge serves it). On the way down each
line says ``offline`` itself, then disconnects cleanly (so the broker keeps its will).

Every connection here and in the bridge is opened by :func:`open_client`, which a cancel
always stops and which leaves no half-open connection behind (aiomqtt's own ``__aenter__``
can do both: see its docstring).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from types import TracebackType

import aiomqtt

from app.mqtt.dispatch import raise_if_cancelled
from app.mqtt.settings import MqttSettings


def status_payload(service: str, status: str) -> bytes:
    return json.dumps({"service": service, "status": status, "ts": time.time()}).encode()


def status_will(settings: MqttSettings, project: str) -> aiomqtt.Will:
    """The broker's ``offline`` on ``project``'s status when a connection dies unannounced."""
    offline = status_payload(settings.status_service, "offline")
    return aiomqtt.Will(f"{project}/status", offline, qos=1, retain=True)


async def open_client(client: aiomqtt.Client, budget: float) -> None:
    """Connect ``client`` (its ``__aenter__``) so that a cancel, whenever it lands, raises
    here and leaves no connection open; a failed attempt leaves none open either.

    aiomqtt alone does neither: a cancel that lands as the CONNACK arrives is swallowed
    (see :func:`~app.mqtt.dispatch.raise_if_cancelled`), and one that lands while the
    socket connects or CONNACK is awaited (or a CONNACK timeout) leaves the socket open,
    read and pinged for ever by nobody. So the attempt runs as a task of its own; when this
    wait is cancelled it gets ``budget`` seconds to settle, then whatever it opened is
    closed: a clean DISCONNECT if it got connected, the socket dropped otherwise.
    """
    entering = asyncio.ensure_future(client.__aenter__())
    try:
        await asyncio.shield(entering)
    except BaseException:
        await _abandon(client, entering, budget)
        raise
    raise_if_cancelled()


@contextlib.asynccontextmanager
async def connected(client: aiomqtt.Client, budget: float) -> AsyncIterator[aiomqtt.Client]:
    """``async with client`` through :func:`open_client`."""
    await open_client(client, budget)
    try:
        yield client
    finally:
        await client.__aexit__(None, None, None)


async def _abandon(
    client: aiomqtt.Client, entering: asyncio.Future[aiomqtt.Client], budget: float
) -> None:
    if not entering.done():
        await asyncio.wait([entering], timeout=budget)
    if not entering.done():
        entering.cancel()
        await asyncio.wait([entering])
    if entering.cancelled() or entering.exception() is not None:
        # Not connected (nothing for a DISCONNECT to end, and aiomqtt's disconnect handler
        # fails on the cancelled CONNACK wait): close paho's socket, if it opened one.
        client._client._sock_close()
        return
    client.timeout = budget  # bounds the DISCONNECT wait in __aexit__
    with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
        async with asyncio.timeout(budget):
            await client.__aexit__(None, None, None)


async def announce(
    client: aiomqtt.Client, settings: MqttSettings, status: str, projects: Sequence[str]
) -> None:
    """Retained ``status`` on each project's ``P/status``."""
    payload = status_payload(settings.status_service, status)
    publishing = (client.publish(f"{p}/status", payload, qos=1, retain=True) for p in projects)
    await asyncio.gather(*publishing)


class StatusLines:
    """One will-carrying connection per project in ``projects``; ``async with`` holds them."""

    def __init__(
        self,
        settings: MqttSettings,
        client_id: str,
        projects: Sequence[str],
        *,
        timeout: float,
        shutdown_timeout: float,
    ) -> None:
        self._settings = settings
        self._shutdown = shutdown_timeout
        self._clients = {
            project: self._client(f"{client_id}-status-{project}", project, timeout)
            for project in projects
        }
        self._open: dict[str, aiomqtt.Client] = {}

    async def __aenter__(self) -> StatusLines:
        try:
            async with asyncio.TaskGroup() as group:
                for project, client in self._clients.items():
                    group.create_task(self._connect(project, client))
        except BaseException as error:
            await self._close_all()
            if isinstance(error, BaseExceptionGroup):
                raise error.exceptions[0] from None  # the first reason says enough to retry
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close_all()

    async def watch(self, reader: asyncio.Task[None]) -> None:
        """Until ``reader`` (the bridge's own connection) ends or a line is lost; raises
        what ended it (:class:`aiomqtt.MqttError` for a lost line)."""
        lines = [asyncio.create_task(_until_lost(p, c)) for p, c in self._open.items()]
        try:
            await asyncio.wait([reader, *lines], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for line in lines:
                line.cancel()
        await (reader if reader.done() else next(line for line in lines if line.done()))

    def _client(self, identifier: str, project: str, timeout: float) -> aiomqtt.Client:
        settings = self._settings
        host, port = settings.host_port()
        return aiomqtt.Client(
            host,
            port,
            identifier=identifier,
            username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=True,  # nothing to keep: the line holds no subscriptions
            will=status_will(settings, project),
            timeout=timeout,
        )

    async def _connect(self, project: str, client: aiomqtt.Client) -> None:
        await open_client(client, self._shutdown)
        self._open[project] = client
        await announce(client, self._settings, "online", [project])
        raise_if_cancelled()

    async def _close_all(self) -> None:
        lines, self._open = self._open, {}
        await asyncio.gather(*(self._close(p, c) for p, c in lines.items()))

    async def _close(self, project: str, client: aiomqtt.Client) -> None:
        """``offline`` first, then a clean DISCONNECT (no will), within the shutdown budget."""
        client.timeout = self._shutdown  # bounds the DISCONNECT wait in __aexit__ too
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(self._shutdown):
                await announce(client, self._settings, "offline", [project])
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(self._shutdown):
                await client.__aexit__(None, None, None)


async def _until_lost(project: str, client: aiomqtt.Client) -> None:
    try:
        async for _ in client.messages:  # nothing is subscribed: this only ends on a loss
            pass
    except aiomqtt.MqttError as error:
        raise aiomqtt.MqttError(f"the status connection for {project} was lost: {error}") from error


__all__ = ["StatusLines", "announce", "status_payload", "status_will"]
