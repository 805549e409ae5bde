"""Checks for client text that must survive encoding and storage.

JSON can spell characters that a `str` holds but the layers below refuse:

- a lone UTF-16 surrogate (`"\\ud800"`): Python's `json` decodes it, but no UTF-8 encoder
  accepts it, so it fails in a cache key, the database driver or the request to the model;
- NUL (`"\\u0000"`): PostgreSQL `text` cannot hold it.

Either would fail later, far from its cause, as a 500. Schemas call these checks as field
validators, so the client gets a 400 naming the field. (Pydantic already refuses surrogates in
strings that carry a length constraint; these checks do not depend on that.)
"""

import re
from typing import TypeVar

_Text = TypeVar("_Text", str, str | None)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NUL = "\x00"


def require_encodable(value: _Text) -> _Text:
    """The text unchanged, or `ValueError` (a validation error) on a lone surrogate.

    A surrogate pair in JSON decodes to one code point, so any surrogate left is unpaired.
    """
    if value is not None and _LONE_SURROGATE.search(value):
        raise ValueError("must be valid Unicode text (it contains a lone UTF-16 surrogate)")
    return value


def require_storable(value: _Text) -> _Text:
    """`require_encodable`, and no NUL characters: for text the database keeps."""
    if value is not None and _NUL in value:
        raise ValueError("must not contain NUL characters (U+0000)")
    return require_encodable(value)
