"""`/api/playground/*`: run template versions x inputs side by side, and read stored runs."""

from typing import Any

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from app.auth.deps import CurrentUser
from app.db import session_scope
from app.deps import LLM, DbSession, RowId
from app.errors import error_responses
from app.playground import service
from app.playground.plan import plan_run
from app.playground.schemas import PlaygroundRunRead, PlaygroundRunRequest, RunPage
from app.schemas import STREAM_EVENT
from app.sse import sse_response
from app.templates.schemas import PageQuery, PageSizeQuery

router = APIRouter(prefix="/api/playground", tags=["playground"])

PASSWORD_GATE = {
    403: "The account must replace its temporary password first (code `password_change_required`)"
}
RUN_NOT_FOUND = {404: "No such run, or it belongs to someone else (code `run_not_found`)"}
RUN_ERRORS = {
    400: "Invalid request: more than 6 versions, 10 inputs or 24 cells, a version named by both "
    "number and label, … (`details` names each field)",
    404: "A version names a template (or version, or label) that does not exist or is another "
    "user's private one (code `template_not_found`); nothing was run",
    409: "A version names an archived template (code `template_archived`); nothing was run",
    **PASSWORD_GATE,
}
RUN_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events, in this order: `event: run` {run_id, cells: "
        "[{v, i, template_id, version}], versions: [{template_id, version, title}]} once the "
        "references are resolved and the run is stored; then, as cells progress (in any "
        "order), `event: cell` {v, i, delta}, and for each cell one `event: cell_done` {v, i, "
        "text, usage, ttft_ms, total_ms, cache_n} or `event: cell_error` {v, i, error, code, "
        "text}; finally `event: done` {run_id, status, wall_ms}. `v` and `i` index `versions` "
        "and `inputs`. A failure of the stream itself ends it with `event: error` (the error "
        "shape).",
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    },
    **error_responses(400, 401, 403, 404, 409, 413, descriptions=RUN_ERRORS),
}


@router.post(
    "/run",
    response_model=None,
    response_class=EventSourceResponse,
    responses=RUN_DOC,
    description="Run every version against every input (a cell each), all streamed at once. "
    "Each cell renders its version with its input's `variables`: without `message` the "
    "rendered prompt is the user's turn; with it, the rendered prompt is the system prompt "
    "and `message` the user's turn. Cells run concurrently through the concurrency gate's "
    "`chat` lane, at most `LLM_PER_USER_CONCURRENCY` at once; a cell refused there (busy, "
    "queue wait timed out, your other requests at their limit) or failed upstream ends with "
    "`cell_error` carrying the code the chat routes would answer (`llm_busy`, "
    "`llm_user_limit`, `llm_timeout`, `llm_unavailable`, `llm_bad_response`) while the others "
    "go on. Values that do not fit an input fail that input's cells with `cell_error` code "
    "`invalid_variables` (never sent to the model). The run is stored before its first event "
    "and each cell when it ends; closing the stream cancels every cell still running (its "
    "upstream request too), which are stored `stopped`, and the run `cancelled`. To run one "
    "cell again, run its one version with its one input.",
)
async def run_playground(
    data: PlaygroundRunRequest, request: Request, user: CurrentUser, llm: LLM
) -> EventSourceResponse:
    sessions = request.app.state.sessionmaker
    async with session_scope(sessions) as db:
        plan = await plan_run(db, user, data)
    events = service.stream_run(sessions=sessions, llm=llm, user=user, data=data, plan=plan)
    return await sse_response(request, events)


@router.get(
    "/runs",
    responses=error_responses(400, 401, 403, descriptions=PASSWORD_GATE),
    description="The caller's runs, newest first.",
)
async def list_playground_runs(
    user: CurrentUser, db: DbSession, page: PageQuery = 1, page_size: PageSizeQuery = 20
) -> RunPage:
    return await service.list_runs(db, user, page=page, page_size=page_size)


@router.get(
    "/runs/{run_id}",
    responses=error_responses(400, 401, 403, 404, descriptions={**PASSWORD_GATE, **RUN_NOT_FOUND}),
    description="A stored run as it was: the request, the versions as resolved when it ran, "
    "and every cell's text, status and measures. A run still streaming has `status` "
    "`running` and only the cells that have ended.",
)
async def read_playground_run(run_id: RowId, user: CurrentUser, db: DbSession) -> PlaygroundRunRead:
    return await service.read_run(db, user, run_id)
