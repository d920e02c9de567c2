"""Load stage: Markdown to sanitised HTML, and what that HTML links to, embeds and is headed by.

`check` and the render stage both read the `Document` made here, so what is checked is what ships.
Python-Markdown keeps no source positions; the line of a finding is the first line of the body by
which it exists, found by rendering prefixes of the body (`locate`), only for findings that are reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Final, TypeVar

import markdown
from markdown.extensions.toc import slugify

from generator.load.sanitise import is_allowed_id, parse_fragment, sanitise
from generator.mdmemo import ACTIVE_HTML_STORE
from generator.model import Document, Heading, Ref, Removal

T = TypeVar("T", Ref, Heading)

EXTENSIONS = ["fenced_code", "tables", "footnotes", "admonition", "attr_list", "def_list", "abbr", "sane_lists",
              "md_in_html", "toc"]


def _slugify(value: str, separator: str) -> str:
    """toc's heading ids, kept off the ids our pages use (a heading 'End of lesson' would take `end-of-lesson`)."""
    slug = slugify(value, separator)
    return slug if is_allowed_id(slug) or not slug else f"{slug}{separator}section"


EXTENSION_CONFIGS: dict[str, dict[str, object]] = {
    "toc": {"permalink": False, "slugify": _slugify},
    "footnotes": {"BACKLINK_TITLE": "Back to the text"},
    "tables": {"use_align_attribute": True},  # the pages' Content-Security-Policy blocks style attributes
}
MAX_MARKUP_PER_BLOCK: Final = 1000
"""Python-Markdown's inline parsing takes time quadratic in the '[' and '<' of a paragraph (nested or unclosed
links, footnote references, inline tags): 3000 '[x](' take seconds, 30 000 would take minutes. Real paragraphs
and tables hold a few dozen."""
MAX_LOCATE_CHARS: Final = 256 * 1024
"""Beyond this, a finding is reported at the body's first line: locating renders the body a dozen times."""
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_local = threading.local()  # a Markdown instance keeps state while it converts; preview renders from threads


def _markdown() -> markdown.Markdown:
    if not hasattr(_local, "md"):
        _local.md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html")
    md: markdown.Markdown = _local.md
    return md


def warm_up() -> None:
    """Build this thread's Markdown converter now (before forking workers, which then inherit it)."""
    _markdown()


def read_markdown(body: str, body_line: int = 1, *, cached: bool = True) -> Document:
    """Render and sanitise a body; collect its links, images and headings from the HTML that ships.

    A body with a paragraph too dense in markup to render in reasonable time is not rendered at all.
    """
    if not cached:
        return _read(body, body_line, _render)
    return _read_cached(body, body_line) if memo_allowed() else _read(body, body_line, safe_html)


def memo_allowed() -> bool:
    """Whether in-process memos of load results may answer: not while a build's HtmlStore must see every body."""
    return ACTIVE_HTML_STORE.get() is None


@lru_cache(maxsize=8192)
def _read_cached(body: str, body_line: int) -> Document:
    # keyed by the whole text: a Document is immutable and depends on nothing else, so the preview's next
    # refresh and `check` after `load` reuse it instead of parsing the same HTML again
    return _read(body, body_line, safe_html)


def _read(body: str, body_line: int, render: Callable[[str], tuple[str, tuple[Removal, ...]]]) -> Document:
    overloaded = overloaded_block(body)
    if overloaded is not None:
        return Document(body, body_line, overloaded_line=body_line + overloaded - 1)
    html, removals = render(body)
    store = ACTIVE_HTML_STORE.get()
    refs, headings = store.content(html, _collect) if store is not None else _collect(html)
    return Document(body, body_line, html, refs, removals, headings)


def safe_html(text: str) -> tuple[str, tuple[Removal, ...]]:
    """The sanitised HTML of one Markdown text and what sanitising removed ('' for an overloaded text).

    Cached: `check` and the render stage ask for the same texts, quiz texts once per format; a build also keeps
    them between runs (generator/mdmemo.py, HtmlStore).
    """
    store = ACTIVE_HTML_STORE.get()
    return store.html(text, _render_memo) if store is not None else _render_memo(text)


def forget_memos() -> None:
    """Drop this process's memos of rendered bodies (as if in a new process)."""
    _read_cached.cache_clear()
    _render_memo.cache_clear()


@lru_cache(maxsize=8192)
def _render_memo(text: str) -> tuple[str, tuple[Removal, ...]]:
    return _render(text)


