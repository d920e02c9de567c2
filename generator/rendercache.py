"""Render stage, incremental: reuse a unit's rendered pages when nothing that shapes them changed.

A unit's pages are a function of the compiler, the style, the interface language, the units in the package,
the programme and competence model, the unit's own sources (lessons, translations, quiz), the case studies it
lists, and what its links and images resolve to. The key covers all but the last; the entry records every link
and image resolution the render made (in order) and is used only if each resolves the same way now. Replaying
those resolutions also copies the media in the same order as a fresh render, so media names (and their
collision suffixes) come out identical. Anything else that differs makes the entry a miss and the unit renders.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from generator.cache import Cache, compiler_digest, digest, pack, unpack
from generator.model import Curriculum, UnitSource
from generator.render.html import Style, _Renderer
from generator.render.markdown import Resolved
from generator.render.site import Page, Site

KIND = "units"


class CachingRenderer(_Renderer):
    """`render_site`, taking unchanged units from `cache` and storing the units it renders."""

    def __init__(self, course: Curriculum, style: Style, units: tuple[UnitSource, ...], lang: str | None,
                 cache: Cache, site_url: str | None = None) -> None:
        super().__init__(course, style, units, lang, site_url)
        self.cache = cache
        self.base = digest(compiler_digest(), style, self.lang, repr(site_url), _repr_digest(course, course.programme),
                           _repr_digest(course, course.competences), *sorted(self.included_units))
        self._events: list[list[Any]] | None = None
        self.reused: list[str] = []
        """Codes of the units taken from the cache, for tests and reports."""

    def resolver(self, page_path: str, source: PurePosixPath):  # type: ignore[no-untyped-def]
        inner = super().resolver(page_path, source)
        events = self._events
        if events is None:
            return inner

        def recording(target: str, is_image: bool) -> Resolved:
            resolved: Resolved = inner(target, is_image)
            events.append(["link", page_path, str(source), target, is_image, *_fields(resolved)])
            return resolved

        return recording

    def _unit(self, unit: UnitSource) -> None:
        key = self._key(unit)
        payload = self.cache.get(KIND, key)
        if payload is not None and self._replay(payload):
            self.reused.append(unit.code)
            return
        pages_before, files_before, refused_before = len(self.site.pages), set(self.site.files), len(self.site.diagnostics)
        self._events = []
        try:
            super()._unit(unit)
            events = self._events
        finally:
            self._events = None
        if len(self.site.diagnostics) > refused_before:
            return  # a refused file: render this unit again next time, so that its diagnostics come again
        new_pages = self.site.pages[pages_before:]
        added = [path for path in self.site.files if path not in files_before]
        header = {"events": events, "added": added,
                  "pages": [[p.path, p.id, p.title, p.kind, p.unit_code, list(p.outcome_ids)] for p in new_pages]}
        self.cache.put(KIND, key, pack(header, [self.site.files[p.path] for p in new_pages]))

    def _key(self, unit: UnitSource) -> str:
        return self.unit_key(unit)

    def unit_key(self, unit: UnitSource) -> str:
        """The cache key of `unit`'s pages in this rendering (computable before anything is rendered)."""
        cases = [c for c in self.course.case_studies if unit.code in c.meta.unit_ids]
        # a case study serving several units is rendered under the first of them: which are done shapes the unit
        before = {u.code for u in self.units[:self.units.index(unit)]}
        done = [c.id for c in cases if any(code in before for code in c.meta.unit_ids)]
        return digest(self.base, _repr_digest(self.course, unit), *(_repr_digest(self.course, c) for c in cases), *done)

    def render_unit(self, unit: UnitSource) -> None:
        """Render (and store) one unit's pages unless the cache holds them: a worker warming the cache."""
        if not self.cache.has(KIND, self.unit_key(unit)):
            self._unit(unit)

    def _replay(self, payload: bytes) -> bool:
        try:
            header, blobs = unpack(payload)
            assert isinstance(header, dict)
            pages = [Page(path, ident, title, kind, code, tuple(outcomes))
                     for path, ident, title, kind, code, outcomes in header["pages"]]
            events, added = header["events"], header["added"]
        except (ValueError, AssertionError, KeyError, TypeError):
            return False
        if len(blobs) != len(pages):
            return False
        media_before, files_before, refused_before = dict(self.media_names), dict(self.site.files), \
            len(self.site.diagnostics)
        try:
            same = all(self._resolves_alike(event) for event in events)
        except (OSError, ValueError, TypeError, IndexError):
            same = False
        media_added = [path for path in self.site.files if path not in files_before]
        if not same or sorted(media_added + [p.path for p in pages]) != sorted(added):
            self.media_names, self.site.files = media_before, files_before
            del self.site.diagnostics[refused_before:]
            return False
        for page, html in zip(pages, blobs, strict=True):
            self.site.files[page.path] = html
            self.site.pages.append(page)
        return True

    def _resolves_alike(self, event: list[Any]) -> bool:
        _, page_path, source, target, is_image, *recorded = event
        resolved = super().resolver(page_path, PurePosixPath(source))(target, is_image)
        return list(_fields(resolved)) == recorded


_REPR_DIGESTS: list[tuple[Curriculum, dict[int, tuple[object, str]]]] = []
"""For the last few curricula rendered: id of a part -> (the part, digest of its repr)."""


def _repr_digest(course: Curriculum, part: object) -> str:
    """Digest of `repr(part)`, a part of `course`, worked out once per curriculum.

    The repr of a unit holds every lesson and translation it renders; taking it cost more than reusing the
    pages, and every style and every renderer of a build (a worker makes one per unit) took it again. Parts
    are immutable, and each entry holds its part, so no other object can come to have its id meanwhile.
    """
    digests = next((held for known, held in _REPR_DIGESTS if known is course), None)
    if digests is None:
        digests = {}
        _REPR_DIGESTS.append((course, digests))
        del _REPR_DIGESTS[:-2]  # a preview loads the curriculum again on every save: keep only the latest
    entry = digests.get(id(part))
    if entry is None or entry[0] is not part:
        entry = digests[id(part)] = (part, digest(repr(part)))
    return entry[1]


def _fields(resolved: Resolved) -> tuple[str | None, str | None, str | None]:
    return resolved.href, resolved.title, resolved.target


def render_site_cached(course: Curriculum, style: Style, unit_codes: tuple[str, ...] | None, lang: str | None,
                       cache: Cache | None, site_url: str | None = None) -> tuple[Site, tuple[str, ...]]:
    """`render_html.render_site`, reusing cached units; also returns the codes of the units reused."""
    from generator.render.html import render_site

    if cache is None:
        return render_site(course, style, unit_codes, lang, site_url), ()
    units = tuple(u for u in course.units_in_order() if unit_codes is None or u.code in unit_codes)
    renderer = CachingRenderer(course, style, units, lang, cache, site_url)
    return renderer.render(), tuple(renderer.reused)


