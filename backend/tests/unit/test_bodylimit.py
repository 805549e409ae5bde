"""`BodySizeLimit` answers a declared oversize body with 413 in the shape of the path's surface."""

import json
from typing import Any

import pytest

from app.bodylimit import BodySizeLimit, Message, Receive, Scope, Send


async def never_called(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise AssertionError("an oversize body reached the app")


async def no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def openai_shape(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error"}}


async def refusal(path: str) -> tuple[int, dict[str, Any]]:
    """The status and JSON body answered to a 100-byte body over a 10-byte cap."""
    limit = BodySizeLimit(never_called, max_bytes=10, renderers={"/v1": openai_shape})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "path": path, "headers": [(b"content-length", b"100")]}
    await limit(scope, no_body, send)
    return sent[0]["status"], json.loads(sent[1]["body"])


@pytest.mark.parametrize("path", ["/v1", "/v1/chat/completions"])
async def test_a_prefix_with_a_renderer_gets_its_shape(path: str) -> None:
    status, body = await refusal(path)
    assert status == 413
    assert body == openai_shape("Request body is larger than 10 bytes")


@pytest.mark.parametrize("path", ["/api/llm/chat", "/v1x/chat"])
async def test_other_paths_get_the_portal_shape(path: str) -> None:
    status, body = await refusal(path)
    assert status == 413
    assert (body["error"], body["code"]) == (
        "Request body is larger than 10 bytes",
        "payload_too_large",
    )
