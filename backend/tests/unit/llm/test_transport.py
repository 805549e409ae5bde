"""The hand-written SSE decoder, whatever the network's cut points."""

import pytest

from app.llm.transport import SSEDecoder

BODY = (
    b": keep-alive comment\n\n"
    b'data: {"a": 1}\n\n'
    b"event: message\r\n"
    b'data: {"b":\r\n'
    b"data: 2}\r\n\r\n"
    b"id: 7\n"
    b"data:[DONE]\n\n"
)
EVENTS = [b'{"a": 1}', b'{"b":\n2}', b"[DONE]"]


def decode(pieces: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


def test_events_from_one_read() -> None:
    assert decode([BODY]) == EVENTS


@pytest.mark.parametrize("cut", range(len(BODY) + 1))
def test_every_cut_point_gives_the_same_events(cut: int) -> None:
    assert decode([BODY[:cut], BODY[cut:]]) == EVENTS


def test_byte_by_byte() -> None:
    assert decode([BODY[i : i + 1] for i in range(len(BODY))]) == EVENTS


def test_a_half_event_at_the_end_is_not_an_event() -> None:
    assert decode([b'data: {"a": 1}\n\ndata: {"b"']) == [b'{"a": 1}']
    assert decode([b'data: {"a": 1}\n']) == []
