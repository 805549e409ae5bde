"""`/v1/*`: the OpenAI-compatible gateway (models, chat completions, completions)."""

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match

from app.gateway import service
from app.gateway.deps import GatewayContext
from app.gateway.errors import unknown_path
from app.gateway.route import OpenAIRoute, openai_errors
from app.gateway.schemas import (
    ChatCompletion,
    ChatCompletionRequest,
    OpenAIModel,
    OpenAIModelList,
    TextCompletion,
    TextCompletionRequest,
)
from app.gateway.wire import json_response, respond
from app.schemas import STREAM_EVENT

router = APIRouter(prefix="/v1", tags=["openai"], route_class=OpenAIRoute)

UPSTREAM = (502, 503, 504)
GENERATING = openai_errors(400, 401, 403, 404, 409, 413, 429, *UPSTREAM)
STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with `stream: true` Server-Sent Events: `data:` chunks in "
        "OpenAI's format, then `data: [DONE]`",
        "content": {"text/event-stream": {"itemSchema": STREAM_EVENT}},
    }
}
ANY_METHOD = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@router.get("/models", response_model=OpenAIModelList, responses=openai_errors(401, 403, *UPSTREAM))
async def list_models(gateway: GatewayContext) -> Response:
    return json_response(await service.list_models(gateway))


@router.get(
    "/models/{model:path}",
    response_model=OpenAIModel,
    responses=openai_errors(401, 403, 404, *UPSTREAM),
)
async def read_model(model: str, gateway: GatewayContext) -> Response:
    return json_response(await service.read_model(gateway, model))


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={**STREAM_DOC, **GENERATING},
    description="OpenAI's chat completion, relayed to the model server with the caller's "
    "fields as given. Portal extensions in the body (the SDK's `extra_body`): `session_id` "
    "(a turn of a stored session; the answer and each chunk carry `session_id`), `template` "
    "and `variables` (a prompt template rendered as the system prompt).",
)
async def create_chat_completion(
    data: ChatCompletionRequest, request: Request, gateway: GatewayContext
) -> Response:
    body = await request.json()  # the body as sent, parsed once already: relayed as it is
    return await respond(request, gateway.log, service.chat_completion(gateway, data, body))


@router.post(
    "/completions",
    response_model=TextCompletion,
    responses={**STREAM_DOC, **GENERATING},
    description="OpenAI's (legacy) text completion, relayed to the model server.",
)
async def create_completion(
    data: TextCompletionRequest, request: Request, gateway: GatewayContext
) -> Response:
    body = await request.json()
    return await respond(request, gateway.log, service.completion(gateway, data, body))


def _allowed_methods(request: Request) -> set[str]:
    """The methods of the `/v1` routes whose path matches, though not with this method (the
    catch-all routes take every method, so they never match only partly)."""
    allowed: set[str] = set()
    for route in router.routes:
        if isinstance(route, APIRoute) and route.matches(request.scope)[0] is Match.PARTIAL:
            allowed |= route.methods or set()
    return allowed


@router.api_route("", methods=ANY_METHOD, include_in_schema=False)
@router.api_route("/{path:path}", methods=ANY_METHOD, include_in_schema=False)
async def unknown_gateway_path(request: Request) -> Response:
    """Unknown `/v1` paths answer 404 (405 for a known path) in OpenAI's shape too."""
    raise unknown_path(request.scope["path"], _allowed_methods(request))
