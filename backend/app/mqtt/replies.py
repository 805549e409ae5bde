"""The bytes the bridge publishes back to a game, in the shapes of shared/spec/mqtt.md.

- ``text`` replies are the answer alone, because the game clients in use print the payload
  as it comes;
- ``json`` replies are ``{sessionId, requestId, response, done, usage, timestamp}``, and a
  streamed answer is a series of ``{"delta", "seq"}`` objects (``seq`` from 0) before it;
- hints carry the action object at the top level, with ``sessionId``, ``requestId`` and
  ``timestamp`` added;
- errors are ``{"error", "code", "requestId", "timestamp"}`` (plus ``sessionId`` and, for a
  hint that could not be read, ``raw``) in either format: a game must never wait for an
  answer that is not coming.

Timestamps are Unix seconds with milliseconds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from app.llm.errors import LLMBadResponse, LLMBusy, LLMError, LLMTimeout, LLMUserLimit
from app.llm.results import Usage
from app.mqtt.messages import Outgoing

ReplyFormat = Literal["text", "json"]
RequestIdValue = str | int | float | None


@dataclass(frozen=True)
class ReplyTarget:
    """Where and how one request is answered."""

    topic: str
    session_id: str | None
    request_id: RequestIdValue = None
    correlation_data: bytes | None = None
    format: ReplyFormat = "text"
    stream: bool = False


def now() -> float:
    return round(time.time(), 3)


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _out(target: ReplyTarget, payload: bytes) -> Outgoing:
    return Outgoing(target.topic, payload, correlation_data=target.correlation_data)


def usage_body(usage: Usage | None) -> dict[str, int] | None:
    if usage is None:
        return None
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }


def answer_body(target: ReplyTarget, response: str, usage: Usage | None) -> dict[str, Any]:
    """The final JSON reply."""
    return {
        "sessionId": target.session_id,
        "requestId": target.request_id,
        "response": response,
        "done": True,
        "usage": usage_body(usage),
        "timestamp": now(),
    }


def answer(target: ReplyTarget, response: str, usage: Usage | None) -> Outgoing:
    """The reply carrying the whole answer, as text or JSON per ``target.format``."""
    if target.format == "text":
        return _out(target, response.encode("utf-8"))
    return _out(target, _encode(answer_body(target, response, usage)))


def delta(target: ReplyTarget, text: str, seq: int) -> Outgoing:
    """One streamed piece of the answer."""
    return _out(target, _encode({"delta": text, "seq": seq}))


def error_body(
    code: str,
    message: str,
    *,
    session_id: str | None = None,
    request_id: RequestIdValue = None,
    raw: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message, "code": code, "requestId": request_id}
    if session_id is not None:
        body["sessionId"] = session_id
    if raw is not None:
        body["raw"] = raw
    body["timestamp"] = now()
    return body


def error(target: ReplyTarget, code: str, message: str, *, raw: str | None = None) -> Outgoing:
    """An error reply on the request's reply topic, in JSON whatever the format."""
    body = error_body(
        code, message, session_id=target.session_id, request_id=target.request_id, raw=raw
    )
    return _out(target, _encode(body))


def hint(target: ReplyTarget, action: dict[str, Any]) -> Outgoing:
    """A hint: the action object at the top level, with the request's ids."""
    body = {
        **action,
        "sessionId": target.session_id,
        "requestId": target.request_id,
        "timestamp": now(),
    }
    return _out(target, _encode(body))


def llm_error_code(exc: LLMError) -> str:
    """The reply's ``code`` for an LLM failure (the same codes as the HTTP API)."""
    if isinstance(exc, LLMUserLimit):
        return "llm_user_limit"
    if isinstance(exc, LLMBusy):
        return "llm_busy"
    if isinstance(exc, LLMTimeout):
        return "llm_timeout"
    if isinstance(exc, LLMBadResponse):
        return "llm_bad_response"
    return "llm_unavailable"
