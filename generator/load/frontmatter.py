"""Load stage: split a Markdown file into YAML front matter and body."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^---[ \t]*$")
_END = re.compile(r"^(---|\.\.\.)[ \t]*$")


@dataclass(frozen=True, slots=True)
class Split:
    front_matter: str
    body: str
    body_line: int
    """1-based file line on which the body starts."""


def split_front_matter(text: str) -> Split | None:
    """Return the front matter and body, or None when the file does not open with `---`."""
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")):
        return None
    for index in range(1, len(lines)):
        if _END.match(lines[index].rstrip("\r\n")):
            return Split("".join(lines[1:index]), "".join(lines[index + 1:]), index + 2)
    return None


def join_front_matter(front_matter: str, body: str) -> str:
    """Inverse of `split_front_matter` (used by `curriculum new` and the round-trip property test)."""
    if front_matter and not front_matter.endswith("\n"):
        front_matter += "\n"
    return f"---\n{front_matter}---\n{body}"
