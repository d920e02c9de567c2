"""Preview stage: load → check → render again after sources change, re-rendering only the units a change can reach.

A full render of a 1000-lesson programme takes over a second; one unit renders in a few hundredths, and loading and
checking it takes about a tenth of a second, because the load stage remembers what it made of each file's text
(generator/load/project.py) and re-parses only files whose text changed. So every refresh loads and checks everything
(a check may relate any two files), but renders only the overview plus the units whose pages can differ, and keeps
every other page from the last render.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from generator.checks import run_checks
from generator.diagnostics import Diagnostic, error, sort_key
from generator.load.project import load_project
from generator.mdmemo import ACTIVE_MEMO, Memo
from generator.model import CaseStudy, Curriculum, Document, UnitSource
from generator.render.html import _Renderer, media_path, render_site
from generator.render.site import Page, Site

SOURCE_DIRS: Final = ("curriculum", "modules", "case_studies")
"""The folders a preview watches; nothing else feeds the rendered site."""
_UNIT_SOURCES: Final = (".md", ".yaml")
MEMO_LIMIT: Final = 20_000
"""Markdown bodies remembered (every saved version adds one); past this the memo starts afresh."""


@dataclass(frozen=True, slots=True)
class Update:
    """What one refresh did: which site files changed and what the checks said."""

    changed: frozenset[str]
    """Site paths whose bytes were added, removed or differ from the previous render."""
    diagnostics: tuple[Diagnostic, ...]
    """Everything load and check reported, sorted; with errors, the previous render is kept."""
    diagnostics_changed: bool
    """The diagnostics differ from the previous refresh's, so every page's overlay does too."""
    rendered: bool
    """A new render replaced the previous one (False when the sources have errors)."""
    rendered_units: tuple[str, ...] | None = None
    """The units rendered again, in programme order; None when the whole programme was."""

    @property
    def reload_all(self) -> bool:
        """Every open page must reload: the overlay changed, or a shared asset or media file did."""
        return self.diagnostics_changed or any(not path.endswith(".html") for path in self.changed)


class Preview:
    """The rendered programme of one project, kept up to date by `refresh` as its sources change."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.site: Site | None = None
        """The last render of sources without errors; None until there has been one."""
        self.diagnostics: tuple[Diagnostic, ...] = ()
        self._course: Curriculum | None = None
        self._pending: set[PurePosixPath] | None = None
        self._memo = Memo()
        """Markdown bodies rendered so far: a unit rendered again converts only the bodies that changed."""
        """Sources touched since `site` was rendered; None when everything must be rendered again."""

    def refresh(self, touched: Iterable[Path] = ()) -> Update:
        """Load and check everything; render again what `touched` (absolute paths) can have changed.

        Diagnostics: everything `check` reports, and CUR101 when a file vanishes while it is rendered.
        """
        self._note_touched(touched)
        course, diags = load_project(self.root)
        diags = sorted(diags + run_checks(course), key=sort_key)
        if any(d.is_error for d in diags):
            return self._update(diags, frozenset(), rendered=False)
        units = self._dirty_units(course)
        try:
            site = self._render(course, units)
        except OSError as exc:  # a media file deleted between the check and the render; the next event retries
            rel = _relative(self.root, Path(exc.filename)) if exc.filename else None
            diags.append(error("CUR101", f"cannot read '{rel or exc.filename}' while rendering: {exc.strerror}", rel,
                               hint="Restore the file or remove the reference to it."))
            return self._update(diags, frozenset(), rendered=False)
        old = self.site.files if self.site else {}
        changed = frozenset(p for p in old.keys() | site.files.keys() if old.get(p) != site.files.get(p))
        self.site, self._course, self._pending = site, course, set()
        in_order = None if units is None else tuple(u.code for u in course.units_in_order() if u.code in units)
        return self._update(diags, changed, rendered=True, units=in_order)

    def _render(self, course: Curriculum, units: set[str] | None) -> Site:
        if len(self._memo.entries) > MEMO_LIMIT:
            self._memo = Memo()
        token = ACTIVE_MEMO.set(self._memo)
        try:
            return render_site(course, "package") if units is None else self._render_units(course, units)
        finally:
            ACTIVE_MEMO.reset(token)

    def _update(self, diags: list[Diagnostic], changed: frozenset[str], *, rendered: bool,
                units: tuple[str, ...] | None = None) -> Update:
        before, self.diagnostics = self.diagnostics, tuple(diags)
        return Update(changed, self.diagnostics, before != self.diagnostics, rendered, units)

    def _note_touched(self, touched: Iterable[Path]) -> None:
        for path in touched:
            rel = _relative(self.root, path)
            if rel is None or self._pending is None:
                self._pending = None
                return
            self._pending.add(rel)

    def _dirty_units(self, new: Curriculum) -> set[str] | None:
        if self._pending is None or self._course is None or self.site is None:
            return None
        return dirty_units(self._course, new, self._pending, self.site)

    def _render_units(self, course: Curriculum, units: set[str]) -> Site:
        assert self.site is not None
        return merge_sites(self.site, _UnitsRenderer(course, units).render(), units, course)


