"""The seed's TAB-completion request and response."""

from pydantic import BaseModel, Field


class CompletionRequest(BaseModel):
    """`text` and `completion_type` are checked by the service so their errors carry the
    seed's exact messages ("Empty input text", "Input text too long", "Invalid completion_type").
    """

    text: str | None = None
    completion_type: str | None = "general"
    temperature: float | None = Field(default=0.7, ge=0, le=2)
    top_p: float | None = Field(default=0.9, ge=0, le=1)
    max_tokens: int | None = Field(default=100, ge=1, le=4096)
    stream: bool = False


class CompletionResponse(BaseModel):
    completion: str
    timestamp: int


class CompletionTypeRead(BaseModel):
    name: str
    description: str
