"""The server's chunks go to the caller as they came, usage as the caller asked for it, each
named with the model that answered."""

import json
from typing import Any

from app.gateway.relay import ChunkRelay
from app.gateway.request_log import RequestLog

USAGE = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    head = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "upstream"}
    return {**head, "choices": [choice], **extra}


def usage_only() -> dict[str, Any]:
    return {**chunk(), "choices": [], "usage": USAGE, "timings": {"cache_n": 0}}


def relayed(include_usage: bool, chunks: list[dict[str, Any]]) -> tuple[list[Any], RequestLog]:
    log = RequestLog(endpoint="/v1/chat/completions", credential="jwt")
    relay = ChunkRelay("asked", include_usage, log)
    out = [relay.pass_on(c) for c in chunks] + [relay.tail()]
    events = [json.loads(o.removeprefix(b"data: ")) for o in out if o is not None]
    return events, log


def test_a_llama_cpp_usage_chunk_passes_when_asked_for() -> None:
    events, log = relayed(True, [chunk("Hi"), chunk(finish="stop"), usage_only()])
    assert [e["choices"] for e in events][-1] == []
    assert events[-1]["usage"] == USAGE
    assert {e["model"] for e in events} == {"upstream"}
    assert (log.prompt_tokens, log.completion_tokens) == (3, 2)


def test_a_chunk_is_named_with_the_model_asked_for_when_the_server_names_none() -> None:
    nameless = [{**chunk("Hi"), "model": ""}, {**chunk(finish="stop"), "model": None}]
    events, _ = relayed(False, nameless)
    assert [e["model"] for e in events] == ["asked", "asked"]


def test_the_usage_chunk_is_dropped_when_not_asked_for() -> None:
    events, log = relayed(False, [chunk("Hi"), chunk(finish="stop"), usage_only()])
    assert len(events) == 2
    assert all("usage" not in e for e in events)
    assert log.completion_tokens == 2  # still counted for the log line


def test_usage_on_the_finish_chunk_is_split_off_or_removed() -> None:
    finish = {**chunk(finish="stop"), "usage": USAGE}
    asked, _ = relayed(True, [chunk("Hi"), dict(finish)])
    assert "usage" not in asked[1]
    assert (asked[2]["choices"], asked[2]["usage"], asked[2]["id"]) == ([], USAGE, "c1")
    not_asked, _ = relayed(False, [chunk("Hi"), dict(finish)])
    assert len(not_asked) == 2
    assert "usage" not in not_asked[1]


def test_unknown_fields_of_a_chunk_pass_unchanged() -> None:
    events, _ = relayed(False, [chunk("Hi", system_fingerprint="b1", timings={"x": 1})])
    assert (events[0]["system_fingerprint"], events[0]["timings"]) == ("b1", {"x": 1})
