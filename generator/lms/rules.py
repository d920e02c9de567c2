"""Validate stage (LMS rules): what each LMS does with a package, as one table of data (STYLE.md §9b).

One record per known behaviour: the LMS and its versions, whether the import fails or content changes,
where the behaviour lives in the LMS's public source, how it was seen, and a check over any package.
`validate --lms`, `build`'s report and docs/importing.md all read this table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Literal

from lxml import etree

from generator.lms.package import HTML_SUFFIXES, IMSSS, QTI, PackageView
from generator.validate.entries import MANIFEST

Effect = Literal["import fails", "content changes"]
LMS_NAMES: Final = ("moodle", "canvas", "generic")
LMS_LABELS: Final = {"moodle": "Moodle", "canvas": "Canvas", "generic": "standard LMSs"}
CARTRIDGES_MOODLE_READS: Final = ("cc1.0", "cc1.1")
ALL_CARTRIDGES: Final = ("cc1.0", "cc1.1", "cc1.2", "cc1.3")


@dataclass(frozen=True, slots=True)
class Source:
    """Where the behaviour lives in the LMS's public source."""

    repository: str
    file: str
    function: str

    def __str__(self) -> str:
        return f"{self.repository} {self.file}, {self.function}"


@dataclass(frozen=True, slots=True)
class Hit:
    """One place a rule applies: what was found, and where in the package."""

    detail: str
    entry: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    """Diagnostic code, CUR430-CUR449."""
    id: str
    """Stable name, e.g. `moodle-scorm2004-mapinfo`."""
    lms: tuple[str, ...]
    """The LMSs that behave this way (names from LMS_NAMES)."""
    versions: str
    """The LMS versions the behaviour was read or seen in."""
    effect: Effect
    formats: tuple[str, ...]
    """Package kinds the rule looks at (PackageView.kind); empty means every package."""
    behaviour: str
    """What the LMS does, one sentence, for people: docs, build summaries."""
    hint: str
    source: Source
    seen: str
    """How the behaviour was confirmed."""
    check: Callable[[PackageView], Iterator[Hit]]

    def applies_to(self, view: PackageView) -> bool:
        return not self.formats or view.kind in self.formats


# --- checks ------------------------------------------------------------------------------------------------------

def _line(element: etree._Element) -> int | None:
    return element.sourceline if isinstance(element.sourceline, int) else None


def _map_info(view: PackageView) -> Iterator[Hit]:
    found = list(view.root.iter(f"{{{IMSSS}}}mapInfo")) if view.root is not None else []
    if found:
        yield Hit(f"{len(found)} <imsss:mapInfo> element(s), the first at line {_line(found[0])}", view.manifest_name,
                  _line(found[0]))


def _unreadable_cartridge(view: PackageView) -> Iterator[Hit]:
    yield Hit(f"this is Common Cartridge {view.kind[2:] if view.kind else '?'}", view.manifest_name)


def _namespace_outside_head(view: PackageView) -> Iterator[Hit]:
    squeezed = re.sub(rb"[\s\"']", b"", view.head.lower()).decode("utf-8", "replace")
    if f"xmlns={view.namespace.lower()}" not in squeezed:
        yield Hit(f"xmlns=\"{view.namespace}\" is not declared within the first 500 bytes of {MANIFEST}",
                  view.manifest_name, 1)


def _manifest_not_at_root(view: PackageView) -> Iterator[Hit]:
    if view.manifest_name == MANIFEST or not view.is_zip:
        return  # `validate` already says when a file is no zip at all
    where = f"it is at '{view.manifest_name}'" if view.manifest_name else "the zip has no imsmanifest.xml at all"
    yield Hit(where)


def _items(view: PackageView) -> Iterator[etree._Element]:
    if view.root is not None:
        yield from view.root.iter(f"{{{view.namespace}}}item")


def _launched(view: PackageView) -> Iterator[etree._Element]:
    """Resources an organization item points at (what becomes an activity)."""
    refs = {item.get("identifierref") for item in _items(view)}
    return (r for r in view.resources() if r.get("identifier") in refs)


def _main_file(view: PackageView, resource: etree._Element) -> str | None:
    files = view.resource_files(resource)
    return files[0] if files else None


