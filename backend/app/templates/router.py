"""`/api/templates/*`: prompt templates, their versions, labels, rendering and JSON files."""

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response, status

from app.auth.deps import CurrentUser
from app.deps import DbSession
from app.errors import error_responses
from app.templates import exchange, search, service
from app.templates.deps import EditableTemplate, VisibleTemplate
from app.templates.schemas import (
    MAX_QUERY_CHARS,
    DiffFrom,
    DiffTo,
    LabelPath,
    LabelsRead,
    LabelUpdate,
    PageQuery,
    PageSizeQuery,
    Project,
    RenderRequest,
    RenderResponse,
    RestoreRequest,
    TemplateBundle,
    TemplateCreate,
    TemplateDiff,
    TemplateExport,
    TemplateImportResult,
    TemplatePage,
    TemplateRead,
    TemplateUpdate,
    Text,
    VersionPage,
    VersionPath,
    VersionRead,
)

router = APIRouter(prefix="/api/templates", tags=["templates"])

NOT_FOUND = {404: "No such template (or version, or label), or it is another user's private one"}
READ_ONLY = {
    403: "A shared template is read-only to all but its owner and admins (code `read_only`; "
    "`label_forbidden` for `production`), or the account must replace its temporary password "
    "first (code `password_change_required`)"
}
ARCHIVED = {
    409: "The template is archived: readable, but not used or changed (code `template_archived`)"
}
MISMATCH = {
    400: "Invalid request, or the content and variables do not match: `details.unknown` "
    "lists placeholders without a variable, `details.unused` variables without one"
}
READ_ERRORS = error_responses(400, 401, 403, 404, descriptions={**READ_ONLY, **NOT_FOUND})
WRITE_ERRORS = error_responses(
    400, 401, 403, 404, 409, 413, descriptions={**READ_ONLY, **NOT_FOUND, **ARCHIVED}
)
EDIT_ERRORS = error_responses(
    400, 401, 403, 404, 409, 413, descriptions={**READ_ONLY, **NOT_FOUND, **ARCHIVED, **MISMATCH}
)
SearchQuery = Annotated[
    Text | None,
    Query(max_length=MAX_QUERY_CHARS, description="Text in the title, description or content"),
]
TagQuery = Annotated[
    str | None, Query(min_length=1, max_length=40, pattern=r"^[\w .:-]+$", description="A tag")
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 413, descriptions={**READ_ONLY, **MISMATCH}),
    description="A new template, owned by the caller, with its first version (1).",
)
async def create_template(data: TemplateCreate, user: CurrentUser, db: DbSession) -> TemplateRead:
    return await service.create_template(db, user=user, data=data)


@router.get(
    "",
    responses=error_responses(400, 401, 403, descriptions=READ_ONLY),
    description="Templates the caller may see (their own and shared ones), most recently "
    "changed first. `archived=true` lists the caller's archived templates instead.",
)
async def list_templates(
    user: CurrentUser,
    db: DbSession,
    q: SearchQuery = None,
    project: Annotated[Project | None, Query()] = None,
    tag: TagQuery = None,
    mine: Annotated[bool, Query(description="Only the caller's own")] = False,
    archived: Annotated[bool, Query(description="Archived ones instead")] = False,
    page: PageQuery = 1,
    page_size: PageSizeQuery = 20,
) -> TemplatePage:
    wanted = search.TemplateFilter(q=q, project=project, tag=tag, mine=mine, archived=archived)
    return await search.list_templates(db, user=user, wanted=wanted, page=page, page_size=page_size)


@router.get(
    "/export",
    responses=error_responses(401, 403, descriptions=READ_ONLY),
    description="Every template the caller owns (not archived), with all versions and labels.",
)
async def export_templates(user: CurrentUser, db: DbSession) -> TemplateBundle:
    return await exchange.export_mine(db, user=user)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 413, descriptions={**READ_ONLY, **MISMATCH}),
    description="New templates of the caller from an export (a bundle or one template): "
    "version numbers, notes and labels are kept. All or nothing.",
)
async def import_templates(
    data: Annotated[TemplateBundle | TemplateExport, Body()], user: CurrentUser, db: DbSession
) -> TemplateImportResult:
    return await exchange.import_templates(db, user=user, data=data)


