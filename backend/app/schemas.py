"""Field types and shapes shared by every domain's wire schemas.

`UtcDatetime` is the type of every datetime a response carries. Times are stored in UTC, but
SQLite hands them back without a timezone; sent as they are, a browser would read them as
local time. Attaching UTC at the wire makes every response say `…Z`, whatever the database.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator


def as_utc(moment: datetime) -> datetime:
    """Naive values were stored as UTC; aware ones are converted to it."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


STREAM_EVENT: dict[str, Any] = {
    "type": "object",
    "description": "One Server-Sent Event; `data` is a JSON document (keep-alive comments aside)",
    "properties": {
        "event": {"type": "string", "description": "Absent for text deltas"},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
    "required": ["data"],
}
"""An item of a `text/event-stream` response, as OpenAPI's `itemSchema` documents it."""
