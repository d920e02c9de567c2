"""Load stage: the one allow-list of HTML a page may carry, enforced on what Python-Markdown renders.

Safety is decided on the rendered HTML, never on the Markdown source: Markdown joins lines, unescapes
and builds attributes (attr_list) in ways a scan of the source cannot follow (issue #17). `nh3` (the
Rust sanitiser ammonia) removes whatever the allow-list does not name; to report each removal, the same
HTML is also read by nh3 with nothing removed and compared, element by element, against the allow-list.
docs/authoring.md lists the allow-list for authors; keep the two in step.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Final

import lxml.html
import nh3
from lxml import etree

from generator.model import Removal

ALLOWED_ELEMENTS: Final = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
"""Everything Python-Markdown and its extensions write, plus the inline and block elements authors may add."""
ALLOWED_ATTRIBUTES: Final[dict[str, frozenset[str]]] = {
    "*": frozenset({"class", "id", "title", "lang", "dir"}),
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "details": frozenset({"open"}),
    "ol": frozenset({"start", "reversed"}),
    "td": frozenset({"align", "colspan", "rowspan"}),
    "th": frozenset({"align", "colspan", "rowspan", "scope"}),
    "time": frozenset({"datetime"}),
}
"""No event handlers, no `style` (the pages' Content-Security-Policy would block it anyway), no `src` but on <img>."""
URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "lesson", "case"})
"""Schemes a link may use; a path without a scheme is a file inside the project (checked on its own)."""
URL_ATTRIBUTES: Final = frozenset({"href", "src"})
REMOVED_WITH_CONTENT: Final = frozenset({
    "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "textarea", "select", "title", "xmp", "noembed", "noframes", "audio", "video", "canvas", "head",
})
"""Elements whose content is code or markup of another language: dropped whole, not unwrapped."""

RESERVED_IDS: Final = frozenset({
    "content", "credit-heading", "end-of-lesson", "meetings-heading", "partners-heading", "paths-heading", "profile-data",
    "profile-fields", "profile-gaps", "profile-heading", "profile-results", "profile-status", "profile-summary",
    "profile-units", "quiz", "quiz-key", "quiz-result", "results-heading", "self-assessment", "timeline-desc",
    "timeline-heading", "timeline-title", "ui-strings", "units-heading",
})
"""Ids our templates give and our scripts look up: a body using one would be found first (DOM clobbering)."""
_ID = re.compile(r"[a-z0-9_][a-z0-9:._-]*")
"""Lower case only: an element's id also names a global (`window.API`), and the SCORM runtime looks for `API`."""

_TAG_NAME = re.compile(r"<([A-Za-z][^\t\n\f\r />]*)")
# starts only where a run of scheme characters starts, so a long run without a colon is read once, not once per letter
_SCHEME_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+.\-])([A-Za-z][A-Za-z0-9+.\-]*):")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def sanitise(rendered: str) -> tuple[str, tuple[Removal, ...]]:
    """The HTML that ships, and every removal the allow-list made from `rendered`."""
    clean = nh3.clean(rendered, tags=set(ALLOWED_ELEMENTS), clean_content_tags=set(REMOVED_WITH_CONTENT),
                      attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
                      url_schemes=set(URL_SCHEMES), strip_comments=True, link_rel=None, attribute_filter=_keep_id)
    if clean == rendered:
        return clean, ()  # nothing changed, so nothing was removed: the common case, at a third of the cost
    as_parsed = _parse_keeping_everything(rendered)
    removals = list(_removals(parse_fragment(as_parsed)))
    if not removals and clean != as_parsed:
        # a rule above and ammonia's disagree; report it rather than ship a change nobody was told of
        removals.append(Removal("other", "html"))
    return clean, tuple(_numbered(removals))


def parse_fragment(fragment: str) -> lxml.html.HtmlElement:
    """A `<div>` holding the fragment, as the check and the render stage both read it."""
    return lxml.html.fragment_fromstring(fragment or "", create_parent="div")


def is_allowed_id(value: str) -> bool:
    return _ID.fullmatch(value) is not None and value not in RESERVED_IDS and not value.startswith("q-")


def _keep_id(element: str, attribute: str, value: str) -> str | None:
    return value if attribute != "id" or is_allowed_id(value) else None


def url_scheme(value: str) -> str | None:
    """The scheme a browser (and ammonia) reads in a URL attribute: blanks around and tabs or newlines inside do not count."""
    stripped = value.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(stripped)
    return match.group(1).lower() if match else None


def _parse_keeping_everything(rendered: str) -> str:
    """`rendered` as ammonia's HTML5 parser reads it, with nothing removed but comments.

    Reading through nh3 too means a comment such as `<!-->` or a stray `>` in an attribute is understood
    exactly as by the sanitiser that decides what ships (and as by browsers).
    """
    tags = {name.lower() for name in _TAG_NAME.findall(rendered)} | set(ALLOWED_ELEMENTS)
    unescaped = html.unescape(rendered).replace("\t", "").replace("\n", "").replace("\r", "")
    schemes = {name.lower() for name in _SCHEME_CANDIDATE.findall(unescaped)} | set(URL_SCHEMES)
    return nh3.clean(rendered, tags=tags, clean_content_tags=set(), generic_attribute_prefixes={""},
                     url_schemes=schemes, strip_comments=True, link_rel=None)


def _removals(root: lxml.html.HtmlElement) -> Iterator[Removal]:
    skip: set[etree._Element] = set()
    for element in root.iterdescendants():
        if not isinstance(element.tag, str) or element in skip:
            continue
        tag = element.tag.lower()
        if tag not in ALLOWED_ELEMENTS:
            yield Removal("element", tag)
            if tag in REMOVED_WITH_CONTENT:
                skip.update(element.iterdescendants())
            continue
        allowed = ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(tag, frozenset())
        for name, value in element.attrib.items():
            if name.lower() not in allowed or (name.lower() == "id" and not is_allowed_id(value)):
                yield Removal("attribute", tag, name.lower(), value)
            elif name.lower() in URL_ATTRIBUTES and (scheme := url_scheme(value)) and scheme not in URL_SCHEMES:
                yield Removal("url", tag, name.lower(), value)


def _numbered(removals: list[Removal]) -> Iterator[Removal]:
    seen: dict[Removal, int] = {}
    for removal in removals:
        count = seen.get(removal, 0)
        seen[removal] = count + 1
        yield replace(removal, occurrence=count)
