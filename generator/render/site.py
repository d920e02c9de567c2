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

    def page(self, ident: str, kind: PageKind) -> Page:
        return next(p for p in self.pages if p.id == ident and p.kind == kind)

    def pages_of(self, unit_code: str) -> list[Page]:
        """The unit's description page, its lessons, the self-assessment, the quiz, then its case studies."""
        return sorted((p for p in self.pages if p.unit_code == unit_code), key=lambda p: _KIND_ORDER[p.kind])

    def support_files(self) -> list[str]:
        """Files that are not pages (stylesheet, scripts, images), sorted."""
        page_paths = {p.path for p in self.pages}
        return sorted(path for path in self.files if path not in page_paths)

    def dependencies_of(self, page: Page) -> list[str]:
        """Support files a page needs: shared assets plus the media it embeds."""
        html = self.files[page.path].decode("utf-8")
        return [path for path in self.support_files() if relative_href(page.path, path) in html
                or path.startswith("assets/")]


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