def dirty_units(old: Curriculum, new: Curriculum, touched: Iterable[PurePosixPath], site: Site) -> set[str] | None:
    """Codes of the units whose pages can differ once `touched` changed, or None when any page can.

    A unit's pages show its own folder's sources, the titles of the case studies it uses, and the paths and titles
    of the lessons and case studies its Markdown links to; programme-wide files and media feed every page.
    """
    folders: set[PurePosixPath] = set()
    case_files: set[PurePosixPath] = set()
    for rel in touched:
        parts = rel.parts
        if len(parts) < 2 or parts[0] not in ("modules", "case_studies") or media_path(rel) in site.files:
            return None  # a whole folder or curriculum/*.yaml feeds every page; a media file, any page embedding it
        if parts[0] == "modules" and (len(parts) == 2 or (len(parts) == 3 and rel.suffix in _UNIT_SOURCES)):
            folders.add(PurePosixPath(*parts[:2]))
        elif parts[0] == "case_studies" and len(parts) == 2 and rel.suffix == ".md":
            case_files.add(rel)
        # any other file is not a source and not yet embedded: only a source change can make a page show it
    courses = (old, new)
    units = [u for course in courses for u in course.units if u.folder in folders]
    cases = [c for course in courses for c in course.case_studies if c.file in case_files]
    dirty = {u.code for u in units} | {code for case in cases for code in case.meta.unit_ids}
    targets = {f"case:{case.id}" for case in cases}
    targets |= {f"lesson:{lesson.id}" for course in courses for u in course.units if u.code in dirty for lesson in u.lessons}
    dirty |= {u.code for u in new.units if any(_links_to(lesson.doc, targets) for lesson in u.lessons)}
    dirty |= {code for case in new.case_studies if _links_to(case.doc, targets) for code in case.meta.unit_ids}
    # a shared case study whose page goes with a re-rendered unit must be rendered again by its current owner
    old_owners = {case.id: _owner(case, old) for case in old.case_studies}
    dirty |= {owner for case in new.case_studies if old_owners.get(case.id) in dirty
              and (owner := _owner(case, new)) is not None}
    return dirty


def _links_to(doc: Document, targets: set[str]) -> bool:
    return any(ref.target.split("#")[0] in targets for ref in doc.refs if not ref.is_image)


class _UnitsRenderer(_Renderer):
    """The overview and only some units' pages, with links resolved against every unit exactly as a full render."""

    def __init__(self, course: Curriculum, units: set[str]) -> None:
        # mirrors render_site(course, "package"); tests compare the two page by page
        super().__init__(course, "package", course.units_in_order(), lang=None)
        self.only = units

    def _unit(self, unit: UnitSource) -> None:
        if unit.code in self.only:
            super()._unit(unit)


def merge_sites(old: Site, part: Site, units: set[str], course: Curriculum) -> Site:
    """The old site with the pages of `units` and every programme-wide page replaced by those of `part`.

    `part` holds the programme-wide pages (overview, self-assessment) and the pages of `units`. Media files of the
    old site are kept even if no page embeds them any more: serving one file too many is harmless.
    """
    owners = {case.id: _owner(case, course) for case in course.case_studies}
    fresh = [p for p in part.pages if p.kind != "case" or owners.get(p.id) == p.unit_code]
    dropped = {p.path for p in part.pages} - {p.path for p in fresh}
    fresh_paths = {p.path for p in fresh}
    stale = {p.path for p in old.pages if p.unit_code in units or p.unit_code is None or p.path in fresh_paths}
    files = {path: data for path, data in old.files.items() if path not in stale}
    files.update((path, data) for path, data in part.files.items() if path not in dropped)
    by_unit: dict[str | None, list[Page]] = {}
    for page in [p for p in old.pages if p.path not in stale] + fresh:
        by_unit.setdefault(page.unit_code, []).append(page)
    pages = by_unit.pop(None, []) + [p for unit in course.units_in_order() for p in by_unit.get(unit.code, [])]
    return Site(old.style, files, pages)


def _owner(case: CaseStudy, course: Curriculum) -> str | None:
    # a full render puts a case study shared by several units under the first of them in programme order
    return next((u.code for u in course.units_in_order() if u.code in case.meta.unit_ids), None)


def _relative(root: Path, path: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.relative_to(root).as_posix())
    except ValueError:
        return None
