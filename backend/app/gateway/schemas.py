"""The `/v1` request and answer shapes, OpenAI's as its SDK sends and reads them.

Requests are checked once, on the way in: the known OpenAI parameters by type and range
(strictly: `"0.5"` is not a number here either), the extensions (`session_id`, `template`,
`variables`) by the portal's own rules. Every other field is allowed and goes to the model
server as the caller wrote it: the body as sent is what the server gets, not a re-dump of
these models. The answer models only document what the upstream sends back unchanged.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.chat.schemas import SESSION_ID_PATTERN
from app.templates.schemas import TemplateRefIn, VariableValues

EXTENSIONS = frozenset({"session_id", "template", "variables"})
"""Fields of the portal's own: read here, never sent to the model server."""

Penalty = Annotated[float, Field(ge=-2, le=2)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Stop = str | Annotated[list[str], Field(max_length=4)]
Open = ConfigDict(extra="allow", strict=True)


class StreamOptions(BaseModel):
    model_config = Open

    include_usage: bool | None = Field(
        default=None, description="End the stream with a chunk holding `usage` (no choices)"
    )


class OpenAIContentPart(BaseModel):
    """One part of a message's content: `{"type": "text", "text": ...}`, an image, …"""

    model_config = Open

    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    model_config = Open

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[OpenAIContentPart] | None = None
    name: str | None = None

    @model_validator(mode="after")
    def content_unless_answer(self) -> Self:
        """Only an assistant turn (calling tools) or a tool's answer may come without text."""
        if self.content is None and self.role not in ("assistant", "tool", "function"):
            raise ValueError(f"a {self.role} message needs content")
        return self


class SamplingIn(BaseModel):
    """The OpenAI parameters chat and text completions share."""

    model_config = Open

    model: str = Field(min_length=1, description="One of the ids `GET /v1/models` lists")
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    n: int | None = Field(default=None, ge=1, le=128)
    max_tokens: int | None = Field(default=None, ge=1)
    stop: Stop | None = None
    seed: Int64 | None = None
    presence_penalty: Penalty | None = None
    frequency_penalty: Penalty | None = None
    logit_bias: dict[str, Annotated[float, Field(ge=-100, le=100)]] | None = None
    stream: bool | None = None
    stream_options: StreamOptions | None = None
    user: str | None = None

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class ChatCompletionRequest(SamplingIn):
    """`POST /v1/chat/completions`; unknown fields go to the model server unchanged."""

    messages: list[OpenAIMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    session_id: str | None = Field(
        default=None,
        pattern=SESSION_ID_PATTERN,
        description="Portal extension: a turn of this stored session. The last user message "
        "is the question, a system message the session's system prompt; the history comes "
        "from the session. An unknown id starts a session with that id, `null` one with a "
        "new id. The answer names the session in `session_id`.",
    )
    template: TemplateRefIn | None = Field(
        default=None,
        description="Portal extension: a prompt template version (`id` with `version`, "
        "`label`, or neither for the latest) rendered as the system prompt; not together "
        "with a system message",
    )
    variables: VariableValues | None = Field(
        default=None, description="Portal extension: values of the template's variables"
    )

    @model_validator(mode="after")
    def template_or_system_message(self) -> Self:
        if self.template is not None and any(m.role == "system" for m in self.messages):
            raise ValueError("send either template or a system message, not both")
        if self.template is None and self.variables is not None:
            raise ValueError("variables need a template")
        return self

    @property
    def in_session(self) -> bool:
        """A session turn: `session_id` was sent, as an id or as `null` (start one)."""
        return "session_id" in self.model_fields_set


class TextCompletionRequest(SamplingIn):
    """`POST /v1/completions`; unknown fields go to the model server unchanged."""

    prompt: str | list[str] | list[int] | list[list[int]]
    max_tokens: int | None = Field(default=None, ge=1)
    logprobs: int | None = Field(default=None, ge=0, le=5)
    echo: bool | None = None
    best_of: int | None = Field(default=None, ge=1, le=20)
    suffix: str | None = None


# --- answers (documentation only: the upstream's JSON is relayed as it came) --------------


class OpenAIUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AssistantMessage(BaseModel):
    role: str
    content: str | None = None


class ChatCompletionChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: str | None = None


class ChatCompletion(BaseModel):
    """A chat answer (`session_id` on a session turn)."""

    id: str
    object: str = "chat.completion"
    created: int
    model: str
    choices: list[ChatCompletionChoice]
    usage: OpenAIUsage | None = None
    session_id: str | None = Field(default=None, description="The session of a session turn")


class TextCompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None = None


class TextCompletion(BaseModel):
    id: str
    object: str = "text_completion"
    created: int
    model: str
    choices: list[TextCompletionChoice]
    usage: OpenAIUsage | None = None


class OpenAIModel(BaseModel):
    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = "portal"


class OpenAIModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[OpenAIModel]


class OpenAIError(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None
    session_id: str | None = Field(
        default=None,
        description="A session turn that failed after its question was stored: the session",
    )


class OpenAIErrorResponse(BaseModel):
    """OpenAI's error JSON, the one error shape under `/v1`."""

    error: OpenAIError
