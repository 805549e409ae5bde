"""Text from clients must be Unicode that can be encoded: no lone surrogates.

JSON can spell a lone UTF-16 surrogate (`"\\ud800"`) and Python's `json` decodes it into a
`str` that no UTF-8 encoder accepts. Such a string would fail later and far from its cause:
in a cache key, in the database driver, in the request to the model. Schemas check it where
the text enters, so the client gets a 400 naming the field.
"""

import re
from typing import TypeVar

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_Text = TypeVar("_Text", str, str | None)
LONE_SURROGATE_MESSAGE = "must be valid Unicode text (it contains a lone UTF-16 surrogate)"


def require_encodable(value: _Text) -> _Text:
    """Pass the text through, or raise `ValueError` (a validation error) on a lone surrogate.

    A properly paired surrogate in JSON decodes to one code point, so any surrogate left in a
    `str` is unpaired.
    """
    if value is not None and _LONE_SURROGATE.search(value):
        raise ValueError(LONE_SURROGATE_MESSAGE)
    return value
