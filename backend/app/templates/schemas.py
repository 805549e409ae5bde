"""Shapes of prompt templates on the wire (`/api/templates/*`) and the reference other
domains (chat, playground, game sessions) use to name a template version.

Every string has a maximum length and every list a maximum size, so the OpenAPI schema states
them; text the database cannot keep (NUL, lone surrogates) is a 400 naming the field.
"""

from datetime import datetime
from typing import Annotated, Final, Literal, Self

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.deps import MAX_ROW_ID
from app.schemas import UtcDatetime, as_utc
from app.templates.render import MAX_TEXT_VALUE_CHARS, VARIABLE_NAME_PATTERN, value_problem
from app.text import require_storable

MAX_CONTENT_CHARS = 32_000
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 2_000
MAX_NOTE_CHARS = 500
MAX_TAGS = 20
MAX_VARIABLES = 50
MAX_CHOICES = 50
MAX_CHOICE_CHARS = 200
MAX_QUERY_CHARS = 200
MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100
LABEL_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,39}$"
PROJECT_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TAG_PATTERN = r"^[\w .:-]+$"

Text = Annotated[str, AfterValidator(require_storable)]
Title = Annotated[Text, Field(min_length=1, max_length=MAX_TITLE_CHARS)]
Description = Annotated[Text, Field(max_length=MAX_DESCRIPTION_CHARS)]
Content = Annotated[Text, Field(min_length=1, max_length=MAX_CONTENT_CHARS)]
Note = Annotated[Text, Field(max_length=MAX_NOTE_CHARS)]
Project = Annotated[str, Field(pattern=PROJECT_PATTERN, description="The game it targets")]
Label = Annotated[str, Field(pattern=LABEL_PATTERN, description="e.g. `production`")]
Visibility = Literal["private", "shared"]
VersionNumber = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
TextValue = Annotated[str, Field(max_length=MAX_TEXT_VALUE_CHARS), AfterValidator(require_storable)]
VariableValue = bool | int | float | TextValue
VariableValues = Annotated[
    dict[Annotated[str, Field(max_length=64)], VariableValue],
    Field(max_length=MAX_VARIABLES, description="Values by variable name"),
]


MAX_TAG_CHARS = 40


def normalise_tags(tags: list[str]) -> list[str]:
    """Tags compare without case or surrounding spaces; each is kept once, sorted (as stored).

    Lower-casing can lengthen a tag ("İ" becomes two code points), so the stored form is
    measured again: the column holds `MAX_TAG_CHARS`.
    """
    normal = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    too_long = [tag for tag in normal if len(tag) > MAX_TAG_CHARS]
    if too_long:
        raise ValueError(
            f"a tag must be at most {MAX_TAG_CHARS} characters once lower-cased: {too_long[0]!r}"
        )
    return normal


Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=MAX_TAG_CHARS, pattern=TAG_PATTERN)]],
    Field(max_length=MAX_TAGS),
    AfterValidator(normalise_tags),
]


class TemplateVariable(BaseModel):
    """One typed variable a template's `{{ name }}` placeholders are filled with."""

    name: str = Field(pattern=f"^{VARIABLE_NAME_PATTERN}$")
    type: Literal["text", "number", "choice", "boolean"] = "text"
    required: bool = True
    default: VariableValue | None = Field(
        default=None, description="Used when no value is given; must fit the type"
    )
    choices: list[Annotated[Text, Field(min_length=1, max_length=MAX_CHOICE_CHARS)]] | None = Field(
        default=None, max_length=MAX_CHOICES, description="The allowed values of a choice"
    )
    description: Annotated[Text, Field(max_length=500)] = ""

    @model_validator(mode="after")
    def choices_and_default_fit_the_type(self) -> Self:
        if self.type == "choice" and not self.choices:
            raise ValueError(f"variable {self.name}: a choice needs 1 to {MAX_CHOICES} choices")
        if self.type != "choice" and self.choices is not None:
            raise ValueError(f"variable {self.name}: only a choice has choices")
        if self.choices is not None and len(set(self.choices)) != len(self.choices):
            raise ValueError(f"variable {self.name}: choices must be distinct")
        if self.default is not None and (problem := value_problem(self, self.default)):
            raise ValueError(f"variable {self.name}: the default {problem}")
        return self


def distinct_names(variables: list[TemplateVariable]) -> list[TemplateVariable]:
    names = [variable.name for variable in variables]
    if len(set(names)) != len(names):
        raise ValueError("variable names must be distinct")
    return variables


Variables = Annotated[
    list[TemplateVariable], Field(max_length=MAX_VARIABLES), AfterValidator(distinct_names)
]


class TemplateRefIn(BaseModel):
    """A template version as another request names it: by number, by label, or the latest."""

    id: int = Field(ge=1, le=MAX_ROW_ID, description="The template's id")
    version: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)
    label: str | None = Field(default=None, pattern=LABEL_PATTERN)

    @model_validator(mode="after")
    def version_or_label(self) -> Self:
        if self.version is not None and self.label is not None:
            raise ValueError("name a version or a label, not both")
        return self


class TemplateCreate(BaseModel):
    title: Title
    content: Content
    description: Description = ""
    project: Project | None = None
    tags: Tags = Field(default_factory=list)
    visibility: Visibility = "private"
    variables: Variables = Field(default_factory=list)
    note: Note = ""