def _html_file_resources(view: PackageView) -> Iterator[Hit]:
    for resource in view.resources():
        kind = resource.get("type") or ""
        main = _main_file(view, resource)
        if kind.startswith("associatedcontent/") and main and main.lower().endswith(HTML_SUFFIXES):
            yield Hit(f"resource '{resource.get('identifier')}' ({kind}) has the main file '{main}'",
                      view.manifest_name, _line(resource))


@dataclass(frozen=True, slots=True)
class _Page:
    """What the rules look for in a web-content page an item launches (these become Moodle Pages)."""

    name: str
    scripted: bool
    """It carries a script or a stylesheet."""
    links: tuple[str, ...] = ()
    """The entries its relative links to HTML files would name."""


def _pages(view: PackageView) -> list[_Page]:
    return view.once("pages", lambda: list(_find_pages(view)))  # three rules read them


def _find_pages(view: PackageView) -> Iterator[_Page]:
    passed = view.passed
    for resource in _launched(view):
        main = _main_file(view, resource)
        if resource.get("type") == "webcontent" and main and main.lower().endswith(HTML_SUFFIXES):
            # the fact "this page has no script, stylesheet or link to an HTML file", named after its intact bytes
            intact = passed.intact.get(main) if passed is not None else None
            plain = passed.fact("plain page", intact) if passed is not None and intact is not None else None
            if passed is not None and plain is not None and main in view.names and passed.already(plain):
                yield _Page(main, False)  # its bytes were read before and had neither: not read again
                continue
            text = view.text(main)
            if text is not None:
                page = _Page(main, bool(_SCRIPT_OR_STYLE.search(text)), tuple(_html_links(main, text)))
                if passed is not None and plain is not None and not page.scripted and not page.links:
                    passed.passed(plain)
                yield page


_SCRIPT_OR_STYLE = re.compile(r"<script\b|<style\b|<link\b[^>]*\bstylesheet\b", re.IGNORECASE)
# `\bhref` without IGNORECASE, which makes the engine try every position of every page (6x slower): no other
# character than these ASCII letters matches h, r, e or f case-insensitively, so the matches are the same
_HREF = re.compile(r"""[hH](?<=\bh|\bH)[rR][eE][fF]\s*=\s*["']([^"'#?]+)""")


def _html_links(name: str, html: str) -> Iterator[str]:
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
    for href in _HREF.findall(html):
        if ":" not in href and not href.startswith("/") and href.lower().endswith(HTML_SUFFIXES):
            yield _join(folder, href)


def _summary(kind: str, pages: list[str]) -> Hit:
    return Hit(f"{len(pages)} page(s) {kind}, e.g. '{pages[0]}'", pages[0])


def _head_and_scripts(view: PackageView) -> Iterator[Hit]:
    pages = [page.name for page in _pages(view) if page.scripted]
    if pages:
        yield _summary("carry scripts or stylesheets", pages)


def _page_links(view: PackageView) -> Iterator[Hit]:
    linking = [page.name for page in _pages(view) if any(link in view.names for link in page.links)]
    if linking:
        yield _summary("link to other HTML files of the package", linking)


def _join(folder: str, href: str) -> str:
    parts: list[str] = []
    for part in (folder + href).split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


MOODLE_QUESTION_PROFILES: Final = frozenset({
    "cc.multiple_choice.v0p1", "cc.multiple_response.v0p1", "cc.true_false.v0p1", "cc.fib.v0p1",
    "cc.pattern_match.v0p1", "cc.essay.v0p1"})


def _quizzes(view: PackageView) -> Iterator[tuple[etree._Element, str, etree._Element]]:
    """(resource, QTI entry, QTI root) of every assessment and question bank."""
    for resource in view.resources():
        kind = resource.get("type") or ""
        if kind.startswith("imsqti_xmlv1p2/") and (kind.endswith("/assessment") or kind.endswith("/question-bank")):
            entry = _main_file(view, resource)
            root = view.xml(entry) if entry else None
            if entry and root is not None:
                yield resource, entry, root


