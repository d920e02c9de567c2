"""Render stage: the in-memory site (path -> bytes) and the page index the packagers read."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from markupsafe import Markup

from generator.diagnostics import Diagnostic

PageKind = Literal["overview", "unit", "lesson", "quiz", "case", "profile"]


_KIND_ORDER = {"overview": 0, "unit": 1, "lesson": 2, "profile": 3, "quiz": 4, "case": 5}


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    """Path inside the package, POSIX, ASCII-safe."""
    id: str
    """Lesson id, unit code, case-study id or the programme id."""
    title: str
    kind: PageKind
    unit_code: str | None
    outcome_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class Site:
    """Rendered pages and copied files of one rendering style, with the pages indexed for packagers."""

    style: str
    files: dict[str, bytes] = field(default_factory=dict)
    pages: list[Page] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Files refused while rendering; a site with any is not packaged."""
    _index: _Index | None = field(default=None, init=False, repr=False, compare=False)
    derived: dict[tuple[object, ...], object] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What packagers make of this rendering alone (a cartridge's quizzes), kept for the other packages made from
    it: both cartridges carry the same QTI files."""

    def page(self, ident: str, kind: PageKind) -> Page:
        return next(p for p in self.pages if p.id == ident and p.kind == kind)

    def pages_of(self, unit_code: str) -> list[Page]:
        """The unit's description page, its lessons, the self-assessment, the quiz, then its case studies."""
        return list(self._indexed().by_unit.get(unit_code, ()))

    def support_files(self) -> list[str]:
        """Files that are not pages (stylesheet, scripts, images), sorted."""
        return list(self._indexed().support)

    def dependencies_of(self, page: Page) -> list[str]:
        """Support files a page needs: shared assets plus the media it embeds."""
        html = self.files[page.path].decode("utf-8")
        return [path for path in self._indexed().support if relative_href(page.path, path) in html
                or path.startswith("assets/")]

    def _indexed(self) -> _Index:
        """The index of the site as it is now; packagers ask once per page, so it is kept until the site grows."""
        if self._index is None or not self._index.describes(self):
            self._index = _Index.of(self)
        return self._index


@dataclass(frozen=True, slots=True)
class _Index:
    files: dict[str, bytes]
    file_count: int
    pages: list[Page]
    page_count: int
    support: tuple[str, ...]
    by_unit: dict[str | None, tuple[Page, ...]]

    @classmethod
    def of(cls, site: Site) -> _Index:
        page_paths = {p.path for p in site.pages}
        by_unit: dict[str | None, list[Page]] = {}
        for page in site.pages:
            by_unit.setdefault(page.unit_code, []).append(page)
        return cls(site.files, len(site.files), site.pages, len(site.pages),
                   tuple(sorted(path for path in site.files if path not in page_paths)),
                   {code: tuple(sorted(pages, key=lambda p: _KIND_ORDER[p.kind])) for code, pages in by_unit.items()})

    def describes(self, site: Site) -> bool:
        # Rendering only adds pages and files (or swaps in other dicts and lists, see rendercache), never removes
        # one, so the same objects of the same sizes hold the same paths. Holding the objects keeps their ids unique.
        return (site.files is self.files and len(site.files) == self.file_count
                and site.pages is self.pages and len(site.pages) == self.page_count)


def relative_href(from_page: str, target: str) -> str:
    """Relative URL from one package path to another (both POSIX, no leading slash)."""
    source = from_page.split("/")[:-1]
    dest = target.split("/")
    common = 0
    while common < len(source) and common < len(dest) - 1 and source[common] == dest[common]:
        common += 1
    return "/".join([".."] * (len(source) - common) + dest[common:])


def script_json(data: object) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' can end the element early."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
