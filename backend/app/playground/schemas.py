"""Shapes of playground runs: the request, the stored run, and the events of its stream.

Limits are stated here so the OpenAPI schema says them: at most 6 versions, 10 inputs and
24 cells (versions x inputs) a run.
"""

from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from app.deps import MAX_ROW_ID
from app.schemas import UtcDatetime
from app.templates.schemas import LABEL_PATTERN, VariableValues
from app.text import require_storable

MAX_VERSIONS = 6
MAX_INPUTS = 10
MAX_CELLS = 24
MAX_MESSAGE_CHARS = 32_000

RunStatus = Literal["running", "complete", "cancelled"]
CellStatus = Literal["complete", "stopped", "failed"]


class VersionRef(BaseModel):
    """One template version of the run: by number, by label, or (neither) the latest."""

    template_id: int = Field(ge=1, le=MAX_ROW_ID)
    version: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    label: str | None = Field(default=None, pattern=LABEL_PATTERN)

    @model_validator(mode="after")
    def version_or_label(self) -> "VersionRef":
        if self.version is not None and self.label is not None:
            raise ValueError("name a version or a label, not both")
        return self


class PlaygroundInput(BaseModel):
    """One row: the template's variable values, and the user's message (if any).

    Without `message` the rendered template is sent as the user's turn; with it, the
    rendered template is the system prompt and `message` the user's turn.
    """

    variables: VariableValues = Field(default_factory=dict)
    message: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS)

    @field_validator("message")
    @classmethod
    def message_is_storable(cls, text: str | None) -> str | None:
        """Text the database cannot keep is a 400 here, not a 500 later."""
        return require_storable(text)


class PlaygroundRunRequest(BaseModel):
    """Versions x inputs, each cell one answer; sampling as for chat (server defaults)."""

    versions: list[VersionRef] = Field(min_length=1, max_length=MAX_VERSIONS)
    inputs: list[PlaygroundInput] = Field(min_length=1, max_length=MAX_INPUTS)
    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1, le=8192)

    @model_validator(mode="after")
    def cells_within_limit(self) -> "PlaygroundRunRequest":
        cells = len(self.versions) * len(self.inputs)
        if cells > MAX_CELLS:
            raise ValueError(f"{cells} cells (versions x inputs) is over the limit of {MAX_CELLS}")
        return self


class UsageRead(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class RunVersionRead(BaseModel):
    """A version of the run as it was resolved when the run started."""

    template_id: int
    version: int
    title: str


class CellRead(BaseModel):
    """One stored cell: version `v` of the run answering input `i`."""

    v: int
    i: int
    template_id: int
    version: int
    text: str
    status: CellStatus = Field(
        description="`complete`; `stopped` (the run was cancelled: `text` so far); "
        "`failed` (see `error` and `code`, e.g. `invalid_variables`, `llm_busy`)"
    )
    error: str | None = None
    code: str | None = None
    usage: UsageRead | None = None
    ttft_ms: float | None = Field(
        default=None, description="From sending the cell to the model to its first text"
    )
    total_ms: float | None = Field(
        default=None, description="From sending the cell to the model to its last text"
    )
    cache_n: int | None = Field(
        default=None, description="Prompt tokens llama.cpp reused from its KV cache"
    )


class RunSummaryRead(BaseModel):
    run_id: int
    status: RunStatus
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    versions: list[RunVersionRead]
    input_count: int


class RunPage(BaseModel):
    items: list[RunSummaryRead]
    total: int
    page: int
    page_size: int


class PlaygroundRunRead(BaseModel):
    """A stored run as it was: the request as accepted, its versions and its cells."""

    run_id: int
    status: RunStatus
    created_at: UtcDatetime
    finished_at: UtcDatetime | None
    request: PlaygroundRunRequest
    versions: list[RunVersionRead]
    cells: list[CellRead] = Field(description="Ordered by `v`, then `i`")
