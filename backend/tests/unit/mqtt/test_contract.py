"""Payloads of every game topic: both key styles, bounds, reply topics, expiry, topic names."""

from typing import Any

import pytest
from pydantic import ValidationError

from app.mqtt.contract import (
    ResultReport,
    SessionCommand,
    StateRequest,
    TemplateRequest,
    TemplateText,
    UserInputRequest,
    check_response_topic,
    parse_expiry,
    parse_request,
    sniff_session_id,
    split_topic,
)


def user_input(**fields: Any) -> UserInputRequest:
    payload = {"sessionId": "s1", "message": "hi", **fields}
    request = parse_request("user_input", "maze", payload, None)
    assert isinstance(request, UserInputRequest)
    return request


class TestUserInput:
    def test_camel_and_snake_case_mean_the_same(self) -> None:
        camel = user_input(topP=0.5, maxTokens=64, requestId="r1", systemPrompt="Be brief.")
        snake = parse_request(
            "user_input",
            "maze",
            {
                "session_id": "s1",
                "message": "hi",
                "top_p": 0.5,
                "max_tokens": 64,
                "request_id": "r1",
                "system_prompt": "Be brief.",
            },
            None,
        )
        assert camel == snake
        assert (camel.top_p, camel.max_tokens, camel.request_id) == (0.5, 64, "r1")

    def test_explicit_zero_temperature_is_kept(self) -> None:
        params = user_input(temperature=0).params()
        assert params is not None
        assert params.temperature == 0.0

    def test_no_overrides_means_no_params(self) -> None:
        assert user_input().params() is None

    @pytest.mark.parametrize(
        "override",
        [
            {"temperature": 2.5},
            {"temperature": -0.1},
            {"topP": 0},
            {"topP": 1.5},
            {"maxTokens": 0},
            {"maxTokens": 8193},
        ],
    )
    def test_sampling_bounds_are_the_http_apis(self, override: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            user_input(**override)

    @pytest.mark.parametrize("session_id", ["", "x" * 129, "a/b", "a+b", "a#b", "a\nb"])
    def test_session_id_must_fit_in_a_topic_level(self, session_id: str) -> None:
        with pytest.raises(ValidationError):
            user_input(sessionId=session_id)

    def test_session_id_of_128_characters_is_accepted(self) -> None:
        assert user_input(sessionId="x" * 128).session_id == "x" * 128

    def test_message_is_required(self) -> None:
        with pytest.raises(ValidationError):
            parse_request("user_input", "maze", {"sessionId": "s1"}, None)

    def test_text_no_store_can_keep_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            user_input(message="a\x00b")

    def test_reply_topic_under_the_projects_responses_is_used_verbatim(self) -> None:
        topic = "maze/assistant_response/s1/client-7/r9"
        assert user_input(replyTopic=topic).reply_topic == topic

    @pytest.mark.parametrize(
        "topic",
        [
            "driving/assistant_response/s1",
            "maze/hint/s1",
            "maze/assistant_response/",
            "maze/assistant_response/+",
            "maze/assistant_response/#",
            "other",
        ],
    )
    def test_reply_topic_elsewhere_is_refused(self, topic: str) -> None:
        with pytest.raises(ValidationError, match="replyTopic"):
            user_input(replyTopic=topic)

    @pytest.mark.parametrize("fmt", ["text", "json"])
    def test_format_is_text_or_json(self, fmt: str) -> None:
        assert user_input(format=fmt).format == fmt

    def test_other_formats_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            user_input(format="xml")

    def test_system_prompt_wins_over_the_template(self) -> None:
        request = user_input(systemPrompt="mine", template={"content": "theirs", "title": "t"})
        assert request.explicit_prompt() == "mine"
        assert user_input(template="raw text").explicit_prompt() == "raw text"

    @pytest.mark.parametrize("request_id", ["r-1", "17", 17, 1.5])
    def test_request_and_client_ids_are_kept_as_sent(self, request_id: str | float) -> None:
        request = user_input(requestId=request_id, clientId=request_id)
        assert (request.request_id, request.client_id) == (request_id, request_id)
        assert type(request.request_id) is type(request_id)

    def test_unknown_keys_are_ignored(self) -> None:
        assert user_input(clientVersion="1.2", extra={"a": 1}).message == "hi"

    def test_api_key_is_not_shown_in_repr(self) -> None:
        assert "pp_secret" not in repr(user_input(apiKey="pp_secret"))


class TestExpiry:
    def test_epoch_seconds_and_milliseconds(self) -> None:
        assert parse_expiry(1_900_000_000) == 1_900_000_000.0
        assert parse_expiry(1_900_000_000_500) == 1_900_000_000.5
        assert parse_expiry("1900000000") == 1_900_000_000.0

    def test_iso_times_naive_ones_in_utc(self) -> None:
        assert parse_expiry("2030-01-01T00:00:00Z") == 1_893_456_000.0
        assert parse_expiry("2030-01-01T00:00:00") == 1_893_456_000.0
        assert parse_expiry("2030-01-01T01:00:00+01:00") == 1_893_456_000.0

    @pytest.mark.parametrize("value", ["tomorrow", True, [1]])
    def test_anything_else_is_refused(self, value: Any) -> None:
        with pytest.raises(ValueError, match="epoch"):
            parse_expiry(value)

    def test_payload_expiry_is_parsed(self) -> None:
        assert user_input(expiresAt="2030-01-01T00:00:00Z").expires_at == 1_893_456_000.0


class TestState:
    def test_state_is_the_payload_without_control_keys(self) -> None:
        payload = {
            "sessionId": "s1",
            "apiKey": "pp_x",
            "requestId": "r1",
            "player_pos": [1, 1],
            "visible_map": [[0]],
            "prompt_template": {"content": "guide", "title": "T"},
        }
        request = parse_request("state", "maze", payload, None)
        assert isinstance(request, StateRequest)
        assert request.state == {
            "player_pos": [1, 1],
            "visible_map": [[0]],
            "prompt_template": {"content": "guide", "title": "T"},
        }
        assert request.explicit_prompt() == "guide"
        assert request.request_id == "r1"

    def test_state_needs_a_session_id(self) -> None:
        with pytest.raises(ValidationError):
            parse_request("state", "maze", {"player_pos": [1, 1]}, None)


class TestSessionMessages:
    def test_topic_suffix_wins_over_the_payload(self) -> None:
        request = parse_request("template", "maze", {"sessionId": "other", "template": "t"}, "s1")
        assert isinstance(request, TemplateRequest)
        assert request.session_id == "s1"

    def test_template_fields_in_order_and_reset_by_default(self) -> None:
        request = parse_request(
            "template", "maze", {"system_prompt": "b", "prompt_template": "c"}, "s1"
        )
        assert request.chosen() == "b"
        assert request.reset is True

    def test_template_object_as_the_browser_sends_it(self) -> None:
        payload = {"prompt_template": {"title": "T", "content": "c", "version": 2, "user_id": 7}}
        request = parse_request("template", "maze", payload, "s1")
        assert request.chosen() == TemplateText(title="T", content="c", version=2, user_id=7)

    @pytest.mark.parametrize("field", ["session_id", "sessionId"])
    def test_clear_takes_the_id_from_the_payload(self, field: str) -> None:
        request = parse_request("clear_history", "maze", {field: "s2"}, None)
        assert isinstance(request, SessionCommand)
        assert request.session_id == "s2"

    def test_delete_without_any_id_is_refused(self) -> None:
        with pytest.raises(ValidationError):
            parse_request("delete_session", "maze", {}, None)

    def test_result_payload_is_raw_less_the_key(self) -> None:
        payload = {"apiKey": "pp_x", "score": 10, "won": True, "extra": {"a": [1]}}
        request = parse_request("result", "maze", payload, "s1")
        assert isinstance(request, ResultReport)
        assert request.payload == {"score": 10, "won": True, "extra": {"a": [1]}}


class TestTopics:
    @pytest.mark.parametrize(
        ("topic", "parts"),
        [
            ("maze/user_input", ("maze", "user_input", None)),
            ("maze/state", ("maze", "state", None)),
            ("maze/template", ("maze", "template", None)),
            ("maze/template/s1", ("maze", "template", "s1")),
            ("racing/clear_history/s1", ("racing", "clear_history", "s1")),
            ("maze/delete_session", ("maze", "delete_session", None)),
            ("maze/result/s1", ("maze", "result", "s1")),
        ],
    )
    def test_inbound_topics(self, topic: str, parts: tuple[str, str, str | None]) -> None:
        found = split_topic(topic)
        assert found is not None
        assert (found.project, found.kind, found.session_id) == parts

    @pytest.mark.parametrize(
        "topic",
        ["maze/result", "maze/assistant_response/s1", "maze/hint/s1", "maze", "maze/state/x"],
    )
    def test_other_topics_are_not_inbound(self, topic: str) -> None:
        assert split_topic(topic) is None

    @pytest.mark.parametrize("topic", ["maze/clients/7/replies", "maze/assistant_response/s1/c"])
    def test_response_topic_may_be_any_plain_topic_of_the_project(self, topic: str) -> None:
        assert check_response_topic(topic, "maze") == topic

    @pytest.mark.parametrize(
        "topic",
        [
            "maze/user_input",
            "maze/template/s1",
            "maze/status",
            "maze/",
            "clients/7/replies",
            "driving/hint/s1",
            "$SYS/x",
            "maze/a/+",
            "maze/#",
            "",
        ],
    )
    def test_response_topic_may_not_leave_the_project_loop_or_wildcard(self, topic: str) -> None:
        with pytest.raises(ValueError, match="topic"):
            check_response_topic(topic, "maze")


class TestSniffSessionId:
    def test_found_at_the_start_of_a_broken_payload(self) -> None:
        assert sniff_session_id(b'{"sessionId": "abc", "message": ') == "abc"

    def test_found_at_the_end_of_a_huge_payload(self) -> None:
        payload = b'{"message": "' + b"x" * 1_000_000 + b'", "session_id":"tail-1"}'
        assert sniff_session_id(payload) == "tail-1"

    def test_not_searched_in_the_middle(self) -> None:
        payload = b"x" * 100_000 + b'"sessionId":"mid"' + b"x" * 100_000
        assert sniff_session_id(payload) is None

    def test_unusable_ids_are_not_returned(self) -> None:
        assert sniff_session_id(b'{"sessionId": "a\\u0000"}') is None
        assert sniff_session_id(b"garbage") is None
