"""`/api/completion/*`: the documented TAB-completion endpoint (JSON or SSE) and its types."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sse_starlette import EventSourceResponse

from app.auth.deps import CurrentUser
from app.completion import service
from app.completion.kinds import KINDS
from app.completion.schemas import CompletionRequest, CompletionResponse, CompletionTypeRead
from app.disconnect import cancel_on_disconnect
from app.errors import error_responses
from app.schemas import STREAM_EVENT
from app.sse import sse_response, wants_stream

router = APIRouter(prefix="/api/completion", tags=["completion"])


async def get_completion_context(request: Request) -> service.CompletionContext:
    ctx: service.CompletionContext = request.app.state.completion
    return ctx


Completion = Annotated[service.CompletionContext, Depends(get_completion_context)]


@router.post(
    "/generate",
    response_model=CompletionResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
            "headers": {"X-Cache": {"description": "hit or miss"}},
        },
        **error_responses(
            400,
            401,
            403,
            413,
            429,
            503,
            descriptions={
                429: "Too many completions in the last minute: wait the seconds that "
                "`Retry-After` says",
                503: "LLM service unavailable: try again after the seconds `Retry-After` says",
            },
        ),
    },
)
async def generate_completion(
    data: CompletionRequest,
    request: Request,
    response: Response,
    user: CurrentUser,
    ctx: Completion,
) -> CompletionResponse | EventSourceResponse:
    owner = str(user.id)
    if wants_stream(request, stream_field=data.stream):
        return await sse_response(
            request, service.stream_completion(ctx=ctx, owner=owner, data=data)
        )
    outcome = await cancel_on_disconnect(
        request, service.generate_completion(ctx=ctx, owner=owner, data=data)
    )
    response.headers["X-Cache"] = "hit" if outcome.cache_hit else "miss"
    return outcome.response


@router.get("/types", responses=error_responses(401, 403))
async def list_completion_types(_: CurrentUser) -> list[CompletionTypeRead]:
    return [CompletionTypeRead(name=k.name, description=k.description) for k in KINDS.values()]
