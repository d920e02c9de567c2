"""Render stage: every lesson, unit description, case study and the programme overview as HTML pages.

Three styles: `package` pages carry our theme, navigation and SCORM runtime (SCORM and IMS CP run them in
their own frame); `cc` pages are plain semantic HTML, because Moodle keeps only a Common Cartridge
page's <body> and breaks links between page files (see MOODLE.md); `moodle` pages are plain like `cc`,
but links to lessons and case studies keep a `page-id:<id>` href that the Moodle backup rewrites into
Moodle's own link to the page activity.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from jinja2 import BytecodeCache, Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from markupsafe import Markup

from generator.checks.content import MAX_MEDIA_BYTES, media_problem, media_source
from generator.diagnostics import error
from generator.i18n import N_, translations
from generator.load.files import UnsafeFile, read_bytes_safely
from generator.model import CaseStudy, Curriculum, Document, Lesson, UnitSource
from generator.numbers import plain_decimal
from generator.render.markdown import MarkdownRenderer, Resolved

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
from generator.render.quiz import QuizRenderer, quiz_id
from generator.render.selfassessment import PAGE as PROFILE_PAGE
from generator.render.selfassessment import PAGE_ID as PROFILE_ID
from generator.render.selfassessment import package_name as self_assessment_package_name
from generator.render.selfassessment import self_assessment_data
from generator.render.site import Page, Site, relative_href
from generator.render.timeline import layout_timeline
from generator.render.ui_strings import ui_strings_json

Style = Literal["package", "cc", "moodle"]
MOODLE_LINK = "page-id:"
"""Prefix of lesson and case-study links in `moodle` pages; nothing an author writes can produce it."""
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
                           "font-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; object-src 'none'")
"""Every page's policy: scripts and styles only from files in the package, never inline, no handler attributes.

