"""Load stage: one line scan of a Markdown body for links, images, raw HTML and headings.

Python-Markdown keeps no source positions, so the checks that need a line read what this scan found.
"""

from __future__ import annotations

import re

from generator.model import Document, Heading, HtmlTag, Ref

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_REF_DEF = re.compile(r"^\s{0,3}\[(?!\^)([^\]]+)\]:\s*<?(\S+?)>?(?:\s.*)?$")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp|javascript|data|file):[^>\s]*)>", re.IGNORECASE)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_COMMENT = re.compile(r"<!--.*?-->")
_ATTR = re.compile(r"([^\s=/\"'<>]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")


def scan_markdown(body: str, body_line: int) -> Document:
    """Find every link, image, raw HTML tag and ATX heading outside code, with its file line."""
    refs: list[Ref] = []
    tags: list[HtmlTag] = []
    headings: list[Heading] = []
    fence: str | None = None
    for offset, raw in enumerate(body.splitlines()):
        line_no = body_line + offset
        fence_match = _FENCE.match(raw)
        if fence:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            continue
        if fence_match:
            fence = fence_match.group(1)
            continue
        line = _COMMENT.sub("", _CODE_SPAN.sub("", raw))
        heading = _HEADING.match(line)
        if heading:
            headings.append(Heading(len(heading.group(1)), (heading.group(2) or "").strip(), line_no))
        for match in _IMAGE.finditer(line):
            refs.append(Ref(match.group(2), line_no, match.group(1).strip(), is_image=True))
        for match in _LINK.finditer(_IMAGE.sub("", line)):
            refs.append(Ref(match.group(2), line_no, match.group(1).strip()))
        definition = _REF_DEF.match(line)
        if definition:
            refs.append(Ref(definition.group(2), line_no, definition.group(1)))
        for match in _AUTOLINK.finditer(line):
            refs.append(Ref(match.group(1), line_no, match.group(1)))
        for match in _TAG.finditer(_AUTOLINK.sub("", line)):
            if match.group(1):  # a closing tag says nothing its opening tag did not
                continue
            attributes = tuple(a.group(0) for a in _ATTR.finditer(match.group(3)))
            tags.append(HtmlTag(match.group(2).lower(), attributes, line_no, match.group(0)))
    return Document(body, body_line, tuple(refs), tuple(tags), tuple(headings))
