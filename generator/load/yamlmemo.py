"""Load stage, incremental: a YAML document's parse (values and their positions) as JSON, for the build cache.

The cache holds no code and no pickles, so a parse is kept only when JSON gives it back exactly: mappings with text
keys, lists, text, whole numbers, floats, booleans, null, and YAML's dates and timestamps (as tagged ISO text, each
checked to read back equal, offset and all). Anything else (binary, sets, ordered pairs, a key that looks like a
tag) is not kept, and that document is parsed on every load.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Final

Lines = dict[tuple[str | int, ...], tuple[int, int]]

_DATE: Final = "\0date"
_TIMESTAMP: Final = "\0timestamp"
_PLAIN: Final = (str, int, float, bool, type(None))


class _NotKept(Exception):
    pass


def encode(data: object, lines: Lines) -> bytes | None:
    """The parse as JSON, or None when JSON would not give it back exactly."""
    try:
        values = _encoded(data)
    except _NotKept:
        return None
    rows = [[list(path), line, column] for path, (line, column) in lines.items()]
    try:
        return json.dumps([values, rows], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except ValueError:  # a number of more digits than Python turns into text (0x followed by thousands)
        return None


def decode(blob: bytes) -> tuple[object, Lines] | None:
    """The parse `encode` made `blob` of, or None for a blob that is not one (a damaged cache entry)."""
    try:
        # a tag is a key starting with NUL, which JSON always escapes; most documents hold none
        values, rows = json.loads(blob, object_hook=_tagged) if b"\\u0000" in blob else json.loads(blob)
        return values, {tuple(path): (line, column) for path, line, column in rows}
    except (ValueError, TypeError):
        return None


def _encoded(value: object) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        assert isinstance(value, dict)
        if any(type(key) is not str or key.startswith("\0") for key in value):
            raise _NotKept
        return {key: _encoded(item) for key, item in value.items()}
    if kind is list:
        assert isinstance(value, list)
        return [_encoded(item) for item in value]
    if kind is datetime.date or kind is datetime.datetime:
        assert isinstance(value, datetime.date)
        tagged = {_TIMESTAMP if kind is datetime.datetime else _DATE: value.isoformat()}
        if repr(_tagged(tagged)) != repr(value):  # repr: equal datetimes may differ in their offset
            raise _NotKept
        return tagged
    raise _NotKept


def _tagged(mapping: dict[str, Any]) -> object:
    if len(mapping) == 1:
        if _DATE in mapping:
            return datetime.date.fromisoformat(mapping[_DATE])
        if _TIMESTAMP in mapping:
            return datetime.datetime.fromisoformat(mapping[_TIMESTAMP])
    return mapping
