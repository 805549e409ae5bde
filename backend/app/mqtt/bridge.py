"""The MQTT transport: keeps one broker connection alive and feeds the game handler.

The bridge owns everything about the network and nothing about the game: it connects
(MQTT 5, ``clean_start`` false with a session expiry, so the broker queues QoS 1 requests
while the bridge is away), subscribes to the handler's topic filters through the ``$share``
group (several bridges then answer each request once), announces ``online`` on every
project's retained ``P/status``, hands every message to the handler's cheap ``accept``, runs
the accepted jobs on a :class:`~app.mqtt.dispatch.Dispatcher` (bounded, ordered per session,
deduplicated, expiring). When the broker goes away it reconnects with doubling, jittered
back-off; replies wait for the new connection, but fail (:class:`ReplyUndeliverable`) once
the broker has been away ``publish_wait_seconds``, so a streamed answer stops instead of
waiting out every piece. A request the full queue refuses gets the handler's ``busy`` reply.

Last will: an MQTT client has exactly one will, so the bridge's connection carries the first
project's ``offline``; every further project's is carried by a small connection of its own
(:class:`~app.mqtt.status.StatusLines`). A stop (cancellation) says ``offline`` on every
project, then disconnects; it stops the bridge whatever step it lands in, even one where
aiomqtt swallows it (:func:`~app.mqtt.status.open_client`, ``raise_if_cancelled``).

Broker restarts: the broker keeps this session on disk, with the requests queued for it.
Mosquitto (2.0.11, as tested) does not keep *shared* subscriptions across its own restart,
though: until the bridge is back and has subscribed again, requests published to a restarted
broker reach nobody. An empty ``share_group`` subscribes without ``$share`` (for one bridge
per broker only); those subscriptions survive the restart, so such requests wait for it.

Delivery: paho acknowledges a QoS 1 request as soon as it is read, before it is answered: a
broker outage loses nothing (the job stays queued, its reply is published after reconnecting)
but a bridge process killed mid-request loses that request. Messages are read from the moment
the broker accepts the connection, so the requests it had queued are taken in first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from app.mqtt.dispatch import Admission, Dispatcher, Work, raise_if_cancelled
from app.mqtt.messages import Incoming, Job, Outgoing, Publisher, ReplyUndeliverable
from app.mqtt.settings import MqttSettings
from app.mqtt.status import StatusLines, announce, connected, status_will

logger = logging.getLogger(__name__)

PUBLISH_WAIT_SECONDS = 15.0
"""How long replies wait for a lost connection to come back before they are dropped."""
SHUTDOWN_SECONDS = 1.0
"""Budget for the ``offline`` announcements and the clean DISCONNECT when stopping."""
OPERATION_TIMEOUT_SECONDS = 10.0
"""aiomqtt's wait for CONNACK, SUBACK and PUBACK."""
BUSY = "busy"
BUSY_MESSAGE = "The game service is busy — send the request again shortly"


class MessageHandler(Protocol):
    """What the bridge needs from :class:`app.mqtt.handler.GameHandler`."""

    def subscriptions(self) -> list[str]: ...

    def accept(self, message: Incoming) -> Job | Outgoing | None: ...

    async def run(self, job: Job, publisher: Publisher) -> None: ...

    async def run_as(self, job: Job, owner: str, publisher: Publisher) -> None: ...

    def refusal(self, job: Job, code: str, message: str) -> Outgoing: ...


def incoming_from(message: aiomqtt.Message, now: float) -> Incoming:
    """The transport-neutral view of one received message (MQTT 5 properties included)."""
    props = message.properties
    expiry = getattr(props, "MessageExpiryInterval", None)
    payload = message.payload
    if isinstance(payload, str):
        payload = payload.encode()
    return Incoming(
        topic=message.topic.value,
        payload=payload if isinstance(payload, bytes) else b"",
        response_topic=getattr(props, "ResponseTopic", None),
        correlation_data=getattr(props, "CorrelationData", None),
        user_properties=tuple(
            (str(name), str(value)) for name, value in getattr(props, "UserProperty", ())
        ),
        # The broker forwards the time left, so the deadline counts from our receipt.
        expires_at=now + expiry if expiry is not None else None,
        received_at=now,
    )