def _profile(item: etree._Element) -> str:
    for field in item.iter(f"{{{QTI}}}qtimetadatafield"):
        if (field.findtext(f"{{{QTI}}}fieldlabel") or "").strip() == "cc_profile":
            return (field.findtext(f"{{{QTI}}}fieldentry") or "").strip()
    return ""


SHORT_ANSWER_PROFILES: Final = frozenset({"cc.fib.v0p1", "cc.pattern_match.v0p1"})


def _question_types(view: PackageView) -> Iterator[Hit]:
    for _, entry, root in _quizzes(view):
        items = list(root.iter(f"{{{QTI}}}item"))
        dropped = [item for item in items if _profile(item) not in MOODLE_QUESTION_PROFILES]
        if dropped:
            kinds = sorted({_profile(item) or "no cc_profile" for item in dropped})
            yield Hit(f"dropped: {len(dropped)} question(s) of type {', '.join(kinds)}, e.g. "
                      f"'{dropped[0].get('ident')}'", entry, _line(dropped[0]))
        converted = [item for item in items if _profile(item) in SHORT_ANSWER_PROFILES]
        if converted:
            yield Hit(f"converted: {len(converted)} fill-in-the-blank or pattern-match question(s) become short "
                      f"answer, e.g. '{converted[0].get('ident')}'", entry, _line(converted[0]))


def _quiz_totals(view: PackageView) -> Iterator[Hit]:
    for resource, entry, root in _quizzes(view):
        if (resource.get("type") or "").endswith("/assessment"):
            questions = sum(1 for _ in root.iter(f"{{{QTI}}}item"))
            assessment = root.find(f"{{{QTI}}}assessment")
            title = assessment.get("title") if assessment is not None else entry
            yield Hit(f"quiz '{title}' has {questions} question(s)", entry, _line(root))


def _shuffling(view: PackageView) -> Iterator[Hit]:
    for _, entry, root in _quizzes(view):
        shuffled = [c for c in root.iter(f"{{{QTI}}}render_choice") if (c.get("shuffle") or "").lower() == "yes"]
        if shuffled:
            yield Hit(f"{len(shuffled)} question(s) ask for shuffled options", entry, _line(shuffled[0]))


def _section_titles(view: PackageView) -> Iterator[Hit]:
    if view.root is None:
        return
    ns = view.namespace
    top = view.root.find(f"{{{ns}}}organizations/{{{ns}}}organization/{{{ns}}}item")
    titled = [s for s in (top.findall(f"{{{ns}}}item") if top is not None else []) if s.findtext(f"{{{ns}}}title")]
    if titled:
        yield Hit(f"{len(titled)} section title(s), e.g. '{titled[0].findtext(f'{{{ns}}}title')}'",
                  view.manifest_name, _line(titled[0]))


MOODLE_RESOURCE_TYPES: Final = re.compile(
    r"webcontent|imswl_xmlv1p[01]|imsdt_xmlv1p[01]|imsqti_xmlv1p2/imscc_xmlv1p[01]/(assessment|question-bank)"
    r"|associatedcontent/imscc_xmlv1p[01]/learning-application-resource|imsbasiclti_xmlv1p0")


def _unknown_resource_types(view: PackageView) -> Iterator[Hit]:
    for resource in _launched(view):
        kind = resource.get("type") or ""
        if not MOODLE_RESOURCE_TYPES.fullmatch(kind):
            yield Hit(f"resource '{resource.get('identifier')}' has type '{kind}'", view.manifest_name, _line(resource))


def _any_package(view: PackageView) -> Iterator[Hit]:
    yield Hit(f"this is a {view.kind} package")


def _cartridge_pages(view: PackageView) -> Iterator[Hit]:
    pages = [page.name for page in _pages(view)]
    if pages:
        yield _summary("of web content", pages)


# --- the table ---------------------------------------------------------------------------------------------------

MOODLE = "moodle/moodle"
CANVAS = "instructure/canvas-lms"
MOODLE_SEEN = "imported into Moodle 4.2 on PHP 8.2 (../shared/MOODLE.md)"

