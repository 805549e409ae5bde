"""`UtcDatetime`: every datetime a response carries says it is UTC."""

from datetime import UTC, datetime, timedelta, timezone

from pydantic import BaseModel

from app.schemas import UtcDatetime


class Stamped(BaseModel):
    at: UtcDatetime


def test_a_naive_value_is_read_as_utc() -> None:
    stamped = Stamped(at=datetime(2026, 11, 29, 12, 30))
    assert stamped.at == datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    assert stamped.model_dump_json() == '{"at":"2026-11-29T12:30:00Z"}'


def test_an_aware_value_is_converted_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    stamped = Stamped(at=datetime(2026, 11, 29, 14, 30, tzinfo=plus_two))
    assert stamped.model_dump_json() == '{"at":"2026-11-29T12:30:00Z"}'
