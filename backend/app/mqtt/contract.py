"""What game clients may send, topic by topic (shared/spec/mqtt.md).

The clients in use were written against an earlier worker and are not going to change, so
every payload accepts camelCase and snake_case alike, unknown keys are ignored, and a
template arrives as plain text or as ``{content, title, version, user_id}``. What is
checked is what would otherwise fail later or reach the wrong place:

- a session id is 1-128 characters and never holds ``/``, ``+``, ``#`` or control
  characters, since it becomes a topic level of the reply;
- a ``replyTopic`` is used verbatim, so it must lie under ``P/assistant_response/`` of the
  request's own project, without wildcards: a client cannot make the bridge publish into
  another project or onto the bridge's own input topics;
- sampling overrides have the HTTP API's bounds, and an explicit ``0`` stays ``0``;
- text that no store could keep (NUL, lone UTF-16 surrogates) is refused here.

Parse with :func:`parse_request` and the project as validation context; topic names are
split by :func:`split_topic`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from app.llm.results import GenerationParams
from app.mqtt.messages import JobKind

MAX_SESSION_ID_CHARS = 128
MAX_MESSAGE_CHARS = 32_000
MAX_SYSTEM_PROMPT_CHARS = 32_000
MAX_REQUEST_ID_CHARS = 128
MAX_TOPIC_CHARS = 512
MAX_VARIABLES = 50
MAX_LABEL_CHARS = 40
_MS_THRESHOLD = 1e11  # epoch seconds pass 1e11 in the year 5138; above it, milliseconds

ReplyFormat = Literal["text", "json"]

_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
_BAD_ID = re.compile(r"[/+#\x00-\x1f\x7f\ud800-\udfff]")


def _storable(text: str | None) -> str | None:
    if text is not None and _BAD_TEXT.search(text):
        raise ValueError("must be valid text without NUL characters or lone surrogates")
    return text


def check_session_id(value: str) -> str:
    """``value`` if it can be a session id and a topic level, else ``ValueError``."""
    if not 1 <= len(value) <= MAX_SESSION_ID_CHARS:
        raise ValueError(f"must be 1 to {MAX_SESSION_ID_CHARS} characters")
    if _BAD_ID.search(value):
        raise ValueError("must not contain '/', '+', '#' or control characters")
    return value


SessionId = Annotated[str, AfterValidator(check_session_id)]
PromptText = Annotated[str, Field(max_length=MAX_SYSTEM_PROMPT_CHARS), AfterValidator(_storable)]
ShortText = Annotated[str, Field(min_length=1, max_length=MAX_REQUEST_ID_CHARS)]
RequestId = int | float | ShortText  # echoed as sent: clients use counters, clocks or UUIDs
VariableValue = bool | int | float | PromptText
Variables = Annotated[
    dict[Annotated[str, Field(max_length=64)], VariableValue], Field(max_length=MAX_VARIABLES)
]
"""Values of a portal template's variables, by name (checked when the template is rendered)."""


class _Payload(BaseModel):
    """camelCase or snake_case keys, unknown keys ignored (clients send extra fields)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class TemplateText(_Payload):
    """A template as the browser game sends it; ``content`` is the prompt text.

    Without ``content`` it is a reference to a portal template: ``id`` with ``version``, a
    ``label``, or neither (the latest), filled with ``variables`` (here or beside it).
    """

    content: PromptText | None = None
    title: Annotated[str, Field(max_length=500)] | int | None = None
    version: int | float | ShortText | None = None
    user_id: int | ShortText | None = None
    id: int | ShortText | None = None
    label: Annotated[str, Field(max_length=MAX_LABEL_CHARS)] | None = None
    variables: Variables | None = None


TemplateField = PromptText | TemplateText | None


def template_content(value: TemplateField) -> str | None:
    """The prompt text of a template field, or ``None`` when it carries none."""
    if isinstance(value, TemplateText):
        return value.content
    return value


class _Common(_Payload):
    request_id: RequestId | None = None
    client_id: RequestId | None = None
    api_key: str | None = Field(default=None, max_length=512, repr=False)
    expires_at: float | None = None

    @field_validator("expires_at", mode="before")
    @classmethod
    def _epoch(cls, value: Any) -> float | None:
        return parse_expiry(value)


class _Sampling(_Payload):
    """Overrides of the server's defaults, with the HTTP API's bounds."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)

    def params(self) -> GenerationParams | None:
        """The overrides as generation parameters; ``None`` when there are none."""
        if self.temperature is None and self.top_p is None and self.max_tokens is None:
            return None
        return GenerationParams(
            temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens
        )


