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
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from types import TracebackType

import aiomqtt

from app.mqtt.settings import MqttSettings


def status_payload(service: str, status: str) -> bytes:
    return json.dumps({"service": service, "status": status, "ts": time.time()}).encode()


def status_will(settings: MqttSettings, project: str) -> aiomqtt.Will:
    """The broker's ``offline`` on ``project``'s status when a connection dies unannounced."""
    offline = status_payload(settings.status_service, "offline")
    return aiomqtt.Will(f"{project}/status", offline, qos=1, retain=True)


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
        await client.__aenter__()
        self._open[project] = client
        await announce(client, self._settings, "online", [project])

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
