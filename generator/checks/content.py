"""Check stage: what lesson and case-study bodies link to, embed and contain; outcome wording."""

from __future__ import annotations

import re
import stat
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path, PurePosixPath
from typing import Final

from generator.diagnostics import Diagnostic, error, warning
from generator.load.markdown import MAX_MARKUP_PER_BLOCK, locate
from generator.load.sanitise import ALLOWED_ATTRIBUTES, url_scheme
from generator.model import CaseStudy, Curriculum, Document, Heading, Lesson, Ref, Removal

MAX_MEDIA_BYTES: Final = 5 * 1024 * 1024
MAX_LISTED_PER_TEXT: Final = 20
WEB_SCHEMES: Final = frozenset({"http", "https", "mailto"})
ACTION_VERBS: Final = frozenset("""
adapt address adjust advise agree allocate analyse analyze anticipate apply appraise argue arrange
articulate assess assign attract audit balance benchmark brief broker budget build calculate carry
categorise chair challenge chart choose cite clarify classify coach collaborate collect combine
commission communicate compare compile compose conduct configure construct consult contrast
contribute convene coordinate create critique debate decide deduce define delegate deliver
demonstrate derive describe design detect determine develop devise diagnose differentiate direct
discuss distinguish document draft draw engage establish estimate evaluate examine execute explain
explore facilitate forecast formulate frame gather generate govern guide identify illustrate
implement improve infer influence initiate integrate interpret interview investigate judge justify
lead list locate manage map market measure mediate mentor moderate modify monitor motivate
negotiate name operate orchestrate organise organize outline perform persuade pitch plan position
predict prepare present prioritise prioritize produce promote propose prototype publish rank rate
realign recognise recognize recommend reconcile recruit reflect relate report represent research
resolve respond review revise run scope select sequence set share sketch solve specify steer
structure summarise summarize supervise support survey synthesise synthesize tailor teach test
trace train transfer translate use validate verify weigh write take act acquire exercise maintain
handle sustain champion own
""".split())


