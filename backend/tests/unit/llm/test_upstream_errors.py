"""Error statuses and transport failures become the library's errors, with both texts, and
only failures the server cannot have worked on are sent again."""

import aiohttp
import orjson
import pytest

from app.llm import (
    LLMBadResponse,
    LLMBusy,
    LLMError,
    LLMRejected,
    LLMTimeout,
    LLMUnavailable,
)
from app.llm.upstream_errors import (
    error_detail,
    from_status,
    from_stream_error,
    is_stale_connection,
    may_send_again,
    retry_after_of,
    translate,
    unsendable,
    upstream_errors,
)

URL = "http://llm.test"
KEY = aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None)


def raised_as(exc: Exception) -> LLMError:
    """The library error ``exc`` becomes when raised inside an upstream call."""
    try:
        with upstream_errors(URL, 5):
            raise exc
    except LLMError as error:
        return error
    raise AssertionError("not translated")


class TestFromStatus:
    @pytest.mark.parametrize("status", [400, 408, 413, 422])
    def test_an_invalid_request_is_rejected_with_the_servers_words(self, status: int) -> None:
        error = from_status(status, "prompt too long", URL)
        assert isinstance(error, LLMRejected)
        assert isinstance(error, LLMBadResponse)
        assert (error.status, error.detail) == (status, "prompt too long")
        assert error.message == "The model refused this request: prompt too long"
        assert f"rejected the request (HTTP {status})" in error.log_message

    @pytest.mark.parametrize("status", [401, 403])
    def test_refused_credentials(self, status: int) -> None:
        error = from_status(status, "bad key", URL)
        assert type(error) is LLMBadResponse
        assert "refused the portal's credentials" in error.message
        assert "check LLM_API_KEY" in error.log_message

    def test_not_found(self) -> None:
        error = from_status(404, "no model", URL)
        assert type(error) is LLMBadResponse
        assert "not available on its server" in error.message
        assert "check LLM_SERVER_URL and LLM_MODEL" in error.log_message

    def test_busy_carries_its_retry_after(self) -> None:
        error = from_status(429, "slots full", URL, retry_after=7)
        assert isinstance(error, LLMBusy)
        assert error.retry_after == 7

    @pytest.mark.parametrize("status", [500, 502, 503, 504])
    def test_server_failures_are_unavailable(self, status: int) -> None:
        assert isinstance(from_status(status, "x", URL), LLMUnavailable)


class TestDetails:
    @pytest.mark.parametrize(
        ("body", "detail"),
        [
            (b'{"error": {"message": "too long", "code": 400}}', "too long"),
            (b'{"error": "plain"}', "plain"),
            (b'{"object": "error", "message": "vllm says", "code": 400}', "vllm says"),
            (b'{"detail": "fastapi says"}', "fastapi says"),
            (b"<html>proxy</html>", "Bad Request"),
        ],
    )
    def test_the_servers_own_message(self, body: bytes, detail: str) -> None:
        assert error_detail(body, "Bad Request") == detail

    @pytest.mark.parametrize(("value", "seconds"), [("3", 3.0), ("soon", 1.0), (None, 1.0)])
    def test_retry_after(self, value: str | None, seconds: float) -> None:
        headers = {"Retry-After": value} if value else {}
        assert retry_after_of(headers) == seconds

    def test_an_error_event_inside_a_stream(self) -> None:
        chunk = {"error": {"code": 400, "message": "context exceeded"}}
        error = from_stream_error(chunk, URL)
        assert isinstance(error, LLMRejected)
        assert error.detail == "context exceeded"
        assert isinstance(from_stream_error({"error": {"message": "boom"}}, URL), LLMUnavailable)


class TestTranslate:
    def test_a_refused_connection_names_its_root_cause_in_the_log(self) -> None:
        cause = ConnectionRefusedError(111, "Connect call failed")
        try:
            raise aiohttp.ClientConnectorError(KEY, cause) from cause
        except aiohttp.ClientConnectorError as exc:
            error = translate(exc, URL, 5)
        assert isinstance(error, LLMUnavailable)
        assert error.message == "The model is offline — try again in a minute"
        assert "ConnectionRefusedError" in error.log_message
        assert "make llm" in error.log_message

    def test_a_timeout(self) -> None:
        error = translate(TimeoutError(), URL, 2.5)
        assert isinstance(error, LLMTimeout)
        assert "2.5 s" in error.message

    def test_a_body_cut_midway_is_cut_short(self) -> None:
        error = translate(aiohttp.ClientPayloadError("not completed"), URL, 5)
        assert isinstance(error, LLMUnavailable)
        assert "before the reply was complete" in error.message

    @pytest.mark.parametrize(
        "exc",
        [aiohttp.ServerDisconnectedError(), aiohttp.ClientOSError(104, "Connection reset")],
        ids=["disconnect", "reset"],
    )
    def test_a_connection_dropped_after_sending_is_cut_short_not_offline(
        self, exc: Exception
    ) -> None:
        error = translate(exc, URL, 5)
        assert isinstance(error, LLMUnavailable)
        assert "before the reply was complete" in error.message

    def test_an_unreadable_body_is_a_bad_response(self) -> None:
        error = translate(ValueError("not JSON"), URL, 5)
        assert type(error) is LLMBadResponse
        assert "cannot read" in error.message

    def test_a_body_that_cannot_be_encoded_is_rejected_as_the_callers(self) -> None:
        with pytest.raises(orjson.JSONEncodeError) as raised:
            orjson.dumps({"seed": 2**70})
        error = unsendable(URL, raised.value)
        assert error.status == 400
        assert error.detail == "the request cannot be sent as JSON: Integer exceeds 64-bit range"
        assert "was not sent" in error.log_message


class TestStaleConnection:
    def test_a_disconnect_or_a_reset_is_stale(self) -> None:
        assert is_stale_connection(aiohttp.ServerDisconnectedError())
        assert is_stale_connection(aiohttp.ClientOSError(104, "Connection reset by peer"))

    def test_a_connection_never_opened_is_not(self) -> None:
        refused = aiohttp.ClientConnectorError(KEY, ConnectionResetError(104, "reset"))
        assert not is_stale_connection(refused)
        assert not is_stale_connection(aiohttp.ClientPayloadError("cut"))


class TestMaySendAgain:
    @pytest.mark.parametrize(
        "error",
        [
            raised_as(aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused"))),
            raised_as(aiohttp.ConnectionTimeoutError()),
            from_status(503, "loading", URL),
            from_status(429, "busy", URL),
        ],
        ids=["refused", "connect-timeout", "5xx", "429"],
    )
    def test_when_the_server_cannot_have_worked_on_it(self, error: LLMError) -> None:
        assert may_send_again(error)

    @pytest.mark.parametrize(
        "error",
        [
            raised_as(aiohttp.ServerDisconnectedError()),
            raised_as(aiohttp.ClientOSError(104, "Connection reset by peer")),
            raised_as(aiohttp.ClientPayloadError("cut")),
            raised_as(TimeoutError()),
            from_status(400, "too long", URL),
        ],
        ids=["disconnect", "reset", "cut", "timeout", "rejected"],
    )
    def test_never_when_it_may_have(self, error: LLMError) -> None:
        assert not may_send_again(error)
