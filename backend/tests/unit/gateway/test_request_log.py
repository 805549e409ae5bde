"""The log line names the API key by its public prefix, never the secret."""

import logging

import pytest
from starlette.requests import Request

from app.gateway.request_log import RequestLog, credential_of


def request_with(authorization: str | None) -> Request:
    headers = [] if authorization is None else [(b"authorization", authorization.encode())]
    return Request({"type": "http", "method": "POST", "path": "/v1/x", "headers": headers})


@pytest.mark.parametrize(
    ("authorization", "credential"),
    [
        ("Bearer pp_ab12cd_secretpart", "pp_ab12cd"),
        ("Bearer eyJhbGciOi.x.y", "jwt"),
        ("Basic abc", "-"),
        (None, "-"),
    ],
)
def test_the_credential_is_named_without_its_secret(
    authorization: str | None, credential: str
) -> None:
    assert credential_of(request_with(authorization)) == credential


def test_the_line_is_written_once(caplog: pytest.LogCaptureFixture) -> None:
    log = RequestLog(endpoint="/v1/chat/completions", credential="pp_ab12cd", user_id=7)
    log.model, log.stream = "m", True
    log.note_usage({"prompt_tokens": 4, "completion_tokens": 9, "total_tokens": 13})
    with caplog.at_level(logging.INFO, logger="app.gateway"):
        log.finish(200)
        log.finish(499)
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("gateway user=7 key=pp_ab12cd endpoint=/v1/chat/completions model=m")
    assert "stream=true status=200 outcome=stopped" in line
    assert line.endswith("prompt_tokens=4 completion_tokens=9")