@router.get("/{template_id}", responses=READ_ERRORS)
async def read_template(
    template: VisibleTemplate, user: CurrentUser, db: DbSession
) -> TemplateRead:
    return await service.read_template(db, template=template, viewer=user)


@router.patch(
    "/{template_id}",
    responses=EDIT_ERRORS,
    description="Changed `content` or `variables` make a new version (with `note`); other "
    "fields change the template without one. `project: null` clears the project.",
)
async def update_template(
    data: TemplateUpdate, template: EditableTemplate, user: CurrentUser, db: DbSession
) -> TemplateRead:
    return await service.update_template(db, user=user, template=template, data=data)


@router.delete(
    "/{template_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(400, 401, 403, 404, descriptions={**READ_ONLY, **NOT_FOUND}),
    description="Archive the template: it leaves lists and new use, and its versions stay "
    "readable for the sessions and results that name them.",
)
async def delete_template(template: VisibleTemplate, user: CurrentUser, db: DbSession) -> Response:
    await service.archive_template(db, user=user, template=template)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{template_id}/versions", responses=READ_ERRORS, description="Newest first.")
async def list_template_versions(
    template: VisibleTemplate, db: DbSession, page: PageQuery = 1, page_size: PageSizeQuery = 20
) -> VersionPage:
    return await service.list_versions(db, template=template, page=page, page_size=page_size)


@router.get("/{template_id}/versions/{version}", responses=READ_ERRORS)
async def read_template_version(
    template: VisibleTemplate, version: VersionPath, db: DbSession
) -> VersionRead:
    return await service.read_version(db, template=template, number=version)


@router.post(
    "/{template_id}/versions/{version}/restore",
    status_code=status.HTTP_201_CREATED,
    responses=WRITE_ERRORS,
    description="Version `version`'s content and variables again, as a new latest version.",
)
async def restore_template_version(
    template: EditableTemplate,
    version: VersionPath,
    user: CurrentUser,
    db: DbSession,
    data: Annotated[RestoreRequest | None, Body()] = None,
) -> TemplateRead:
    return await service.restore_version(
        db, user=user, template=template, number=version, data=data
    )


@router.get("/{template_id}/diff", responses=READ_ERRORS)
async def diff_template_versions(
    template: VisibleTemplate, db: DbSession, from_: DiffFrom, to: DiffTo
) -> TemplateDiff:
    return await service.diff_versions(db, template=template, old=from_, new=to)


@router.put(
    "/{template_id}/labels/{label}",
    responses=WRITE_ERRORS,
    description="Point `label` at `version` (created when new). Only the owner or an admin "
    "moves `production`.",
)
async def set_template_label(
    label: LabelPath, data: LabelUpdate, template: VisibleTemplate, user: CurrentUser, db: DbSession
) -> LabelsRead:
    return await service.set_label(
        db, user=user, template=template, label=label, version=data.version
    )


@router.delete("/{template_id}/labels/{label}", responses=WRITE_ERRORS)
async def delete_template_label(
    label: LabelPath, template: VisibleTemplate, user: CurrentUser, db: DbSession
) -> LabelsRead:
    return await service.delete_label(db, user=user, template=template, label=label)


@router.post(
    "/{template_id}/render",
    responses=error_responses(
        400,
        401,
        403,
        404,
        409,
        413,
        descriptions={
            **READ_ONLY,
            **NOT_FOUND,
            **ARCHIVED,
            400: "Invalid request, or missing or invalid variables (code `invalid_variables`, "
            "`details.missing` names, `details.invalid` [{name, reason}])",
        },
    ),
    description="The version (by number or label; else the latest) filled with `variables`. "
    "The same inputs always give the same bytes.",
)
async def render_template(
    data: RenderRequest, template: VisibleTemplate, db: DbSession
) -> RenderResponse:
    rendered = await service.render_request(db, template=template, data=data)
    return RenderResponse(
        prompt=rendered.prompt,
        version=rendered.version,
        template_id=rendered.template_id,
        label=rendered.label,
    )


@router.get("/{template_id}/export", responses=READ_ERRORS)
async def export_template(template: VisibleTemplate, db: DbSession) -> TemplateExport:
    return await exchange.export_template(db, template=template)