Whatever got past the sanitiser still cannot run. `connect-src 'self'` is for the preview's reload events;
the SCORM runtime talks to the LMS through a JavaScript object in a parent frame, which no policy restricts.
"""
NAV_ENTRY_SEPARATOR = "\n    "
"""Between two entries of the unit navigation: a line break and their indent in base.html."""
ASSETS = ("style.css", "runtime.js", "quiz.js", "selfassessment.js")
PROFILE_ASSETS = ("style.css", "runtime.js", "selfassessment.js")
KIND_LABELS = {"knowledge": N_("Knowledge"), "skills": N_("Skills"), "competence": N_("Competence")}
DELIVERY_LABELS = {"online": N_("online"), "on-site": N_("on-site"), "hybrid": N_("hybrid (online and on-site)")}


@functools.lru_cache(maxsize=16)  # compiled templates are reused by every site rendered in this process
def make_env(lang: str = "en") -> Environment:
    env = Environment(loader=PackageLoader("generator", "templates"), autoescape=select_autoescape(),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"], bytecode_cache=_COMPILED)
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    _remember_translations(env)
    return env


class _CompiledTemplates(BytecodeCache):
    """Compiled templates shared, in memory, by the environments of every interface language in this process,
    and kept beside the compiler's own compiled modules (`__pycache__`, when writable) for the next process.

    What a template compiles to does not depend on the language (every environment is configured alike; the
    translations are looked up when a page renders), and compiling is the costly part of loading a template
    (0.1 s for all of them). jinja checks a stored template against its source's checksum and Python's version,
    but not against the environment's options or jinja's version: so the stored ones live in a folder named by
    the compiler digest (every file of the compiler, jinja's and Python's versions), and a compiler that changes
    in any way compiles them again. They are never kept in the build cache, which holds no code and may be
    shared: `__pycache__` is trusted exactly as the compiler's own files are. Like Python's own compiled modules,
    they are not written when `sys.dont_write_bytecode` is set (PYTHONDONTWRITEBYTECODE).
    """

    KEPT_VERSIONS = 4
    """Folders of earlier compilers left beside the current one (several virtual environments may share it)."""

    def __init__(self, root: Path | None = None) -> None:
        self.code: dict[str, bytes] = {}
        self.root = root

    @functools.cached_property
    def folder(self) -> Path | None:
        from generator.cache import compiler_digest

        return self.root / compiler_digest()[:24] if self.root is not None else None

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is None and self.folder is not None:
            with contextlib.suppress(OSError):
                code = (self.folder / f"{bucket.key}.jinja").read_bytes()
        if code is not None:
            bucket.bytecode_from_string(code)  # a stale one resets the bucket: jinja compiles the template

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = code = bucket.bytecode_to_string()
        if self.folder is not None and not sys.dont_write_bytecode:
            self._keep(self.folder, f"{bucket.key}.jinja", code)

    def _keep(self, folder: Path, name: str, code: bytes) -> None:
        """Write atomically (processes may race to store the same template); a read-only installation simply
        compiles its templates in every process."""
        from generator.archive import write_atomically

        with contextlib.suppress(OSError):
            if not folder.is_dir():
                folder.mkdir(parents=True, exist_ok=True)
                self._forget_old_versions(folder)
            write_atomically(folder / name, code)

    def _forget_old_versions(self, current: Path) -> None:
        others = [p for p in current.parent.iterdir() if p != current and p.is_dir()]
        for old in sorted(others, key=lambda p: p.stat().st_mtime, reverse=True)[self.KEPT_VERSIONS:]:
            shutil.rmtree(old, ignore_errors=True)


_COMPILED = _CompiledTemplates(Path(__file__).resolve().parent.parent / "__pycache__" / "templates")


def compile_templates(lang: str = "en") -> None:
    """Compile every page template now (in memory, for every language; see `_CompiledTemplates`)."""
    env = make_env(lang)
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)


def compile_templates_aside() -> Callable[[], None]:
    """Start compiling the templates in a forked process, on another core, while this one goes on (loading the
    sources, say); the function returned waits for the compiled templates and keeps them (`compile_templates`
    then only loads them). Where forking is unsafe, the templates are compiled when that function is called.
    """
    from generator.workers import fork_context

    context = fork_context()
    if context is None:
        return compile_templates
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_send_compiled, args=(sending,), daemon=True)
    try:
        child.start()
    except OSError:
        return compile_templates
    finally:
        sending.close()

    def take(connection: Connection = receiving) -> None:
        try:
            compiled = connection.recv()
            if isinstance(compiled, dict):
                _COMPILED.code.update(compiled)
        except (EOFError, OSError):  # the child died: compile here
            pass
        finally:
            connection.close()
            child.join()
        compile_templates()
    return take


def _send_compiled(connection: Connection) -> None:
    """In the forked process: compile, then send the templates' bytecode (what jinja's bytecode caches store)."""
    compile_templates()
    connection.send(dict(_COMPILED.code))
    connection.close()


_REMEMBERED_TYPES = (str, int, Markup)
"""Variables whose equal values always format alike (unlike, say, Decimal('1') and Decimal('1.0'))."""


def _rememberable(value: object) -> bool:
    """A value `_()` may remember its result for: one that always formats alike, and short (a long one is an
    author's text, seldom asked for again, and would fill the memo)."""
    return type(value) is int or (type(value) in _REMEMBERED_TYPES and len(value) <= 200)  # type: ignore[arg-type]


def _remember_translations(env: Environment, limit: int = 20_000) -> None:
    """Make `_()` in templates reuse what it translated and formatted before.

    Every page asks for the same few dozen interface strings, mostly with the same variables (the unit, the
    lesson count), and jinja's gettext costs more than the rest of the page's text. The result is the same
    object jinja would build: the translation, escaped as Markup, formatted with the variables escaped.
    """
    translate = env.globals["gettext"]
    done: dict[tuple[object, ...], str] = {}

    @pass_context
    def gettext(context: Context, message: str, /, **variables: object) -> str:
        if not context.eval_ctx.autoescape or not all(map(_rememberable, variables.values())):
            return translate(context, message, **variables)  # type: ignore[no-any-return,operator]
        key = (message, *((name, type(value), value) for name, value in variables.items()))
        result = done.get(key)
        if result is None:
            if len(done) >= limit:  # a long preview session: keep memory bounded
                done.clear()
            result = done[key] = translate(context, message, **variables)  # type: ignore[operator]
        return result

    env.globals.update(gettext=gettext, _=gettext)


def months_label(months: tuple[int, ...] | list[int], gettext: Callable[[str], str] = lambda text: text) -> str:
    ordered = sorted(months)
    if not ordered:
        return ""
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return gettext("Months %(first)s–%(last)s") % {"first": ordered[0], "last": ordered[-1]}
    if len(ordered) == 1:
        return gettext("Month %(month)s") % {"month": ordered[0]}
    return gettext("Months %(months)s") % {"months": ", ".join(map(str, ordered))}


@dataclass(frozen=True, slots=True)
class Link:
    title: str
    href: str
    current: bool = False
    note: str = ""
    target_id: str = ""
    lang: str = ""
    """Language of the title, where it differs from the page's."""


def ascii_safe(name: str) -> str:
    """A stable, ASCII-only file or folder name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return cleaned or "file"


def lesson_path(lesson: Lesson) -> str:
    return f"units/{lesson.unit_code}/{ascii_safe(lesson.id)}.html"


def unit_path(unit: UnitSource) -> str:
    return f"units/{unit.code}/index.html"


def quiz_path(unit: UnitSource) -> str:
    return f"units/{unit.code}/quiz.html"


def case_path(case: CaseStudy) -> str:
    return f"cases/{ascii_safe(case.id)}.html"


def _with_suffix(path: str, suffix: str) -> str:
    stem, dot, extension = path.rpartition(".")
    return f"{stem}-{suffix}.{extension}" if dot and "/" not in extension else f"{path}-{suffix}"


def media_path(source: PurePosixPath) -> str:
    return "media/" + "/".join(ascii_safe(part) for part in source.parts)


class _Renderer:
    def __init__(self, course: Curriculum, style: Style, units: tuple[UnitSource, ...], lang: str | None,
                 site_url: str | None = None) -> None:
        assert course.programme is not None
        self.course = course
        self.programme = course.programme
        self.style = style
        self.units = units
        self.source_lang = self.programme.languages[0]
        self.lang = lang or self.source_lang
        self._ = translations(self.lang).gettext
        self.env = make_env(self.lang)
        self.markdown = MarkdownRenderer(self._(" (opens in a new tab)"))
        self.media_names: dict[PurePosixPath, str] = {}
        """Source image -> its name in the package; each source is copied once."""
        self.site = Site(style)
        self.lessons = {lesson.id: lesson for unit in course.units for lesson in unit.lessons}
        self.cases = {case.id: case for case in course.case_studies}
        self.included_units = {u.code for u in units}
        self.site_url = site_url
        self._nav_cache: dict[tuple[str, str], list[tuple[str, Markup, Markup]]] = {}
        self._ui_strings = ui_strings_json(self.lang)
        self._kinds = {kind: self._(label) for kind, label in KIND_LABELS.items()}

    # --- links -----------------------------------------------------------------------------------
    def resolver(self, page_path: str, source: PurePosixPath):  # type: ignore[no-untyped-def]
        def resolve(target: str, is_image: bool) -> Resolved:
            if is_image:
                return Resolved(relative_href(page_path, self._copy_media(source, target)))
            scheme, _, rest = target.partition(":")
            ident, _, anchor = rest.partition("#")
            if scheme == "lesson" and ident in self.lessons:
                lesson = self.lessons[ident]
                if self.style == "moodle":
                    return Resolved(f"{MOODLE_LINK}{lesson.id}", self.title_of(lesson), lesson.id)
                if self.style == "cc" or lesson.unit_code not in self.included_units:
                    return Resolved(None)
                return Resolved(relative_href(page_path, lesson_path(lesson)) + (f"#{anchor}" if anchor else ""),
                                self.title_of(lesson), lesson.id)
            if scheme == "case" and ident in self.cases:
                case = self.cases[ident]
                if self.style == "moodle":
                    return Resolved(f"{MOODLE_LINK}{case.id}", self.title_of(case), case.id)
                if self.style == "cc" or not self._case_included(case):
                    return Resolved(None)
                return Resolved(relative_href(page_path, case_path(case)), self.title_of(case), case.id)
            if ":" not in target:  # a relative file link: ship the file like an image
                return Resolved(relative_href(page_path, self._copy_media(source, target)))
            return Resolved(None)

        return resolve

    def _copy_media(self, source: PurePosixPath, target: str) -> str:
        """Copy a linked file into the package once; refuse what `check` would refuse, asked again now.

        A file can change between check and build (a symlink retargeted, a pipe put in its place), so the
        copy only reads a regular file that still resolves inside the project (issue #17).
        """
        clean = target.split("#")[0].split("?")[0]
        rel = media_source(source, clean)
        problem = media_problem(self.course.root, source, target)
        if rel is None or problem is not None:
            code, message, hint = problem or ("CUR242", f"'{target}' points outside the project", "")
            self.site.diagnostics.append(error(code, f"{message} (refused while packaging)", source, None, hint=hint))
            return ""
        if rel not in self.media_names:
            try:
                data = read_bytes_safely(self.course.root / rel, MAX_MEDIA_BYTES, self.course.root, str(rel))
            except (OSError, UnsafeFile) as exc:
                self.site.diagnostics.append(error(exc.code if isinstance(exc, UnsafeFile) else "CUR243",
                                                   f"'{target}' could not be read while packaging: {exc}", source))
                return ""
            path = media_path(rel)
            if path in self.site.files:  # 'a b.png' and 'a-b.png' clean to one name: keep both, apart
                path = _with_suffix(path, hashlib.sha256(str(rel).encode()).hexdigest()[:8])
            self.media_names[rel] = path
            self.site.files[path] = data
        return self.media_names[rel]

    def _case_included(self, case: CaseStudy) -> bool:
        return any(code in self.included_units for code in case.meta.unit_ids)

    # --- pages -----------------------------------------------------------------------------------
    def render(self) -> Site:
        if self.style == "package":
            for name in ASSETS:
                self.site.files[f"assets/{name}"] = resources.files("generator").joinpath("static", name).read_bytes()
        self._page("index.html", "overview.html", Page("index.html", self.programme.id, self.programme.title,
                                                         "overview", None), self._overview_context())
        home_unit = self.course.units_in_order()[0].code if self.course.units else None
        # A Moodle backup carries the self-assessment as a SCORM package of its own, rendered in the package style
        if self.course.competences and (self.style == "cc" or self.style == "package" and home_unit in self.included_units):
            self._self_assessment(home_unit)
        for unit in self.units:
            self._unit(unit)
        return self.site

    def _unit(self, unit: UnitSource) -> None:
        path = unit_path(unit)
        cases = [c for c in self.course.case_studies if unit.code in c.meta.unit_ids]
        self._page(path, "unit.html", Page(path, unit.code, f"{unit.code} {unit.unit.title}", "unit", unit.code,
                                           tuple(o.id for o in unit.unit.learning_outcomes)),
                   self._unit_context(unit, path, cases))
        sequence = [Link(unit.unit.title, unit_path(unit), target_id=unit.code)]
        sequence += [Link(self.title_of(lesson), lesson_path(lesson), target_id=lesson.id) for lesson in unit.lessons]
        if self._has_quiz_page(unit):
            assert unit.quiz is not None
            sequence.append(Link(unit.quiz.title, quiz_path(unit), target_id=quiz_id(unit)))
        for index, lesson in enumerate(unit.lessons, start=1):
            lpath = lesson_path(lesson)
            page = Page(lpath, lesson.id, self.title_of(lesson), "lesson", unit.code, lesson.meta.outcome_ids)
            doc, content_lang = self._content(lesson)
            body = self.markdown.rewrite(doc.html, self.resolver(lpath, lesson.file))
            context = self._lesson_context(unit, lesson, lpath, body, sequence, index)
            self._page(lpath, "lesson.html", page, {**context, "content_lang": content_lang})
        if self._has_quiz_page(unit):
            self._quiz(unit)
        for case in cases:
            cpath = case_path(case)
            if cpath in self.site.files:
                continue  # a case serving several units is rendered once, under its first unit
            page = Page(cpath, case.id, self.title_of(case), "case", unit.code)
            doc, content_lang = self._content(case)
            body = self.markdown.rewrite(doc.html, self.resolver(cpath, case.file))
            self._page(cpath, "case.html", page, {**self._common(cpath, unit), "case": case, "body": Markup(body),
                                                   "title": self.title_of(case), "countries": _countries(case),
                                                   "content_lang": content_lang})

    def title_of(self, item: Lesson | CaseStudy) -> str:
        translation = item.translation(self.lang)
        return translation.meta.title if translation else item.meta.title

    def _content(self, item: Lesson | CaseStudy) -> tuple[Document, str]:
        """The body in the build's language where a translation exists, else in the source language."""
        translation = item.translation(self.lang)
        return (translation.doc, self.lang) if translation else (item.doc, self.source_lang)

    def _self_assessment(self, home_unit: str | None, linked_home: bool = True) -> None:
        """One page for the programme, filed under its first unit (the orientation, where learners take it).

        Cartridges get a page that explains it and links to the hosted site instead: Moodle keeps neither
        the scripts of a cartridge page nor an HTML file resource (see MOODLE.md).
        """
        assert self.course.competences is not None
        page = Page(PROFILE_PAGE, PROFILE_ID, self._("Self-assessment"), "profile", home_unit)
        comp = self.course.competences
        context = {**self._common(PROFILE_PAGE, None), "scale": comp.rating_scale, "fields": comp.activity_fields,
                   "skill_count": sum(len(f.skills) for f in comp.activity_fields)}
        if self.style == "cc":
            self._page(PROFILE_PAGE, "self_assessment_info.html", page, {
                **context, "online_href": online_self_assessment(self.site_url),
                "package_name": self_assessment_package_name(self.course, self.lang)})
            return
        if not linked_home:
            context["home"] = None  # a package holding only this page has no overview to go back to
        self._page(PROFILE_PAGE, "self_assessment.html", page, {
            **context, "data": self_assessment_data(self.course), "runtime_outcomes": ""})

    def render_self_assessment_only(self) -> Site:
        for name in PROFILE_ASSETS:
            self.site.files[f"assets/{name}"] = resources.files("generator").joinpath("static", name).read_bytes()
        home_unit = self.course.units_in_order()[0].code if self.course.units else None
        self._self_assessment(home_unit, linked_home=False)
        return self.site

    def _has_quiz_page(self, unit: UnitSource) -> bool:
        # Cartridges carry quizzes as QTI, which the LMS turns into its own quiz activity
        return self.style == "package" and unit.quiz is not None

    def _quiz(self, unit: UnitSource) -> None:
        assert unit.quiz is not None
        path = quiz_path(unit)
        renderer = QuizRenderer(self.markdown, self._)
        outcomes = tuple(sorted({ref for q in unit.quiz.questions for ref in q.outcome_ids}))
        page = Page(path, quiz_id(unit), unit.quiz.title, "quiz", unit.code, outcomes)
        questions = renderer.views(unit.quiz)
        self._page(path, "quiz.html", page, {
            **self._common(path, unit), "quiz": unit.quiz, "quiz_id": quiz_id(unit), "questions": questions,
            "has_essay": any(q.type == "essay" for q in questions), "key": renderer.key(unit, unit.quiz),
            "nav": self._nav(path, unit), "runtime_outcomes": " ".join(outcomes)})

    def _page(self, path: str, template: str, page: Page, context: dict[str, object]) -> None:
        html = self.env.get_template(template).render(**context)
        self.site.files[path] = html.encode("utf-8")
        self.site.pages.append(page)

    # --- contexts --------------------------------------------------------------------------------
    def _common(self, path: str, unit: UnitSource | None) -> dict[str, object]:
        return {
            "programme": self.programme,
            "lang": self.lang,
            "content_lang": self.source_lang,
            "source_lang": self.source_lang,
            "kinds": self._kinds,
            "ui_strings": self._ui_strings,
            "standalone": self.style == "package",
            "asset": lambda name: relative_href(path, f"assets/{name}"),
            "home": relative_href(path, "index.html"),
            "unit": unit,
            "unit_href": relative_href(path, unit_path(unit)) if unit else None,
            "page_path": path,
            "content_security_policy": CONTENT_SECURITY_POLICY,
        }

    def _overview_context(self) -> dict[str, object]:
        rows = []
        schedule = {s.code: s.months for s in self.programme.units}
        for unit in self.course.units_in_order():  # the whole programme, linking the units inside this package
            rows.append({"unit": unit.unit,
                         "href": unit_path(unit) if unit.code in self.included_units else None,
                         "months": months_label(schedule.get(unit.code, ()), self._),
                         "points": plain_decimal(unit.unit.ecvet_points), "lessons": len(unit.lessons)})
        comp = self.course.competences
        home_unit = self.course.units_in_order()[0].code if self.course.units else None
        return {**self._common("index.html", None), "rows": rows,
                "delivery": self._(DELIVERY_LABELS[self.programme.delivery_mode]),
                "timeline": layout_timeline(self.programme, self.course.units_in_order(), self._),
                "self_assessment_href": PROFILE_PAGE if comp and home_unit in self.included_units else None,
                "total_points": plain_decimal(self.programme.ecvet_points),
                "total_hours": sum(u.unit.workload_hours for u in self.course.units),
                "fields": comp.activity_fields if comp else (),
                "meetings": sorted(self.programme.meetings, key=lambda m: m.month)}

    def _unit_context(self, unit: UnitSource, path: str, cases: list[CaseStudy]) -> dict[str, object]:
        skills = self.course.skills()
        outcomes_by_kind = [(self._(KIND_LABELS[kind]), [o for o in unit.unit.learning_outcomes if o.kind == kind])
                            for kind in KIND_LABELS]
        developed = sorted({s for o in unit.unit.learning_outcomes for s in o.skill_ids if s in skills})
        schedule = {s.code: s.months for s in self.programme.units}
        return {**self._common(path, unit),
                "months": months_label(schedule.get(unit.code, unit.unit.months or ()), self._),
                "points": plain_decimal(unit.unit.ecvet_points),
                "outcomes_by_kind": [(label, items) for label, items in outcomes_by_kind if items],
                "skills": [skills[s] for s in developed],
                "lessons": [Link(self.title_of(lesson), relative_href(path, lesson_path(lesson)),
                                 note=self._minutes(lesson), target_id=lesson.id) for lesson in unit.lessons],
                "cases": [Link(self.title_of(c), relative_href(path, case_path(c)), target_id=c.id) for c in cases],
                "total_minutes": sum(lesson.meta.minutes for lesson in unit.lessons),
                "nav": self._nav(path, unit), "runtime_outcomes": ""}

    def _lesson_context(self, unit: UnitSource, lesson: Lesson, path: str, body: str, sequence: list[Link],
                        index: int) -> dict[str, object]:
        outcomes = {o.id: o for o in unit.unit.learning_outcomes}
        previous, following = sequence[index - 1], sequence[index + 1] if index + 1 < len(sequence) else None
        return {**self._common(path, unit), "lesson": lesson, "title": self.title_of(lesson), "body": Markup(body),
                "number": index,
                "count": len(unit.lessons),
                "outcomes": [outcomes[i] for i in lesson.meta.outcome_ids if i in outcomes],
                "previous": Link(previous.title, relative_href(path, previous.href), target_id=previous.target_id),
                "next": Link(following.title, relative_href(path, following.href), target_id=following.target_id)
                if following else None,
                "nav": self._nav(path, unit), "runtime_outcomes": " ".join(lesson.meta.outcome_ids)}

    def _minutes(self, lesson: Lesson) -> str:
        return self._("%(minutes)s min") % {"minutes": lesson.meta.minutes}

    def _nav(self, path: str, unit: UnitSource) -> Markup:
        """The entries of the unit's navigation as seen from `path`, its own marked current, one per line.

        One string rather than a list for the template to loop over: escaping and yielding each entry again
        on every page cost a page as much as the rest of its frame.
        """
        return Markup(NAV_ENTRY_SEPARATOR.join(current if target == path else other
                                               for target, other, current in self._nav_entries(path, unit)))

    def _nav_entries(self, path: str, unit: UnitSource) -> list[tuple[str, Markup, Markup]]:
        """(page, its entry, its entry marked current) for each page of the unit's navigation.

        Rendered once per unit and folder: a relative link depends only on the folder it is read from, so every
        page of a unit shares the entries, which would otherwise cost each page as much as the unit's length.
        """
        key = (unit.code, path.rpartition("/")[0])
        if key not in self._nav_cache:
            nav_item = self.env.get_template("_macros.html").module.nav_item  # type: ignore[attr-defined]
            entries = [(page, nav_item(link, self.lang), nav_item(replace(link, current=True), self.lang))
                       for page, link in self._nav_links(path, unit)]
            self._nav_cache[key] = entries
        return self._nav_cache[key]

    def _nav_links(self, path: str, unit: UnitSource) -> list[tuple[str, Link]]:
        links = [(unit_path(unit), Link(self._("About this unit"), relative_href(path, unit_path(unit)),
                                        target_id=unit.code))]
        for i, lesson in enumerate(unit.lessons, start=1):
            lpath = lesson_path(lesson)
            links.append((lpath, Link(f"{i}. {self.title_of(lesson)}", relative_href(path, lpath),
                                      note=self._minutes(lesson), target_id=lesson.id, lang=self._content(lesson)[1])))
        if self._has_quiz_page(unit):
            links.append((quiz_path(unit), Link(self._("Quiz"), relative_href(path, quiz_path(unit)),
                                                target_id=quiz_id(unit))))
        return links


def _countries(case: CaseStudy) -> str:
    country = case.meta.country
    return ", ".join(country) if isinstance(country, tuple) else country


def render_site(course: Curriculum, style: Style, unit_codes: tuple[str, ...] | None = None,
                lang: str | None = None, site_url: str | None = None) -> Site:
    """Render the programme (or only `unit_codes`) in one style and interface language (default: the source's).

    `site_url` is where the static site is hosted; cartridge pages link to the self-assessment there.
    The curriculum must have passed `check`.
    """
    units = tuple(u for u in course.units_in_order() if unit_codes is None or u.code in unit_codes)
    return _Renderer(course, style, units, lang, site_url).render()


def render_self_assessment(course: Curriculum, lang: str | None = None) -> Site:
    """Only the self-assessment page and its assets, for a package of its own; empty without a competence profile."""
    if course.competences is None:
        return Site("package")
    return _Renderer(course, "package", (), lang).render_self_assessment_only()


def online_self_assessment(site_url: str | None) -> str | None:
    """The self-assessment's address on the hosted static site, if the programme has one."""
    return f"{site_url.rstrip('/')}/{PROFILE_PAGE}" if site_url else None
