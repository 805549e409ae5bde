"""What `/v1` does: list the models, and answer chat and text completions.

A request without `session_id` is relayed one-shot (:mod:`app.gateway.relay`): chat in the
gate's `chat` lane, text completions in its `completion` lane, as `/api/llm` and TAB
completion use them. A `template` is rendered first, before the gate (the same rendering as
`/api/llm/chat`), and sent as the system message. A request with `session_id` is a turn of a
stored session (:mod:`app.gateway.sessions`).
"""

from app.chat.prompts import render
from app.gateway import sessions
from app.gateway.context import Body, Gateway, check_model, check_sendable, upstream_body
from app.gateway.errors import model_not_found
from app.gateway.relay import relay_answer, relay_stream
from app.gateway.schemas import ChatCompletionRequest, TextCompletionRequest
from app.gateway.wire import Payload, Reply


async def list_models(gateway: Gateway) -> Payload:
    return {"object": "list", "data": await gateway.llm.client.models()}


async def read_model(gateway: Gateway, model_id: str) -> Payload:
    for model in await gateway.llm.client.models():
        if model.get("id") == model_id:
            return model
    raise model_not_found(model_id)


async def _chat_body(gateway: Gateway, data: ChatCompletionRequest, raw: Body) -> Body:
    await check_model(gateway, data.model)
    body = upstream_body(raw)
    if data.template is not None:  # rendered before the gate: no slot waits on the database
        rendered = await render(gateway.sessionmaker, gateway.user, data.template, data.variables)
        body["messages"] = [{"role": "system", "content": rendered.prompt}, *raw["messages"]]
    return body


def chat_completion(gateway: Gateway, data: ChatCompletionRequest, raw: Body) -> Reply:
    """`POST /v1/chat/completions`: the JSON answer to await, or the stream's events."""
    gateway.log.stream = bool(data.stream)
    check_sendable(raw)
    if data.in_session:
        if data.stream:
            return sessions.turn_stream(gateway, data, raw)
        return sessions.turn_answer(gateway, data, raw)

    async def prepare() -> Body:
        return await _chat_body(gateway, data, raw)

    client = gateway.llm.client
    if data.stream:
        return relay_stream(gateway, "chat", data, prepare, client.chat_completion_chunks)
    return relay_answer(gateway, "chat", data, prepare, client.chat_completion)


def completion(gateway: Gateway, data: TextCompletionRequest, raw: Body) -> Reply:
    """`POST /v1/completions`: the JSON answer to await, or the stream's events."""
    gateway.log.stream = bool(data.stream)
    check_sendable(raw)

    async def prepare() -> Body:
        await check_model(gateway, data.model)
        return upstream_body(raw)

    client = gateway.llm.client
    if data.stream:
        return relay_stream(gateway, "completion", data, prepare, client.completion_chunks)
    return relay_answer(gateway, "completion", data, prepare, client.completion)
