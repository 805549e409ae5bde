"""The documented TAB-completion request and response."""

from typing import Any

from pydantic import BaseModel, Field, field_validator

from app.text import require_encodable


class CompletionRequest(BaseModel):
    """`text` and `completion_type` are checked by the service so their errors carry the
    the documented messages ("Empty input text", "Input text too long", "Invalid completion_type").
    """

    text: str | None = None
    completion_type: str | None = "general"
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    top_p: float | None = Field(default=0.9, ge=0, le=1)
    max_tokens: int | None = Field(default=100, ge=1, le=4096)
    stream: bool = False

    @field_validator("text")
    @classmethod
    def text_is_encodable(cls, text: str | None) -> str | None:
        """A lone surrogate can neither be cached nor sent to the model: a 400 here."""
        return require_encodable(text)


class CompletionResponse(BaseModel):
    completion: str
    timestamp: int


class CompletionDone(CompletionResponse):
    """The stream's last event: the ghost text, and what the model used when it ran (not on a
    cache hit)."""

    usage: dict[str, int] | None = None
    timings: dict[str, Any] | None = None


class CompletionTypeRead(BaseModel):
    name: str
    description: str
