"""Shapes of chat requests and answers (the documented `/api/llm/...` contract).

String caps are fixed here so the OpenAPI schema states them; the global body cap
(`MAX_BODY_BYTES`) bounds the whole request.
"""

from typing import Annotated, Any, Literal, Self

from fastapi import Path, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.schemas import UtcDatetime
from app.templates.schemas import TemplateRefIn, VariableValues
from app.text import require_storable

MAX_MESSAGE_CHARS = 32_000
MAX_SYSTEM_PROMPT_CHARS = 32_000
MAX_MESSAGES = 200
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,128}$"
SessionIdPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN)]
"""A session id in a URL: the same rule as in bodies, so odd bytes are a 400, not a lookup."""
MAX_TITLE_CHARS = 200
MAX_QUERY_CHARS = 200
MAX_MESSAGE_ID = 2**31 - 1  # PostgreSQL's int4, as `app.deps.MAX_ROW_ID`
SessionQuery = Annotated[
    str | None,
    Query(
        max_length=MAX_QUERY_CHARS,
        description="Only sessions whose title or any message contains this text, ignoring case",
    ),
    AfterValidator(require_storable),
]


class SamplingFields(BaseModel):
    """Optional overrides of the server-side defaults (`LLM_TEMPERATURE`, ...)."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)
    stream: bool = False


class ChatMessageIn(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=MAX_MESSAGE_CHARS)

    @field_validator("content")
    @classmethod
    def content_is_encodable(cls, content: str) -> str:
        """Text the database cannot keep is a 400 here, not a 500 later."""
        return require_storable(content)


class TemplateFields(BaseModel):
    """A prompt template (and its variables) in place of a system prompt."""

    template: TemplateRefIn | None = Field(
        default=None,
        description="A prompt template version (`id` with `version`, `label`, or neither for "
        "the latest) whose rendering is the system prompt; not together with a system prompt",
    )
    variables: VariableValues | None = Field(
        default=None, description="Values of the template's variables, by name"
    )

    def check_template(self, *, has_system_prompt: bool, what: str) -> None:
        """Refuse a template together with a system prompt, and variables without one."""
        if self.template is not None and has_system_prompt:
            raise ValueError(f"send either template or {what}, not both")
        if self.template is None and self.variables is not None:
            raise ValueError("variables need a template")


class ChatRequest(TemplateFields, SamplingFields):
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=MAX_MESSAGES)

    @model_validator(mode="after")
    def template_or_system_message(self) -> Self:
        has_system = any(message.role == "system" for message in self.messages)
        self.check_template(has_system_prompt=has_system, what="a system message")
        return self


class UsageRead(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatResponse(BaseModel):
    response: str
    model: str
    usage: UsageRead | None = None
    timings: dict[str, Any] | None = None
    finish_reason: str | None = None
    cache_n: int | None = Field(
        default=None,
        description="Prompt tokens the model server reused from its KV cache (llama.cpp's "
        "`timings.cache_n`); `null` when it does not say",
    )


class SessionChatRequest(TemplateFields, SamplingFields):
    session_id: str | None = Field(default=None, pattern=SESSION_ID_PATTERN)
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    system_prompt: str | None = Field(default=None, max_length=MAX_SYSTEM_PROMPT_CHARS)

    @field_validator("message", "system_prompt")
    @classmethod
    def text_is_encodable(cls, text: str | None) -> str | None:
        """Text the database cannot keep is a 400 here, not a 500 later."""
        return require_storable(text)

    @model_validator(mode="after")
    def template_or_system_prompt(self) -> Self:
        self.check_template(has_system_prompt=self.system_prompt is not None, what="system_prompt")
        return self


class SessionChatResponse(ChatResponse):
    session_id: str


class SessionRef(BaseModel):
    session_id: str = Field(pattern=SESSION_ID_PATTERN)


class HistoryMessageRead(BaseModel):
    id: int = Field(
        description="The message's id, stable for its life: what an edit names. A regenerate "
        "keeps its question's id; an edit's question is a new message with a new id."
    )
    role: str
    content: str
    created_at: UtcDatetime | None = None
    status: Literal["complete", "stopped", "failed"] = Field(
        default="complete",
        description="How an answer ended: `stopped` (the client went away) and `failed` (the "
        "model broke off) hold the text so far; questions are always `complete`",
    )


class SessionTemplateRead(BaseModel):
    """The prompt template version a session's system prompt was rendered from."""

    id: int
    version: int = Field(description="The version the session runs (a label is resolved once)")
    label: str | None = Field(description="The label the session named it by, if any")
    title: str | None = Field(default=None, description="The template's title")


class SessionHistoryRead(BaseModel):
    session_id: str
    system_prompt: str | None
    template: SessionTemplateRead | None = Field(
        default=None, description="The template the system prompt comes from, if any"
    )
    messages: list[HistoryMessageRead]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class SessionSummaryRead(BaseModel):
    session_id: str
    title: str = Field(
        description="The title its owner gave it, or else the start of its first question"
    )
    message_count: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    template: SessionTemplateRead | None = Field(
        default=None, description="The template the system prompt comes from, if any"
    )


class SessionTitleUpdate(BaseModel):
    title: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE_CHARS),
    ] = Field(description="The session's new title; spaces around it are removed")

    @field_validator("title")
    @classmethod
    def title_is_encodable(cls, title: str) -> str:
        """Text the database cannot keep is a 400 here, not a 500 later."""
        return require_storable(title)


class RegenerateRequest(SamplingFields):
    """Answer the session's last question again, replacing the answer it had."""


class EditRequest(SamplingFields):
    """Replace one of the session's questions, drop what followed it, and send it."""

    message_id: int = Field(ge=1, le=MAX_MESSAGE_ID, description="The question to replace")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)

    @field_validator("message")
    @classmethod
    def message_is_encodable(cls, text: str) -> str:
        """Text the database cannot keep is a 400 here, not a 500 later."""
        return require_storable(text)


class GateLaneRead(BaseModel):
    in_use: int
    waiting: int
    reserved: int = Field(description="Slots of the cap this lane is guaranteed.")


class GateRead(BaseModel):
    """The concurrency gate in front of the LLM server: its cap and each lane's use."""

    capacity: int
    lanes: dict[str, GateLaneRead]


class LLMHealthRead(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    server_url: str
    model: str | None
    latency_ms: float | None
    slot_context: int | None
    detail: str | None = None
    gate: GateRead
