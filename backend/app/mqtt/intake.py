"""Admission of one incoming message: cheap, synchronous, done before it is queued.

A message is read once here: its topic names the project and kind, its payload is
checked for size, decoded and validated against :mod:`app.mqtt.contract`. What passes
becomes a :class:`~app.mqtt.messages.Job`; what does not is answered at once with an error
reply when there is somewhere to send it (an MQTT 5 Response Topic, or a session id from
the topic, the payload, or, for a payload too large or too broken to parse, a quick look
at its first and last bytes), and always leaves a log line. A template, clear or delete
message without a session id is refused outright: it must never reach other sessions.

Jobs of one sender and session share an ``ordering_key``, which the bridge runs in order;
the sender is told apart by a digest of the API key it carries, since the owner itself is
only known once the key is checked (asynchronously, in the handler).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection
from typing import Any

from pydantic import ValidationError

from app.mqtt import replies
from app.mqtt.contract import (
    TopicParts,
    check_reply_topic,
    check_response_topic,
    check_session_id,
    parse_request,
    sniff_session_id,
    split_topic,
)
from app.mqtt.messages import EventSink, GameEvent, Incoming, Job, Outgoing
from app.mqtt.owners import keyless_owner
from app.mqtt.replies import ReplyTarget, RequestIdValue
from app.mqtt.settings import MqttSettings

logger = logging.getLogger("app.mqtt.handler")

API_KEY_PROPERTY = "api-key"
UNVERIFIED_OWNER = "unverified"
"""Owner of events about a refused message that carried a key: only admins see them."""
_SESSION_KINDS = ("template", "clear_history", "delete_session")
_REPLY_TOPIC_FIELDS = ("replyTopic", "reply_topic")
_SESSION_FIELDS = ("sessionId", "session_id")


def api_key_of(message: Incoming, data: dict[str, Any] | None) -> str | None:
    """The API key a message carries: ``apiKey`` in the payload, else MQTT 5 ``api-key``."""
    if data:
        for name in ("apiKey", "api_key"):
            value = data.get(name)
            if isinstance(value, str) and value:
                return value
    for name, value in message.user_properties:
        if name == API_KEY_PROPERTY and value:
            return value
    return None


def sender_hint(api_key: str | None) -> str:
    """Tells senders apart in ordering keys without putting their key there."""
    if api_key is None:
        return "-"
    return hashlib.sha256(api_key.encode("utf-8", "replace")).hexdigest()[:16]


def _decode(payload: bytes, parts: TopicParts) -> Any:
    # Clients in use clear or delete a session named in the topic with an empty payload.
    if not payload.strip() and parts.session_id is not None:
        return {}
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _session_in(data: dict[str, Any] | None) -> str | None:
    for name in _SESSION_FIELDS:
        value = (data or {}).get(name)
        if isinstance(value, str):
            try:
                return check_session_id(value)
            except ValueError:
                return None
    return None


def _request_id(data: dict[str, Any] | None) -> RequestIdValue:
    for name in ("requestId", "request_id"):
        value = (data or {}).get(name)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return value
    return None


def _validation_refusal(kind: str, exc: ValidationError) -> tuple[str, str]:
    errors = exc.errors(include_url=False)
    fields = {str(error["loc"][0]) for error in errors if error["loc"]}
    if fields & set(_REPLY_TOPIC_FIELDS):
        return "invalid_reply_topic", next(
            f"replyTopic {e['msg'].removeprefix('Value error, ')}"
            for e in errors
            if e["loc"] and e["loc"][0] in _REPLY_TOPIC_FIELDS
        )
    if any(e["type"] == "missing" and e["loc"][0] in _SESSION_FIELDS for e in errors):
        if kind in _SESSION_KINDS:
            return "missing_session_id", (
                f"A {kind} message needs a session id (in the topic, {kind}/<sessionId>, or "
                "as sessionId): without one it would touch other players' sessions"
            )
        return "missing_session_id", "sessionId is required"
    details = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: "
        f"{e['msg'].removeprefix('Value error, ')}"
        for e in errors[:3]
    )
    return "invalid_request", f"The message was refused — {details}"


class Intake:
    """Turns incoming messages into jobs, or into an error reply and a log line."""

    def __init__(
        self, settings: MqttSettings, projects: Collection[str], events: EventSink | None
    ) -> None:
        self._settings = settings
        self._projects = frozenset(projects)
        self._events = events

    def accept(self, message: Incoming) -> Job | Outgoing | None:
        parts = split_topic(message.topic)
        if parts is None:
            logger.warning("ignored a message on %s: not a topic the bridge serves", message.topic)
            return None
        if parts.project not in self._projects:
            text = f"Project {parts.project!r} is not served here"
            return self._refuse(message, parts, None, "unknown_project", text)
        size, limit = len(message.payload), self._settings.max_payload_bytes
        if size > limit:
            text = f"The message is {size} bytes; the limit is {limit}"
            sniffed = sniff_session_id(message.payload)
            return self._refuse(message, parts, None, "payload_too_large", text, sniffed)
        data = _decode(message.payload, parts)
        if data is None:
            sniffed = sniff_session_id(message.payload)
            text = "The message is not valid JSON (UTF-8)"
            return self._refuse(message, parts, None, "malformed_json", text, sniffed)
        if not isinstance(data, dict):
            return self._refuse(message, parts, None, "invalid_request", "Send a JSON object")
        return self._parse(message, parts, data)

    def _parse(
        self, message: Incoming, parts: TopicParts, data: dict[str, Any]
    ) -> Job | Outgoing | None:
        if message.response_topic is not None:
            try:
                check_response_topic(message.response_topic, parts.project)
            except ValueError as exc:
                text = f"Response Topic {exc}"
                return self._refuse(message, parts, data, "invalid_reply_topic", text)
        try:
            request = parse_request(parts.kind, parts.project, data, parts.session_id)
        except ValidationError as exc:
            code, text = _validation_refusal(parts.kind, exc)
            return self._refuse(message, parts, data, code, text)
        return self._job(message, parts, request, data)

    def _job(self, message: Incoming, parts: TopicParts, request: Any, data: dict[str, Any]) -> Job:
        session_id: str = request.session_id
        hint = sender_hint(api_key_of(message, data))
        # A redelivery repeats sender, kind, session and requestId: a request from another
        # sender (or none) reusing the id must not silence the real one.
        dedup = None
        if request.request_id is not None:
            dedup = f"{parts.project}/{parts.kind}/{hint}/{session_id}/{request.request_id}"
        deadlines = [t for t in (message.expires_at, request.expires_at) if t is not None]
        return Job(
            project=parts.project,
            kind=parts.kind,
            session_id=session_id,
            ordering_key=f"{parts.project}/{hint}/{session_id}",
            dedup_key=dedup,
            expires_at=min(deadlines) if deadlines else None,
            message=message,
            request=request,
        )

    def _refuse(
        self,
        message: Incoming,
        parts: TopicParts,
        data: dict[str, Any] | None,
        code: str,
        text: str,
        sniffed: str | None = None,
    ) -> Outgoing | None:
        session_id = parts.session_id or _session_in(data) or sniffed
        target = self._error_target(message, parts, data, session_id, code)
        logger.warning(
            "refused a message on %s (session %s): %s — %s%s",
            message.topic,
            session_id or "unknown",
            code,
            text,
            "" if target else "; no reply topic known, nothing sent",
        )
        if parts.project in self._projects and self._events is not None:
            owner = UNVERIFIED_OWNER if api_key_of(message, data) else keyless_owner(parts.project)
            payload = {"code": code, "error": text, "topic": message.topic}
            self._events.emit(GameEvent("error", parts.project, session_id or "", owner, payload))
        return replies.error(target, code, text) if target else None

    def _error_target(
        self,
        message: Incoming,
        parts: TopicParts,
        data: dict[str, Any] | None,
        session_id: str | None,
        code: str,
    ) -> ReplyTarget | None:
        request_id = _request_id(data)
        topic = message.response_topic
        if topic is not None and code != "invalid_reply_topic":
            return ReplyTarget(topic, session_id, request_id, message.correlation_data, "json")
        if session_id is None or parts.project not in self._projects:
            return None
        if parts.kind == "state":
            topic = f"{parts.project}/hint/{session_id}"
        else:
            topic = self._reply_topic(parts, data) or default_reply_topic(parts, session_id)
        return ReplyTarget(topic, session_id, request_id, format="json")

    @staticmethod
    def _reply_topic(parts: TopicParts, data: dict[str, Any] | None) -> str | None:
        value = next((data[n] for n in _REPLY_TOPIC_FIELDS if data and n in data), None)
        if parts.kind != "user_input" or not isinstance(value, str):
            return None
        try:
            return check_reply_topic(value, parts.project)
        except ValueError:
            return None


def default_reply_topic(parts: TopicParts, session_id: str) -> str:
    return f"{parts.project}/assistant_response/{session_id}"