class TemplateUpdate(BaseModel):
    """Absent fields stay as they are; `project: null` clears the project.

    `content` or `variables` that differ from the latest version make a new version (with
    `note`); anything else changes the template without a version.
    """

    title: Title | None = None
    description: Description | None = None
    project: Project | None = None
    tags: Tags | None = None
    visibility: Visibility | None = None
    content: Content | None = None
    variables: Variables | None = None
    note: Note = ""


class TemplateSummary(BaseModel):
    id: int
    title: str
    description: str
    project: str | None
    tags: list[str]
    visibility: Visibility
    owner_id: int
    owner_name: str
    version: int = Field(description="The latest version")
    labels: dict[str, int] = Field(description="Label → the version it points at")
    archived: bool
    created_at: UtcDatetime
    updated_at: UtcDatetime
    can_edit: bool = Field(description="The caller may change it (its owner or an admin)")


class TemplateRead(TemplateSummary):
    content: str = Field(description="The latest version's content")
    variables: list[TemplateVariable]
    note: str = Field(description="The latest version's note")


class TemplatePage(BaseModel):
    items: list[TemplateSummary]
    total: int
    page: int
    page_size: int


class VersionSummary(BaseModel):
    version: int
    note: str
    created_at: UtcDatetime
    created_by: int | None


class VersionPage(BaseModel):
    items: list[VersionSummary] = Field(description="Newest first")
    total: int
    page: int
    page_size: int


class VersionRead(BaseModel):
    template_id: int
    version: int
    content: str
    variables: list[TemplateVariable]
    note: str
    created_at: UtcDatetime


class RestoreRequest(BaseModel):
    note: Note | None = Field(default=None, description="Default: `Restored from version N`")


class DiffLine(BaseModel):
    op: Literal["equal", "add", "remove"]
    text: str
    old: int | None = Field(default=None, description="1-based line number in `from`")
    new: int | None = Field(default=None, description="1-based line number in `to`")


class TemplateDiff(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: int = Field(alias="from")
    to: int
    unified: str = Field(description="Unified diff of the two contents")
    lines: list[DiffLine]


class LabelUpdate(BaseModel):
    version: VersionNumber


class LabelsRead(BaseModel):
    labels: dict[str, int]


class RenderRequest(BaseModel):
    version: VersionNumber | None = None
    label: Label | None = None
    variables: VariableValues = Field(default_factory=dict)

    @model_validator(mode="after")
    def version_or_label(self) -> Self:
        if self.version is not None and self.label is not None:
            raise ValueError("name a version or a label, not both")
        return self


class RenderResponse(BaseModel):
    prompt: str
    version: int
    template_id: int
    label: str | None = None


TemplateIdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A template id")]
VersionPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A version number")]
LabelPath = Annotated[str, Path(pattern=LABEL_PATTERN, description="e.g. `production`")]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSizeQuery = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
DiffFrom = Annotated[int, Query(alias="from", ge=1, le=MAX_ROW_ID, description="Old version")]
DiffTo = Annotated[int, Query(ge=1, le=MAX_ROW_ID, description="New version")]


BundleFormat = Literal["prompt-portal.templates/1"]
BUNDLE_FORMAT: Final = "prompt-portal.templates/1"
MAX_IMPORT_TEMPLATES = 200
MAX_IMPORT_VERSIONS = 1_000


def utc_on_the_calendar(moment: datetime) -> datetime:
    """`moment` in UTC; a time whose UTC form falls outside years 1-9999 is a 400, not a 500."""
    try:
        return as_utc(moment)
    except OverflowError:
        raise ValueError("must be a time between the years 1 and 9999 in UTC") from None


class VersionExport(BaseModel):
    version: VersionNumber
    content: Content
    variables: Variables = Field(default_factory=list)
    note: Note = ""
    created_at: Annotated[datetime, AfterValidator(utc_on_the_calendar)] | None = None


class TemplateExport(BaseModel):
    """One template with every version and label, as export writes it and import reads it."""

    format: BundleFormat = BUNDLE_FORMAT
    title: Title
    description: Description = ""
    project: Project | None = None
    tags: Tags = Field(default_factory=list)
    visibility: Visibility = "private"
    versions: list[VersionExport] = Field(min_length=1, max_length=MAX_IMPORT_VERSIONS)
    labels: dict[Label, VersionNumber] = Field(default_factory=dict, max_length=MAX_TAGS)

    @model_validator(mode="after")
    def versions_and_labels_agree(self) -> Self:
        numbers = [version.version for version in self.versions]
        if len(set(numbers)) != len(numbers):
            raise ValueError("version numbers must be distinct")
        dangling = sorted(label for label, number in self.labels.items() if number not in numbers)
        if dangling:
            raise ValueError("labels point at versions the template lacks: " + ", ".join(dangling))
        return self


class TemplateBundle(BaseModel):
    """Several templates (all of the caller's, from `GET /api/templates/export`)."""

    format: BundleFormat = BUNDLE_FORMAT
    templates: list[TemplateExport] = Field(max_length=MAX_IMPORT_TEMPLATES)


class TemplateImportResult(BaseModel):
    items: list[TemplateRead] = Field(description="The new templates, in the order given")