class UserInputRequest(_Common, _Sampling):
    """``P/user_input``: a player's message to the model."""

    session_id: SessionId
    message: Annotated[
        str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS), AfterValidator(_storable)
    ]
    reply_topic: str | None = None
    template: TemplateField = None
    variables: Variables | None = None
    system_prompt: PromptText | None = None
    stream: bool = False
    format: ReplyFormat | None = None

    @field_validator("reply_topic")
    @classmethod
    def _reply_topic(cls, topic: str | None, info: ValidationInfo) -> str | None:
        if topic is None:
            return None
        project = (info.context or {}).get("project", "")
        return check_reply_topic(topic, project)

    def explicit_prompt(self) -> str | None:
        """The system prompt this request sets for its session, if any."""
        return self.system_prompt or template_content(self.template)


class StateRequest(_Common, _Sampling):
    """``P/state``: a game state; ``state`` is the payload without the control keys."""

    session_id: SessionId
    system_prompt: PromptText | None = None
    prompt_template: TemplateField = None
    variables: Variables | None = None
    state: dict[str, Any] = Field(default_factory=dict)

    def explicit_prompt(self) -> str | None:
        return self.system_prompt or template_content(self.prompt_template)


class TemplateRequest(_Common):
    """``P/template/{sid}``: set the session's template; ``reset`` clears its history."""

    session_id: SessionId
    template: TemplateField = None
    system_prompt: TemplateField = None
    prompt_template: TemplateField = None
    variables: Variables | None = None
    reset: bool = True

    def chosen(self) -> TemplateText | str | None:
        """The first of ``template``, ``system_prompt``, ``prompt_template`` that is given."""
        return self.template or self.system_prompt or self.prompt_template


class SessionCommand(_Common):
    """``P/clear_history/{sid}`` and ``P/delete_session/{sid}``."""

    session_id: SessionId


class ResultReport(_Common):
    """``P/result/{sid}``: a game outcome, kept as received (less the API key)."""

    session_id: SessionId
    payload: dict[str, Any] = Field(default_factory=dict)


Request = UserInputRequest | StateRequest | TemplateRequest | SessionCommand | ResultReport

_MODELS: dict[JobKind, type[BaseModel]] = {
    "user_input": UserInputRequest,
    "state": StateRequest,
    "template": TemplateRequest,
    "clear_history": SessionCommand,
    "delete_session": SessionCommand,
    "result": ResultReport,
}

CONTROL_KEYS = frozenset(
    {
        "sessionId", "session_id", "apiKey", "api_key", "requestId", "request_id",
        "clientId", "client_id", "expiresAt", "expires_at", "replyTopic", "reply_topic",
        "systemPrompt", "system_prompt", "temperature", "topP", "top_p", "maxTokens",
        "max_tokens", "stream", "format", "variables",
    }
)  # fmt: skip
"""Keys of a state payload that steer the bridge; the rest is the game state itself.

``prompt_template`` stays in the state: it marks the browser client's dialect (map legend)."""

_SECRET_KEYS = ("apiKey", "api_key")