def _render(text: str) -> tuple[str, tuple[Removal, ...]]:
    if overloaded_block(text) is not None:
        return "", ()
    md = _markdown()
    try:
        return sanitise(md.reset().convert(text))
    finally:
        md.reset()  # keeps footnotes, abbreviations and heading ids of texts apart


def overloaded_block(text: str) -> int | None:
    """Line (1-based, within `text`) of the first block holding more than MAX_MARKUP_PER_BLOCK '[' and '<'."""
    if text.count("[") + text.count("<") <= MAX_MARKUP_PER_BLOCK:
        return None  # no block holds more than the whole text: most texts are done here, without splitting lines
    count, start = 0, 1
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            count, start = 0, number + 1
            continue
        count += line.count("[") + line.count("<")
        if count > MAX_MARKUP_PER_BLOCK:
            return start
    return None


def _collect(html: str) -> tuple[tuple[Ref, ...], tuple[Heading, ...]]:
    refs: list[Ref] = []
    headings: list[Heading] = []
    for element in parse_fragment(html).iterdescendants():
        if element.tag == "a" and element.get("href") is not None:
            refs.append(Ref(element.get("href", ""), element.text_content().strip()))
        elif element.tag == "img" and element.get("src") is not None:
            refs.append(Ref(element.get("src", ""), (element.get("alt") or "").strip(), is_image=True))
        elif element.tag in _HEADINGS:
            headings.append(Heading(int(element.tag[1]), " ".join(element.text_content().split())))
    return tuple(_numbered(refs, _ref_key)), tuple(_numbered(headings, _heading_key))


def _ref_key(ref: Ref) -> tuple[object, ...]:
    return ref.target, ref.is_image


def _heading_key(heading: Heading) -> tuple[object, ...]:
    return heading.level, heading.text


def _removal_key(removal: Removal) -> tuple[object, ...]:
    return removal.kind, removal.element, removal.attribute, removal.value


def _numbered(items: list[T], key: Callable[[T], tuple[object, ...]]) -> list[T]:
    seen: dict[tuple[object, ...], int] = {}
    numbered = []
    for item in items:
        count = seen.get(key(item), 0)
        seen[key(item)] = count + 1
        numbered.append(replace(item, occurrence=count))
    return numbered


def locate(doc: Document, found: Ref | Heading | Removal) -> int:
    """File line of a link, image, heading or removal of `doc`: the first body line by which it exists."""
    key, items = _key_and_items(found)
    if len(doc.body) > MAX_LOCATE_CHARS:
        return doc.body_line
    lines = doc.body.split("\n")

    def exists_by(count: int) -> bool:
        prefix = read_markdown("\n".join(lines[:count]), cached=False)  # prefixes would crowd the cache
        return sum(1 for item in items(prefix) if key(item) == key(found)) > found.occurrence

    guess = _guess(lines, found)
    if guess is not None and exists_by(guess) and (guess == 1 or not exists_by(guess - 1)):
        return doc.body_line + guess - 1  # two renders instead of a dozen, when the text says where
    low, high = 1, len(lines)
    if not exists_by(high):
        return doc.body_line
    while low < high:
        middle = (low + high) // 2
        if exists_by(middle):
            high = middle
        else:
            low = middle + 1
    return doc.body_line + low - 1


def _guess(lines: list[str], found: Ref | Heading | Removal) -> int | None:
    """The line (1-based) where the source text of `found` appears for the occurrence-th time, if it does."""
    if isinstance(found, Ref):
        needle = found.target
    elif isinstance(found, Heading):
        needle = found.text
    else:
        needle = {"element": f"<{found.element}", "attribute": found.attribute, "url": found.value}.get(found.kind, "")
    needle = needle.lower()
    if not needle:
        return None
    seen = 0
    for number, line in enumerate(lines, start=1):
        seen += line.lower().count(needle)
        if seen > found.occurrence:
            return number
    return None


def _key_and_items(found: Ref | Heading | Removal,
                   ) -> tuple[Callable[[object], tuple[object, ...]], Callable[[Document], tuple[object, ...]]]:
    if isinstance(found, Ref):
        return lambda item: _ref_key(item) if isinstance(item, Ref) else (), lambda doc: doc.refs
    if isinstance(found, Heading):
        return lambda item: _heading_key(item) if isinstance(item, Heading) else (), lambda doc: doc.headings
    return lambda item: _removal_key(item) if isinstance(item, Removal) else (), lambda doc: doc.removals
