"""Render stage, incremental: Markdown already rendered, reused while it would come out the same.

`Memo`: texts rendered by `MarkdownRenderer.render` (quiz questions, options, feedback). Their HTML depends only on
the text, the fixed configuration and what each link and image resolves to; the sequence of resolutions asked
for depends on the text alone. So an entry keeps the HTML with the resolutions made, and is used when asking the
resolver the same questions now gives the same answers (asking has the side effects a fresh render would have,
in the same order). A build sets one per group (`ACTIVE_MEMO`), loaded from and saved to the build cache.

`HtmlStore`: what the load stage made of each source, by text, kept between builds: the sanitised HTML of every
body, and the parse of every YAML document (as JSON, generator/load/yamlmemo.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.cache import Cache
    from generator.model import Heading, Ref, Removal
    from generator.render.markdown import MarkdownRenderer, Resolved, Resolver

KIND = "markdown"


class Memo:
    def __init__(self, cache: Cache | None = None, slot: str = "", salt: str = "") -> None:
        self.cache, self.slot, self.salt = cache, slot, salt
        self.entries: dict[str, tuple[str, list[list[Any]]]] = {}
        self.used: set[str] = set()
        self.added = False
        if cache is not None:
            self._load()

    def render(self, renderer: MarkdownRenderer, text: str, resolver: Resolver) -> str:
        from generator.cache import digest

        key = digest(self.salt, renderer.new_tab_text, text)
        self.used.add(key)
        entry = self.entries.get(key)
        if entry is not None and all(_answer(resolver, call) == call[2:] for call in entry[1]):
            return entry[0]
        calls: list[list[Any]] = []

        def recording(target: str, is_image: bool) -> Resolved:
            resolved = resolver(target, is_image)
            calls.append([target, is_image, *_fields(resolved)])
            return resolved

        html = renderer.convert(text, recording)
        self.entries[key] = (html, calls)
        self.added = True
        return html

    def _load(self) -> None:
        from generator.cache import unpack

        assert self.cache is not None
        payload = self.cache.get(KIND, self.slot)
        if payload is None:
            return
        try:
            header, blobs = unpack(payload)
            assert isinstance(header, list) and len(header) == len(blobs)
            self.entries = {str(key): (blob.decode("utf-8"), list(calls))
                            for (key, calls), blob in zip(header, blobs, strict=True)}
        except (ValueError, AssertionError, TypeError, UnicodeDecodeError):
            self.entries = {}

    def save(self) -> None:
        """Store the bodies this build used (so the entry does not grow with every edit), if anything changed."""
        from generator.cache import pack

        if self.cache is None or (not self.added and self.used == set(self.entries)):
            return
        kept = sorted(k for k in self.used if k in self.entries)
        self.cache.put(KIND, self.slot, pack([[k, self.entries[k][1]] for k in kept],
                                             [self.entries[k][0].encode("utf-8") for k in kept]))


def _answer(resolver: Callable[[str, bool], Resolved], call: list[Any]) -> list[Any]:
    return list(_fields(resolver(call[0], call[1])))


def _fields(resolved: Resolved) -> tuple[str | None, str | None, str | None]:
    return resolved.href, resolved.title, resolved.target


ACTIVE_MEMO: ContextVar[Memo | None] = ContextVar("markdown_memo", default=None)


class HtmlStore:
    """The load stage's rendered and sanitised Markdown, kept between builds (one entry per project).

    Loading renders every body (its links and images are checked on the HTML that ships), which in a new process
    costs as much as the rest of a rebuild; a body whose text is unchanged takes its HTML from here. Parsing the
    YAML (front matter, unit and quiz files) is most of what is left, so a document whose text is unchanged takes
    its parse from here too (a second cache entry beside the bodies').
    """

    def __init__(self, cache: Cache | None, slot: str, salt: str) -> None:
        """With `cache` None the store lives in memory for one build (parallel loading fills it)."""
        self.cache, self.slot, self.salt = cache, slot, salt
        self.entries: dict[str, tuple[str, list[list[Any]]]] = {}
        self.used: set[str] = set()
        self.added = False
        self.contents: dict[str, list[list[Any]]] = {}
        """The links, images and headings found in a body's HTML (`load.markdown._collect`), by the HTML's key,
        as rows (`content` writes them). Saved with the bodies, in their order."""
        self.parses: dict[str, bytes] = {}
        """A YAML document's parse as JSON (`load.yamlmemo`), by the document's key."""
        self.parses_used: set[str] = set()
        self.parses_added = False
        self.html_keys: dict[str, str] = {}
        """A body's key -> its HTML's key in `contents`, where known (saved in the header, or computed once)."""
        self._last_body: tuple[str, str] | None = None
        """The key and HTML of the body `html` gave last, which `content` is asked about next."""
        from generator.cache import Salted, unpack

        self._salted = Salted(salt)

        payload = cache.get(HTML_KIND, slot) if cache is not None else None
        if payload is not None:
            try:
                header, blobs = unpack(payload)
                assert isinstance(header, list) and len(header) == len(blobs)
                for (key, rows, html_key, contents), blob in zip(header, blobs, strict=True):
                    self.entries[str(key)] = (blob.decode("utf-8"), list(rows))
                    if html_key is not None:
                        self.contents[str(html_key)] = list(contents)
                        self.html_keys[str(key)] = str(html_key)
            except (ValueError, AssertionError, TypeError, UnicodeDecodeError):
                self.entries, self.contents, self.html_keys = {}, {}, {}
        payload = cache.get(PARSE_KIND, slot) if cache is not None else None
        if payload is not None:
            try:
                keys, blobs = unpack(payload)
                assert isinstance(keys, list) and len(keys) == len(blobs)
                self.parses = {str(key): blob for key, blob in zip(keys, blobs, strict=True)}
            except (ValueError, AssertionError):
                self.parses = {}

    def known(self) -> tuple[set[str], set[str], set[str]]:
        """The keys this store holds now, for `delta` to tell what it gains later."""
        return set(self.entries), set(self.contents), set(self.parses)

    def delta(self, known: tuple[set[str], set[str], set[str]]) -> StoreDelta:
        """What this store gained since it held `known`, and what it used (a worker's answer)."""
        return ({key: self.entries[key] for key in self.entries.keys() - known[0]},
                {key: self.contents[key] for key in self.contents.keys() - known[1]}, set(self.used),
                {key: self.parses[key] for key in self.parses.keys() - known[2]}, set(self.parses_used))

    def merge(self, delta: StoreDelta) -> None:
        """Take what a worker process rendered, parsed and used (generator/load/parallel.py)."""
        entries, contents, used, parses, parses_used = delta
        self.entries.update(entries)
        self.contents.update(contents)
        self.used |= used
        self.added = self.added or bool(entries)
        self.parses.update(parses)
        self.parses_used |= parses_used
        self.parses_added = self.parses_added or bool(parses)

    def parse_of(self, text: str) -> bytes | None:
        """The parse kept for the YAML document `text` (as `keep_parse` was given it), or None."""
        key = self._parse_key(text)
        found = self.parses.get(key)
        if found is not None:
            self.parses_used.add(key)
        return found

    def keep_parse(self, text: str, parse: bytes) -> None:
        key = self._parse_key(text)
        self.parses[key] = parse
        self.parses_used.add(key)
        self.parses_added = True

    def _parse_key(self, text: str) -> str:
        return self._key("yaml", text)

    def _key(self, *parts: str) -> str:
        """`cache.digest(self.salt, *parts)`, from a hash of the salt made once."""
        return self._salted(*parts)

    def content(self, html: str, collect: Callable[[str], tuple[tuple[Ref, ...], tuple[Heading, ...]]],
                ) -> tuple[tuple[Ref, ...], tuple[Heading, ...]]:
        """`collect(html)`, from this store when the same HTML was collected before."""
        from generator.model import Heading, Ref

        key = self._html_key(html)
        rows = self.contents.get(key)
        if rows is not None:
            try:
                return (tuple(Ref(*row) for row in rows[0]), tuple(Heading(*row) for row in rows[1]))
            except (TypeError, IndexError):
                pass
        refs, headings = collect(html)
        self.contents[key] = [[[r.target, r.text, r.is_image, r.occurrence] for r in refs],
                              [[h.level, h.text, h.occurrence] for h in headings]]
        self.added = True
        return refs, headings

    def _html_key(self, html: str) -> str:
        """The key of `html`; for the HTML of the body `html` gave last (the same object), without hashing it
        again once known."""
        last = self._last_body
        if last is None or last[1] is not html:
            return self._key("html", html)
        known = self.html_keys.get(last[0])
        if known is None:
            known = self.html_keys[last[0]] = self._key("html", html)
        return known

    def html(self, text: str, render: Callable[[str], tuple[str, tuple[Removal, ...]]]) -> tuple[str, tuple[Removal, ...]]:
        from generator.model import Removal

        key = self._key(text)
        self.used.add(key)
        entry = self.entries.get(key)
        if entry is not None:
            try:
                removals = tuple(Removal(*row) for row in entry[1])
            except TypeError:
                pass
            else:
                self._last_body = (key, entry[0])
                return entry[0], removals
        html, removals = render(text)
        self.entries[key] = (html, [_removal_row(r) for r in removals])
        self.html_keys.pop(key, None)
        self._last_body = (key, html)
        self.added = True
        return html, removals

    def save(self) -> None:
        """Store the bodies and parses this build used (so the entries do not grow with every edit), if anything
        changed."""
        from generator.cache import pack

        if self.cache is not None and (self.parses_added or self.parses_used != set(self.parses)):
            kept = sorted(k for k in self.parses_used if k in self.parses)
            self.cache.put(PARSE_KIND, self.slot, pack(kept, [self.parses[k] for k in kept]))
        if self.cache is None or (not self.added and self.used == set(self.entries)):
            return
        kept = sorted(k for k in self.used if k in self.entries)
        header = []
        for key in kept:
            html_key = self.html_keys.get(key) or self._key("html", self.entries[key][0])
            known = html_key in self.contents
            header.append([key, self.entries[key][1], html_key if known else None,
                           self.contents[html_key] if known else None])
        self.cache.put(HTML_KIND, self.slot, pack(header, [self.entries[k][0].encode("utf-8") for k in kept]))


def _removal_row(removal: Removal) -> list[Any]:
    return [removal.kind, removal.element, removal.attribute, removal.value, removal.occurrence]


StoreDelta = tuple[dict[str, tuple[str, list[list[Any]]]], dict[str, list[list[Any]]], set[str],
                   dict[str, bytes], set[str]]
"""(bodies rendered, their HTML's contents, bodies used, documents parsed, parses used): what a worker's HtmlStore
adds to the build's."""
HTML_KIND = "html"
PARSE_KIND = "yaml"
ACTIVE_HTML_STORE: ContextVar[HtmlStore | None] = ContextVar("html_store", default=None)


@contextmanager
def keeping_html(cache: Cache | None, root: Path, *, in_memory: bool = False) -> Iterator[None]:
    """Within this block, the load stage takes unchanged bodies' HTML from `cache` and stores the new ones.

    Without a cache, `in_memory` still sets a store for this block alone (for the load stage's workers to fill).
    """
    from generator.cache import compiler_digest, digest

    wanted = cache is not None or in_memory
    store = HtmlStore(cache, digest(str(root.resolve())), compiler_digest()) if wanted else None
    token = ACTIVE_HTML_STORE.set(store)
    try:
        yield
    finally:
        ACTIVE_HTML_STORE.reset(token)
    if store is not None:
        store.save()
