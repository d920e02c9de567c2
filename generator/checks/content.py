"""Check stage: what lesson and case-study bodies link to, embed and contain; outcome wording."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Final

from generator.diagnostics import Diagnostic, error, warning
from generator.model import CaseStudy, Curriculum, Document, Lesson

MAX_MEDIA_BYTES: Final = 5 * 1024 * 1024
ALLOWED_TAGS: Final = frozenset({
    "abbr", "br", "details", "summary", "figure", "figcaption", "kbd", "mark", "small", "sub", "sup",
    "span", "div", "dl", "dt", "dd", "cite", "q", "s", "u", "wbr",
})
ALLOWED_ATTRIBUTES: Final = frozenset({"class", "id", "title", "lang", "dir", "open"})
WEB_SCHEMES: Final = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
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
    """Diagnostics: CUR240-CUR247, CUR249, CUR250."""
    lessons = {lesson.id for lesson in course.lessons}
    cases = {case.id for case in course.case_studies}
    documents: list[Lesson | CaseStudy] = [*course.lessons, *course.case_studies]
    bodies = [(item.file, item.doc) for item in documents]
    bodies += [(t.file, t.doc) for item in documents for t in item.translations]  # rendered just the same
    for file, doc in bodies:
        yield from check_document(course.root, file, doc, lessons, cases)


def check_document(root: Path, file: PurePosixPath, doc: Document, lessons: set[str], cases: set[str],
                   ) -> Iterator[Diagnostic]:
    """Every rule about a Markdown body: links, images, raw HTML and headings."""
    yield from _check_refs(root, file, doc, lessons, cases)
    yield from _check_html(file, doc)
    yield from _check_headings(file, doc)


def _check_refs(root: Path, file: PurePosixPath, doc: Document, lessons: set[str], cases: set[str],
                ) -> Iterator[Diagnostic]:
    for ref in doc.refs:
        target = ref.target.strip()
        if ref.is_image and not ref.text:
            yield error("CUR244", f"image '{target}' has no alt text", file, ref.line,
                        hint="Describe what the image shows for people who cannot see it: ![A map of ...](...).")
        scheme = _SCHEME.match(target)
        if scheme and len(scheme.group(1)) > 1:  # one letter is a Windows drive, handled as a path
            name = scheme.group(1).lower()
            rest = target[len(name) + 1:]
            if name == "lesson" and not ref.is_image:
                if rest.split("#")[0] not in lessons:
                    yield error("CUR240", f"link to unknown lesson '{rest}'", file, ref.line,
                                hint=f"Use the id from a lesson's front matter, e.g. lesson:{min(lessons) if lessons else 'U01-L1'}.")
            elif name == "case" and not ref.is_image:
                if rest.split("#")[0] not in cases:
                    yield error("CUR241", f"link to unknown case study '{rest}'", file, ref.line,
                                hint=f"Known case studies: {', '.join(sorted(cases)) or 'none'}.")
            elif name not in WEB_SCHEMES or ref.is_image:
                yield error("CUR247", f"{'image' if ref.is_image else 'link'} uses the unsupported scheme '{name}:'",
                            file, ref.line,
                            hint="Images must be files inside the project; links use https:, mailto:, lesson: or case:.")
            continue
        if not target or target.startswith("#"):
            continue
        yield from _check_local_file(root, file, target, ref.line, ref.is_image)


def _check_local_file(root: Path, file: PurePosixPath, target: str, line: int, is_image: bool,
                      ) -> Iterator[Diagnostic]:
    path_part = target.split("#")[0].split("?")[0]
    if path_part.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path_part) or "\\" in path_part:
        yield error("CUR242", f"'{target}' is an absolute path", file, line,
                    hint="Use a path relative to the file, e.g. images/map.png.")
        return
    parts: list[str] = []
    for part in (*file.parent.parts, *PurePosixPath(path_part).parts):
        if part == "..":
            if not parts:
                yield error("CUR242", f"'{target}' points outside the project", file, line,
                            hint="Keep images and files inside the project folder.")
                return
            parts.pop()
        elif part != ".":
            parts.append(part)
    resolved = root.joinpath(*parts)
    if not resolved.is_file():
        yield error("CUR243", f"{'image' if is_image else 'linked file'} '{target}' does not exist", file, line,
                    hint=f"Looked for {PurePosixPath(*parts)}; fix the path or add the file.")
        return
    try:
        resolved.resolve().relative_to(root.resolve())
    except ValueError:
        yield error("CUR250", f"'{target}' is a symbolic link to a place outside the project", file, line,
                    hint="Copy the file into the project instead of linking to it.")
        return
    if resolved.is_file() and resolved.stat().st_size > MAX_MEDIA_BYTES:
        size = resolved.stat().st_size / 1024 / 1024
        yield error("CUR245", f"'{target}' is {size:.1f} MB; files are limited to {MAX_MEDIA_BYTES // 1024 // 1024} MB",
                    file, line, hint="Compress or resize it; learners open packages over slow connections too.")


def _check_html(file: PurePosixPath, doc: Document) -> Iterator[Diagnostic]:
    for tag in doc.tags:
        if tag.name not in ALLOWED_TAGS:
            yield error("CUR246", f"raw HTML element <{tag.name}> is not allowed", file, tag.line,
                        hint="Use Markdown; raw HTML is limited to " + ", ".join(sorted(ALLOWED_TAGS)) + ".")
            continue
        for attribute in tag.attributes:
            name = attribute.split("=")[0].strip().lower()
            if name not in ALLOWED_ATTRIBUTES:
                yield error("CUR246", f"attribute '{name}' on <{tag.name}> is not allowed", file, tag.line,
                            hint="Allowed attributes: " + ", ".join(sorted(ALLOWED_ATTRIBUTES)) + ".")


def _check_headings(file: PurePosixPath, doc: Document) -> Iterator[Diagnostic]:
    previous = 1  # the page title is the only level-1 heading
    for heading in doc.headings:
        if heading.level == 1:
            yield error("CUR249", f"level-1 heading '{heading.text}' in the body", file, heading.line,
                        hint="The title is the page's only level-1 heading; start sections at '##'.")
        elif heading.level > previous + 1:
            yield error("CUR249", f"heading '{heading.text}' jumps from level {previous} to {heading.level}",
                        file, heading.line, hint=f"Use '{'#' * (previous + 1)}' here; screen readers navigate by heading level.")
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