def check_bodies(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR240-CUR247, CUR249-CUR251, CUR254, CUR255."""
    lessons = {lesson.id for lesson in course.lessons}
    cases = {case.id for case in course.case_studies}
    documents: list[Lesson | CaseStudy] = [*course.lessons, *course.case_studies]
    bodies = [(item.file, item.doc) for item in documents]
    bodies += [(t.file, t.doc) for item in documents for t in item.translations]  # rendered just the same
    for file, doc in bodies:
        yield from check_document(course.root, file, doc, lessons, cases)


Locator = Callable[[Ref | Heading | Removal], int]


def check_document(root: Path, file: PurePosixPath, doc: Document, lessons: set[str], cases: set[str],
                   line_of: Locator | None = None) -> Iterator[Diagnostic]:
    """Every rule about a rendered Markdown body: what sanitising removed, links, images and headings.

    `line_of` gives a finding's file line (default: the body line by which it exists).
    """
    if doc.overloaded_line is not None:
        yield error("CUR254", f"this paragraph holds more than {MAX_MARKUP_PER_BLOCK} '[' and '<'; it is not rendered",
                    file, line_of(Ref("")) if line_of else doc.overloaded_line,
                    hint="Split it into smaller paragraphs; Markdown takes too long on so many brackets in one.")
        return
    located = 0

    def where(found: Ref | Heading | Removal) -> int:
        nonlocal located
        located += 1  # each line costs a few renders of the body: a hostile text with thousands stays quick
        if line_of is not None:
            return line_of(found)
        return locate(doc, found) if located <= MAX_LISTED_PER_TEXT else doc.body_line

    found = chain(_check_removals(file, doc, where), _check_refs(root, file, doc, lessons, cases, where),
                  _check_headings(file, doc, where))
    rest: list[str] = []
    for number, diagnostic in enumerate(found):
        if number < MAX_LISTED_PER_TEXT:
            yield diagnostic
        else:
            rest.append(diagnostic.code)
    if rest:
        counts = ", ".join(f"{code} ×{n}" for code, n in sorted(Counter(rest).items()))
        yield error("CUR255", f"{len(rest)} more problems in this text are not listed ({counts})", file,
                    doc.body_line, hint="Fix the problems listed first; check again to see the rest.")


def _check_removals(file: PurePosixPath, doc: Document, where: Locator) -> Iterator[Diagnostic]:
    for removal in doc.removals:
        line = where(removal)
        if removal.kind == "element":
            yield error("CUR246", f"HTML element <{removal.element}> is not allowed and is removed", file, line,
                        hint="Use Markdown, or an element that docs/authoring.md lists under 'Raw HTML'.")
        elif removal.kind == "attribute" and removal.attribute == "id":
            yield error("CUR246", f"id '{_shorten(removal.value)}' on <{removal.element}> is removed: ids are lower case "
                                  "and not one the page itself uses", file, line,
                        hint="Use a lower-case id such as 'worked-example'; an upper-case id or one of the page's own "
                             "(e.g. 'end-of-lesson') would shadow what the page's scripts look for.")
        elif removal.kind == "attribute":
            allowed = sorted(ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(removal.element, frozenset()))
            yield error("CUR246", f"attribute '{removal.attribute}' on <{removal.element}> is not allowed and is removed",
                        file, line, hint=f"Allowed on <{removal.element}>: {', '.join(allowed)}.")
        elif removal.kind == "url" and len(url_scheme(removal.value) or "") == 1:
            yield error("CUR242", f"'{_shorten(removal.value)}' is an absolute Windows path", file, line,
                        hint="Use a path relative to the file, e.g. images/map.png.")
        elif removal.kind == "url":
            yield error("CUR247", f"{removal.attribute} '{_shorten(removal.value)}' on <{removal.element}> uses the "
                                  f"unsupported scheme '{url_scheme(removal.value)}:'", file, line,
                        hint="Links use https:, mailto:, lesson: or case:; images are files inside the project.")
        else:
            yield error("CUR251", "the HTML sanitiser changes this part of the text", file, line,
                        hint="Simplify the raw HTML here to elements and attributes docs/authoring.md lists.")


def _shorten(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def _check_refs(root: Path, file: PurePosixPath, doc: Document, lessons: set[str], cases: set[str],
                where: Locator) -> Iterator[Diagnostic]:
    for ref in doc.refs:
        target = ref.target.strip()
        if ref.is_image and not ref.text:
            yield error("CUR244", f"image '{_shorten(target)}' has no alt text", file, where(ref),
                        hint="Describe what the image shows for people who cannot see it: ![A map of ...](...).")
        name = url_scheme(target)
        if name is not None:
            rest = target.split(":", 1)[1]
            if name == "lesson" and not ref.is_image:
                if rest.split("#")[0] not in lessons:
                    yield error("CUR240", f"link to unknown lesson '{rest}'", file, where(ref),
                                hint=f"Use the id from a lesson's front matter, e.g. lesson:{min(lessons) if lessons else 'U01-L1'}.")
            elif name == "case" and not ref.is_image:
                if rest.split("#")[0] not in cases:
                    yield error("CUR241", f"link to unknown case study '{rest}'", file, where(ref),
                                hint=f"Known case studies: {', '.join(sorted(cases)) or 'none'}.")
            elif name not in WEB_SCHEMES or ref.is_image:
                yield error("CUR247", f"{'image' if ref.is_image else 'link'} uses the unsupported scheme '{name}:'",
                            file, where(ref),
                            hint="Images must be files inside the project; links use https:, mailto:, lesson: or case:.")
            continue
        if not target or target.startswith("#"):
            continue
        problem = media_problem(root, file, target, "image" if ref.is_image else "linked file")
        if problem is not None:
            code, message, hint = problem
            yield error(code, message, file, where(ref), hint=hint)


def media_problem(root: Path, file: PurePosixPath, target: str, noun: str = "linked file",
                  ) -> tuple[str, str, str] | None:
    """Why a local link or image target of `file` may not ship, or None: (code, message, hint).

    The build asks again when it copies the file, so a file swapped between check and build is refused too.
    """
    shown = _shorten(target)
    path_part = target.split("#")[0].split("?")[0]
    if path_part.startswith(("/", "\\")) or "\\" in path_part:
        return "CUR242", f"'{shown}' is an absolute path", "Use a path relative to the file, e.g. images/map.png."
    relative = media_source(file, path_part)
    if relative is None:
        return "CUR242", f"'{shown}' points outside the project", "Keep images and files inside the project folder."
    path = root / relative
    try:
        real = path.resolve(strict=True)
        real.relative_to(root.resolve())
    except (OSError, RuntimeError):
        return ("CUR243", f"{noun} '{shown}' does not exist",
                f"Looked for {relative}; fix the path or add the file.")
    except ValueError:
        return ("CUR250", f"'{shown}' is a symbolic link to a place outside the project",
                "Copy the file into the project instead of linking to it.")
    try:
        status = real.stat()
    except OSError:
        return "CUR243", f"{noun} '{shown}' does not exist", f"Looked for {relative}; fix the path or add the file."
    if not stat.S_ISREG(status.st_mode):
        return ("CUR243", f"{noun} '{shown}' is not a regular file",
                "Link to an ordinary file; folders, devices and pipes cannot be packaged.")
    if status.st_size > MAX_MEDIA_BYTES:
        return ("CUR245", f"'{shown}' is {status.st_size / 1024 / 1024:.1f} MB; files are limited to "
                          f"{MAX_MEDIA_BYTES // 1024 // 1024} MB",
                "Compress or resize it; learners open packages over slow connections too.")
    return None


def media_source(file: PurePosixPath, target: str) -> PurePosixPath | None:
    """The project-relative path a relative link or image of `file` names, or None if it climbs above the root."""
    parts: list[str] = []
    for part in (*file.parent.parts, *PurePosixPath(target).parts):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return PurePosixPath(*parts) if parts else None


def _check_headings(file: PurePosixPath, doc: Document, where: Locator) -> Iterator[Diagnostic]:
    previous = 1  # the page title is the only level-1 heading
    for heading in doc.headings:
        if heading.level == 1:
            yield error("CUR249", f"level-1 heading '{heading.text}' in the body", file, where(heading),
                        hint="The title is the page's only level-1 heading; start sections at '##'.")
        elif heading.level > previous + 1:
            yield error("CUR249", f"heading '{heading.text}' jumps from level {previous} to {heading.level}",
                        file, where(heading), hint=f"Use '{'#' * (previous + 1)}' here; screen readers navigate by heading level.")
        previous = max(heading.level, 1)


def check_outcome_wording(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR248."""
    for unit in course.units:
        for i, outcome in enumerate(unit.unit.learning_outcomes):
            first = re.split(r"[\s,;:]+", outcome.text.strip(), maxsplit=1)[0].lower()
            if first not in ACTION_VERBS:
                yield warning("CUR248", f"outcome '{outcome.id}' starts with '{first}', not an action verb", unit.file,
                              unit.positions.line("learning_outcomes", i, "text"),
                              hint="Start with an observable verb such as Explain, Analyse, Design, Lead or Evaluate.")