class Bridge:
    """One broker connection serving ``handler``; :meth:`run` until cancelled."""

    def __init__(
        self,
        handler: MessageHandler,
        settings: MqttSettings,
        *,
        client_id: str | None = None,
        publish_wait_seconds: float = PUBLISH_WAIT_SECONDS,
    ) -> None:
        self._handler = handler
        self._settings = settings
        self._client_id = client_id or settings.client_id
        self._publish_wait = publish_wait_seconds
        self._host, self._port = settings.host_port()
        self._client: aiomqtt.Client | None = None
        self._ready = asyncio.Event()
        self._down_since = time.monotonic()  # when the broker was last lost (or not yet had)
        self._dispatcher = Dispatcher(
            queue_size=settings.queue_size,
            workers=settings.workers,
            dedup_size=settings.dedup_size,
            dedup_seconds=settings.dedup_seconds,
        )
        self._replies: set[asyncio.Task[None]] = set()
        self._served = False  # the current connection got as far as serving
        self._counts = {"received": 0, "rejected": 0, "published": 0, "unsent": 0, "connects": 0}

    @property
    def connected(self) -> bool:
        """Connected, announced and subscribed: requests are being taken in."""
        return self._ready.is_set()

    def stats(self) -> dict[str, int | bool | str]:
        """Counters for the monitor; ``queued`` is what waits now, the rest count since start.

        ``errors`` counts requests refused with an error reply and jobs whose handler raised;
        ``dropped`` counts requests refused because the queue was full and replies that could
        not be sent.
        """
        jobs = self._dispatcher.stats
        return {
            "connected": self.connected,
            "broker": f"{self._host}:{self._port}",
            "client_id": self._client_id,
            "received": self._counts["received"],
            "answered": jobs.done,
            "errors": self._counts["rejected"] + jobs.failed,
            "dropped": jobs.dropped + self._counts["unsent"],
            "queued": jobs.queued,
            "running": jobs.running,
            "duplicates": jobs.duplicates,
            "expired": jobs.expired,
            "published": self._counts["published"],
            "connects": self._counts["connects"],
        }

    async def run(self) -> None:
        """Serve until cancelled; on cancellation announce ``offline`` and disconnect."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._dispatcher.run())
                group.create_task(self._stay_connected())
        finally:
            for task in self._replies:
                task.cancel()

    async def publish(self, message: Outgoing) -> None:
        """Publish; while the broker is away wait for it, but no longer than
        ``publish_wait_seconds`` after it was lost: then raise :class:`ReplyUndeliverable`
        (at once for every later reply of the same outage)."""
        start = time.monotonic() if self.connected else self._down_since
        deadline = start + self._publish_wait
        while True:
            client = await self._client_by(deadline)
            if client is not None:
                try:
                    await client.publish(
                        message.topic,
                        message.payload,
                        qos=message.qos,
                        retain=message.retain,
                        properties=_publish_properties(message.correlation_data),
                        # A PUBACK lost with the connection is not waited for past the deadline.
                        timeout=min(
                            OPERATION_TIMEOUT_SECONDS, max(1.0, deadline - time.monotonic())
                        ),
                    )
                except aiomqtt.MqttError as error:
                    logger.info("Publishing to %s failed (%s); retrying", message.topic, error)
                else:
                    self._counts["published"] += 1
                    raise_if_cancelled()  # a stop that landed with the PUBACK ends the job
                    return
            if client is None or time.monotonic() >= deadline:
                self._counts["unsent"] += 1
                logger.warning("Dropped a reply to %s: the broker is away", message.topic)
                raise ReplyUndeliverable(f"the broker is away: not published to {message.topic}")
            # The connection is going down; let the reconnect loop notice before retrying.
            await asyncio.sleep(0.2)

    async def inject(self, job: Job, owner: str) -> Admission:
        """Run ``job`` as ``owner`` (the portal's test publish) in the session's order;
        says whether it was queued (``FULL``: the bridge is too busy to take it)."""
        return self._submit(job, lambda: self._handler.run_as(job, owner, self))

    async def _client_by(self, deadline: float) -> aiomqtt.Client | None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                await self._ready.wait()
        return self._client if self._ready.is_set() else None

    async def _stay_connected(self) -> None:
        delay = self._settings.reconnect_min_seconds
        while True:
            self._served = False
            try:
                await self._connection()
                reason = "connection closed"
            except aiomqtt.MqttError as error:
                reason = str(error)
            except Exception as error:  # a bug must not end the service: log it, reconnect
                logger.exception("The MQTT connection failed unexpectedly")
                reason = repr(error)
            if self._served:  # a connection that worked starts the back-off over
                delay = self._settings.reconnect_min_seconds
            pause = random.uniform(delay / 2, delay)  # jitter: bridges do not retry in step
            logger.warning(
                "MQTT broker at %s:%d: %s; reconnecting in %.1f s (check MQTT_BROKER_URL "
                "and the broker login MQTT_USERNAME/MQTT_PASSWORD)",
                self._host,
                self._port,
                reason,
                pause,
            )
            raise_if_cancelled()  # a step above may have swallowed it: no retry then
            await asyncio.sleep(pause)
            delay = min(delay * 2, self._settings.reconnect_max_seconds)

    def _new_client(self) -> aiomqtt.Client:
        settings = self._settings
        connect = _properties(PacketTypes.CONNECT)
        connect.SessionExpiryInterval = settings.session_expiry_seconds
        client = aiomqtt.Client(
            self._host,
            self._port,
            identifier=self._client_id,
            username=settings.username,
            password=settings.password.get_secret_value() if settings.password else None,
            protocol=aiomqtt.ProtocolVersion.V5,
            # Never a clean start: the broker must keep this session's subscriptions and
            # the QoS 1 requests sent while the bridge was away.
            clean_start=False,
            properties=connect,
            will=status_will(settings, settings.projects[0]),
            timeout=OPERATION_TIMEOUT_SECONDS,
            # Replies are small packets: send each at once rather than wait for an ACK.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        # Many replies in flight at once are normal here, not a leak worth a warning.
        client.pending_calls_threshold = settings.queue_size + settings.workers
        return client

    async def _connection(self) -> None:
        client = self._new_client()
        first, *others = self._settings.projects
        async with connected(client, SHUTDOWN_SECONDS):
            self._client = client
            reader = asyncio.create_task(self._read(client))
            try:
                await self._subscribe(client)  # first, so "online" means "taking requests"
                raise_if_cancelled()  # here and below: aiomqtt may have swallowed a cancel
                lines = StatusLines(
                    self._settings,
                    self._client_id,
                    others,
                    timeout=OPERATION_TIMEOUT_SECONDS,
                    shutdown_timeout=SHUTDOWN_SECONDS,
                )
                async with lines:  # each line says "online" for its project
                    await announce(client, self._settings, "online", [first])
                    raise_if_cancelled()
                    self._counts["connects"] += 1
                    self._served = True
                    self._ready.set()
                    logger.info(
                        "MQTT bridge %s connected to %s:%d, serving %s",
                        self._client_id,
                        self._host,
                        self._port,
                        ", ".join(self._settings.projects),
                    )
                    await lines.watch(reader)
            except asyncio.CancelledError:
                self._lost()
                await self._say_goodbye(client)
                raise
            finally:
                self._lost()
                self._client = None
                reader.cancel()
                await asyncio.wait([reader])

    def _lost(self) -> None:
        if self._ready.is_set():
            self._ready.clear()
            self._down_since = time.monotonic()

    async def _say_goodbye(self, client: aiomqtt.Client) -> None:
        """``offline`` on every project, then a clean DISCONNECT, all within the budget."""
        client.timeout = SHUTDOWN_SECONDS  # bounds the DISCONNECT wait in __aexit__ too
        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
            async with asyncio.timeout(SHUTDOWN_SECONDS):
                await announce(client, self._settings, "offline", self._settings.projects)

    async def _subscribe(self, client: aiomqtt.Client) -> None:
        group = self._settings.share_group
        prefix = f"$share/{group}/" if group else ""
        filters = [
            (prefix + topic, SubscribeOptions(qos=1)) for topic in self._handler.subscriptions()
        ]
        granted: list[int | ReasonCode] = list(await client.subscribe(filters))
        refused = [
            topic for (topic, _), code in zip(filters, granted, strict=False) if _refused(code)
        ]
        if refused:
            logger.warning(
                "The broker refused the bridge's subscriptions %s (check its ACL for %s)",
                refused,
                self._settings.username or "anonymous",
            )

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            self._receive(incoming_from(message, time.time()))

    def _receive(self, message: Incoming) -> None:
        self._counts["received"] += 1
        try:
            outcome = self._handler.accept(message)
        except Exception:
            self._counts["rejected"] += 1
            logger.exception("Could not read the message on %s", message.topic)
            return
        if isinstance(outcome, Outgoing):
            self._counts["rejected"] += 1
            self._reply_soon(outcome)
        elif outcome is not None:
            job = outcome
            if self._submit(job, lambda: self._handler.run(job, self)) is Admission.FULL:
                self._refuse_busy(job)

    def _refuse_busy(self, job: Job) -> None:
        """A request the full queue cannot take still gets an answer: try again later."""
        try:
            self._reply_soon(self._handler.refusal(job, BUSY, BUSY_MESSAGE))
        except Exception:
            logger.exception("Could not refuse %s as busy", job.message.topic)

    def _submit(self, job: Job, run: Callable[[], Awaitable[None]]) -> Admission:
        work = Work(
            key=job.ordering_key,
            run=run,
            label=f"{job.kind} on {job.message.topic} (session {job.session_id})",
            expires_at=job.expires_at,
            dedup_key=job.dedup_key,
        )
        return self._dispatcher.submit(work)

    def _reply_soon(self, message: Outgoing) -> None:
        # Error replies need no queue slot, but their tasks are kept so a stop cancels them.
        task = asyncio.create_task(self._publish_quietly(message))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def _publish_quietly(self, message: Outgoing) -> None:
        with contextlib.suppress(ReplyUndeliverable):  # counted and logged by publish
            await self.publish(message)


def _properties(packet_type: int) -> Properties:
    return Properties(packet_type)  # type: ignore[no-untyped-call]  # paho leaves it unannotated


def _refused(code: int | ReasonCode) -> bool:
    return code.is_failure if isinstance(code, ReasonCode) else code >= 0x80


def _publish_properties(correlation_data: bytes | None) -> Properties | None:
    if correlation_data is None:
        return None
    props = _properties(PacketTypes.PUBLISH)
    props.CorrelationData = correlation_data
    return props


__all__ = ["Bridge", "MessageHandler", "ReplyUndeliverable", "incoming_from"]