def parse_request(kind: JobKind, project: str, data: dict[str, Any], suffix: str | None) -> Any:
    """The payload of a ``kind`` message as its model; raises ``pydantic.ValidationError``.

    A session id in the topic (``P/template/{sid}``...) wins over one in the payload.
    """
    fields = dict(data)
    if suffix is not None:
        fields["session_id"] = suffix
        fields.pop("sessionId", None)
    if kind == "state":
        fields["state"] = {k: v for k, v in data.items() if k not in CONTROL_KEYS}
    elif kind == "result":
        fields["payload"] = {k: v for k, v in data.items() if k not in _SECRET_KEYS}
    return _MODELS[kind].model_validate(fields, context={"project": project})


def check_reply_topic(topic: str, project: str) -> str:
    """``topic`` if a request of ``project`` may name it as its reply topic."""
    prefix = f"{project}/assistant_response/"
    if not project or not topic.startswith(prefix) or len(topic) == len(prefix):
        raise ValueError(f"must be a topic under {prefix}")
    if "+" in topic or "#" in topic or len(topic) > MAX_TOPIC_CHARS or _BAD_TEXT.search(topic):
        raise ValueError("must be a plain topic name without wildcards")
    return topic


def parse_expiry(value: Any) -> float | None:
    """An expiry as epoch seconds, from epoch seconds, epoch milliseconds or ISO 8601."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("must be epoch seconds, milliseconds or an ISO 8601 time")
    if isinstance(value, int | float):
        return float(value) / 1000 if value > _MS_THRESHOLD else float(value)
    if isinstance(value, str):
        try:
            return parse_expiry(float(value))
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be epoch seconds, milliseconds or an ISO 8601 time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise ValueError("must be epoch seconds, milliseconds or an ISO 8601 time")


@dataclass(frozen=True)
class TopicParts:
    """An inbound topic: ``project/kind`` or ``project/kind/{session id}``."""

    project: str
    kind: JobKind
    session_id: str | None


_SUFFIXED: frozenset[str] = frozenset({"template", "clear_history", "delete_session", "result"})
_BARE: frozenset[str] = frozenset({"user_input", "state", "template", "clear_history",
                                   "delete_session"})  # fmt: skip


def split_topic(topic: str) -> TopicParts | None:
    """The parts of an inbound topic, or ``None`` when it is not one."""
    levels = topic.split("/")
    if len(levels) == 2 and levels[1] in _BARE:
        return TopicParts(levels[0], levels[1], None)  # type: ignore[arg-type]
    if len(levels) == 3 and levels[1] in _SUFFIXED and levels[2]:
        return TopicParts(levels[0], levels[1], levels[2])  # type: ignore[arg-type]
    return None


_SNIFF_BYTES = 8192
_SNIFF_ID = re.compile(rb'"session_?[iI]d"\s*:\s*"([^"\\/+#\x00-\x1f]{1,128})"')


def sniff_session_id(payload: bytes) -> str | None:
    """The session id of a payload too large or too broken to parse, to address the error.

    Only the first and last few KiB are searched, so a huge payload costs little.
    """
    head, tail = payload[:_SNIFF_BYTES], payload[-_SNIFF_BYTES:]
    for part in (head, tail):
        match = _SNIFF_ID.search(part)
        if match:
            try:
                return check_session_id(match.group(1).decode("utf-8"))
            except ValueError:
                return None
    return None


def check_response_topic(topic: str, project: str) -> str:
    """An MQTT 5 Response Topic the bridge may publish to for ``project``, else ``ValueError``.

    It must stay under ``P/`` (the bridge publishes with its own broker login, which may reach
    more than the client's), and must be neither ``P/status`` nor one of the bridge's own
    inbound topics (an answer would come back in as a request).
    """
    if not topic or "+" in topic or "#" in topic:
        raise ValueError("must be a plain topic name without wildcards")
    prefix = f"{project}/"
    if not topic.startswith(prefix) or len(topic) == len(prefix):
        raise ValueError(f"must be a topic under {prefix}")
    if len(topic) > MAX_TOPIC_CHARS or _BAD_TEXT.search(topic):
        raise ValueError("must be a plain topic name without wildcards")
    if split_topic(topic) or topic == f"{project}/status":
        raise ValueError("must not be one of the topics the bridge listens or announces on")
    return topic
