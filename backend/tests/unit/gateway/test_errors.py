"""Every failure under `/v1` becomes OpenAI's error JSON with the status the SDK expects."""

import orjson
import pytest
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.bodylimit import BodyTooLarge
from app.errors import Forbidden, NotFound, Unauthorized
from app.gateway.errors import (
    Problem,
    describe,
    error_event,
    error_response,
    model_not_found,
    param_of,
    unknown_path,
    with_session,
)
from app.llm.errors import (
    LLMBadResponse,
    LLMBusy,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
    LLMUserLimit,
)


@pytest.mark.parametrize(
    ("error", "status", "kind", "code"),
    [
        (Unauthorized("Unauthorized"), 401, "authentication_error", "invalid_api_key"),
        (
            Forbidden("Choose a password", code="password_change_required"),
            403,
            "permission_denied",
            "password_change_required",
        ),
        (NotFound("gone", code="template_not_found"), 404, "not_found_error", "template_not_found"),
        (LLMUserLimit("too many", retry_after=2), 429, "rate_limit_error", "rate_limit_exceeded"),
        (LLMBusy("full", retry_after=3), 503, "server_error", "llm_busy"),
        (LLMUnavailable("down"), 503, "server_error", "llm_unavailable"),
        (LLMTimeout("slow"), 504, "api_error", "llm_timeout"),
        (LLMBadResponse("garbled"), 502, "api_error", "llm_bad_response"),
        (BodyTooLarge(1024), 413, "invalid_request_error", "payload_too_large"),
        (RuntimeError("bug"), 500, "server_error", "internal_error"),
    ],
)
def test_errors_map_to_openai_status_type_and_code(
    error: Exception, status: int, kind: str, code: str
) -> None:
    problem = describe(error)
    assert (problem.status, problem.error()["type"], problem.code) == (status, kind, code)
    assert set(problem.error()) == {"message", "type", "param", "code"}


def test_a_refusal_of_the_model_server_is_400_with_its_own_words() -> None:
    refused = LLMRejected("The model refused", status=400, detail="prompt too long (9000 > 8192)")
    problem = describe(refused)
    assert (problem.status, problem.message) == (400, "prompt too long (9000 > 8192)")


def test_limits_carry_retry_after() -> None:
    assert describe(LLMUserLimit("x", retry_after=2.4)).headers() == {"Retry-After": "2"}
    assert describe(LLMBusy("x", retry_after=0.2)).headers() == {"Retry-After": "1"}
    assert describe(Unauthorized("x")).headers() == {"WWW-Authenticate": "Bearer"}


def test_an_unknown_model_names_the_param() -> None:
    error = model_not_found("gpt-9").problem.error()
    assert error["code"] == "model_not_found"
    assert error["param"] == "model"
    assert error["type"] == "invalid_request_error"


def test_a_failure_after_admission_names_the_session() -> None:
    problem = with_session(describe(LLMUnavailable("cut")), "s-1")
    assert problem.error()["session_id"] == "s-1"


def test_unknown_paths_are_404_and_other_methods_405() -> None:
    assert unknown_path("/v1/nope", set()).problem.status == 404
    refused = unknown_path("/v1/chat/completions", {"POST"}).problem
    assert (refused.status, refused.headers()["Allow"]) == (405, "POST")


def test_a_portal_http_error_keeps_its_status() -> None:
    problem = describe(HTTPException(400, "There was an error parsing the body"))
    assert (problem.status, problem.error()["type"]) == (400, "invalid_request_error")


BODY = {"model": "m", "messages": [{"role": "user", "content": 3}], "stop": [1]}


@pytest.mark.parametrize(
    ("location", "missing", "param"),
    [
        (("body", "messages", 0, "content", "str"), False, "messages.0.content"),
        (("body", "stop", "list[str]", 0), False, "stop"),
        (("body", "temperature"), True, "temperature"),
        (("body", "messages", 0, "role"), True, "messages.0.role"),
        (("body",), False, None),
    ],
)
def test_param_is_the_path_the_client_wrote(
    location: tuple[int | str, ...], missing: bool, param: str | None
) -> None:
    assert param_of(location, BODY, missing=missing) == param


def test_a_validation_error_names_its_field() -> None:
    error = RequestValidationError(
        [{"type": "less_than_equal", "loc": ("body", "temperature"), "msg": "too hot"}],
        body={"temperature": 3},
    )
    problem = describe(error)
    assert (problem.status, problem.param) == (400, "temperature")
    assert "too hot" in problem.message


def test_responses_and_stream_events_hold_the_same_object() -> None:
    problem = Problem(503, "down", code="llm_unavailable", retry_after=5)
    response = error_response(problem)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert orjson.loads(response.body) == {"error": problem.error()}
    assert error_event(problem) == b"data: " + response.body + b"\n\n"