RULES: Final[tuple[Rule, ...]] = (
    Rule("CUR430", "moodle-scorm2004-mapinfo", ("moodle",), "Moodle 3.11-4.x on PHP 8.0 or later (PHP 7 only warned)", "import fails",
         ("scorm2004",),
         "refuses a SCORM 2004 package carrying <imsss:mapInfo>: its manifest parser stops with 'Attempt to assign "
         "property \"mapinfos\" on null'",
         "Remove every imsss:mapInfo (objectives the SCOs report through cmi.objectives.n.* still reach Moodle); "
         "`curriculum build` adds them only with --global-objectives.",
         Source(MOODLE, "mod/scorm/datamodels/scormlib.php", "scorm_get_manifest (the IMSSS:OBJECTIVES branch)"),
         MOODLE_SEEN + ": all 13 SCORM 2004 packages refused, accepted once mapInfo was removed", _map_info),
    Rule("CUR431", "moodle-cc-version", ("moodle",), "Moodle 2.x-4.x", "import fails", ("cc1.2", "cc1.3"),
         "restores only Common Cartridge 1.0 and 1.1; a later cartridge is refused ('unable to find conversion path')",
         "Import the Common Cartridge 1.1 (`curriculum build --format cc11`) into Moodle; keep 1.3 for Canvas, "
         "Brightspace and Schoology.",
         Source(MOODLE, "backup/converter/imscc11/lib.php", "imscc11_converter::detect_format"),
         MOODLE_SEEN + ": the CC 1.3 cartridge was refused", _unreadable_cartridge),
    Rule("CUR432", "moodle-cc-detection", ("moodle",), "Moodle 2.x-4.x", "import fails", CARTRIDGES_MOODLE_READS,
         "recognises a cartridge only when the manifest's default namespace is declared within its first 500 bytes; "
         "otherwise the file is 'not a known backup format'",
         "Declare xmlns=\"...\" first on the <manifest> element, before xsi:schemaLocation and other long "
         "attributes, with no long comment before it.",
         Source(MOODLE, "backup/converter/imscc11/lib.php", "imscc11_converter::detect_format"),
         "read in Moodle's source (../shared/MOODLE.md)", _namespace_outside_head),
    Rule("CUR433", "manifest-not-at-root", ("moodle", "canvas", "generic"), "every LMS", "import fails", (),
         "looks for imsmanifest.xml at the root of the zip only; Moodle says 'imsmanifest.xml in a folder' or "
         "'missing imsmanifest.xml'",
         "Zip the contents of the package folder, not the folder itself.",
         Source(MOODLE, "mod/scorm/lib.php", "scorm_validate_package"),
         "read in Moodle's source; the SCORM and IMS CP specifications require it", _manifest_not_at_root),
    Rule("CUR434", "moodle-cc-html-file-resource", ("moodle",), "Moodle 2.x-4.x", "import fails",
         CARTRIDGES_MOODLE_READS,
         "never copies .html/.htm/.xhtml files out of a cartridge, so a file resource whose main file is HTML "
         "arrives as a File activity saying 'File not found, sorry.'",
         "Make the page a webcontent resource (Moodle keeps its <body> as a Page), or ship interactive HTML as a "
         "SCORM package.",
         Source(MOODLE, "backup/cc/entities11.class.php", "entities11::get_all_files"),
         MOODLE_SEEN + ": the self-assessment arrived as 'File not found, sorry.'", _html_file_resources),
    Rule("CUR435", "moodle-cc-head-dropped", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "keeps only the cleaned <body> of a cartridge page: stylesheets in <head> and every <script> are dropped",
         "Write cartridge pages that read well with the LMS theme alone: semantic HTML, no scripts.",
         Source(MOODLE, "backup/cc/entity11.resource.class.php",
                "cc11_resource::create_node_course_modules_mod_resource (prepare_content, clean_param)"),
         MOODLE_SEEN, _head_and_scripts),
    Rule("CUR436", "moodle-cc-page-links", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "turns each page into a Moodle Page but copies no HTML file, so links from one page file to another break",
         "Drop links between page files; let the course sections do the navigation.",
         Source(MOODLE, "backup/cc/entities11.class.php", "entities11::get_all_files"),
         MOODLE_SEEN, _page_links),
    Rule("CUR437", "moodle-cc-question-types", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "converts only the CC 1.1 question profiles multiple choice, multiple response, true/false, fill in the "
         "blank, pattern match (both as short answer) and essay; other questions are dropped",
         "Use only the CC 1.1 question profiles, or ship the quiz in a Moodle backup or a SCORM package.",
         Source(MOODLE, "backup/cc/entity11.quiz.class.php", "cc11_quiz::get_questions"),
         "read in Moodle's source (backup/cc/includes/constants.php lists the profiles)", _question_types),
    Rule("CUR438", "moodle-cc-quiz-total", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "restores every quiz with a total of 4 marks and no pass grade, whatever its questions add up to, so "
         "four right answers already give full marks",
         "After the restore, open each quiz's Questions page and change one question's mark (and back): Moodle "
         "then recomputes the total; set the pass grade in the gradebook.",
         Source(MOODLE, "backup/cc/sheets/course_modules_mod_quiz.xml", "the quiz template (sumgrades 4)"),
         MOODLE_SEEN + ": 15 right answers showed as 37.5 out of 10", _quiz_totals),
    Rule("CUR439", "moodle-cc-no-shuffle", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "never shuffles answers: the quiz and every multiple-choice question are restored with shuffleanswers 0",
         "Put the options in the order learners should see them, or turn shuffling on per quiz after the restore.",
         Source(MOODLE, "backup/cc/sheets/course_question_categories_question_category_question_multiple_choice.xml",
                "the multiple-choice template (shuffleanswers 0)"),
         MOODLE_SEEN, _shuffling),
    Rule("CUR440", "moodle-cc-section-names", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "keeps a section's title only as its summary; the sections are named 'Topic 1', 'Topic 2', …",
         "Rename the sections after the restore (Edit section), or use a Moodle backup.",
         Source(MOODLE, "backup/cc/cc2moodle.php", "cc2moodle::create_node_course_sections_section"),
         MOODLE_SEEN, _section_titles),
    Rule("CUR441", "moodle-cc-unknown-resource", ("moodle",), "Moodle 2.x-4.x", "content changes",
         CARTRIDGES_MOODLE_READS,
         "maps only web content, web links, discussions, QTI assessments and banks, learning-application "
         "resources and basic LTI links; an item launching any other resource type is dropped silently",
         "Use one of the CC 1.1 resource types Moodle maps.",
         Source(MOODLE, "backup/cc/cc2moodle.php", "cc2moodle::convert_to_moodle_type"),
         "read in Moodle's source", _unknown_resource_types),
    Rule("CUR444", "moodle-backup-elsewhere", ("generic",), "every LMS but Moodle", "import fails", ("mbz",),
         "has no importer for a Moodle course backup, which is Moodle's own format (moodle_backup.xml and Moodle's "
         "tables as XML), not a content package standard",
         "Restore the .mbz in Moodle 4.1 or later; give other LMSs the Common Cartridge 1.3 or the SCORM packages.",
         Source(MOODLE, "backup/util/helper/backup_general_helper.class.php",
                "backup_general_helper::detect_backup_format"),
         "read in Moodle's source: the format is detected by moodle_backup.xml, which only Moodle writes and reads",
         _any_package),
    Rule("CUR442", "canvas-no-scorm-import", ("canvas",), "Canvas LMS (open source), all releases", "import fails",
         ("scorm12", "scorm2004", "imscp"),
         "has no course import for SCORM or IMS content packages; they run only through Instructure's separate "
         "SCORM app (an LTI tool)",
         "Import the Common Cartridge 1.3 (`curriculum build --format cc13`), or install the SCORM app first.",
         Source(CANVAS, "lib/canvas/plugins/default_plugins.rb", "the registered migration plugins (no SCORM)"),
         "read in Canvas's source", _any_package),
    Rule("CUR443", "canvas-cc-pages-as-files", ("canvas",), "Canvas LMS (open source), all releases",
         "content changes", ALL_CARTRIDGES,
         "imports a cartridge's web-content pages as course Files shown in a frame, not as editable Canvas Pages",
         "Nothing to fix in the package; to edit a page in Canvas, copy its text into a new Page.",
         Source(CANVAS, "lib/cc/importer/standard/webcontent_converter.rb", "WebcontentConverter#create_file_map"),
         "read in Canvas's source", _cartridge_pages),
)

def rules_for(lms: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if lms in rule.lms)
