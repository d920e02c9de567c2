"""Load stage: one line scan of a Markdown body for links, images, raw HTML and headings.

Python-Markdown keeps no source positions, so the checks that need a line read what this scan found.
"""

from __future__ import annotations

import re

from generator.model import Document, Heading, HtmlTag, Ref

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
# A destination is <anything but angle brackets> or a run without spaces; a title may follow.
_DESTINATION = r"\(\s*(?:<([^<>\n]*)>|([^)\s]*))(?:\s+[\"'(][^)]*)?\)"
_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\]]*\])*)\]" + _DESTINATION)
_LINK = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\]]*\])*)\]" + _DESTINATION)
_REF_DEF = re.compile(r"^\s{0,3}\[(?!\^)([^\]]+)\]:\s*<?(\S+?)>?(?:\s.*)?$")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp|javascript|data|file):[^>\s]*)>", re.IGNORECASE)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*(/?)>")
_COMMENT = re.compile(r"<!--.*?-->")
_COMMENT_MULTILINE = re.compile(r"<!--.*?-->", re.DOTALL)
_ATTR = re.compile(r"([^\s=/\"'<>]+)(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")


def scan_markdown(body: str, body_line: int) -> Document:
    """Find every link, image, raw HTML tag and ATX heading outside code, with its file line."""
    refs: list[Ref] = []
    headings: list[Heading] = []
    fence: str | None = None
    outside_code: list[str] = []  # the body with code blanked out, line for line, for the tag scan
    for offset, raw in enumerate(body.splitlines()):
        line_no = body_line + offset
        fence_match = _FENCE.match(raw)
        if fence:
            if fence_match and fence_match.group(1)[0] == fence[0] and len(fence_match.group(1)) >= len(fence):
                fence = None
            outside_code.append("")
            continue
        if fence_match:
            fence = fence_match.group(1)
            outside_code.append("")
            continue
        line = _CODE_SPAN.sub("", raw)
        outside_code.append(line)
        line = _COMMENT.sub("", line)
        heading = _HEADING.match(line)
        if heading:
            headings.append(Heading(len(heading.group(1)), (heading.group(2) or "").strip(), line_no))
        for match in _IMAGE.finditer(line):
            refs.append(Ref(_target(match), line_no, match.group(1).strip(), is_image=True))
        for match in _LINK.finditer(_IMAGE.sub("", line)):
            refs.append(Ref(_target(match), line_no, match.group(1).strip()))
        definition = _REF_DEF.match(line)
        if definition:
            refs.append(Ref(definition.group(2), line_no, definition.group(1)))
        for match in _AUTOLINK.finditer(line):
            refs.append(Ref(match.group(1), line_no, match.group(1)))
    tags = _scan_tags("\n".join(outside_code), body_line)
    return Document(body, body_line, tuple(refs), tuple(tags), tuple(headings))


def _target(match: re.Match[str]) -> str:
    return match.group(2) if match.group(2) is not None else match.group(3)


def _scan_tags(text: str, body_line: int) -> list[HtmlTag]:
    """Raw HTML tags, also those an author (or an attacker) splits across lines."""
    text = _COMMENT_MULTILINE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    text = _AUTOLINK.sub("", text)
    tags = []
    for match in _TAG.finditer(text):
        if match.group(1):  # a closing tag says nothing its opening tag did not
            continue
        attributes = tuple(a.group(0) for a in _ATTR.finditer(match.group(3)))
        line = body_line + text.count("\n", 0, match.start())
        tags.append(HtmlTag(match.group(2).lower(), attributes, line, match.group(0)))
    return tags
