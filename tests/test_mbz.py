"""The Moodle course backup (`--format mbz`, issue #14): Moodle's structure, questions, completion, badges, validate."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from generator.archive import archive_time, source_date_epoch
from generator.build import PACKAGERS, BuildResult, build_project
from generator.cli import cli
from generator.formats.moodle.badges import badge_png
from generator.load.project import load_project
from generator.validate import validate_bytes
from helpers import PROJECTS, SCHEMAS, SHARED, MakeProject

REFERENCE = SHARED / "moodle-reference" / "demo-course-backup"
GOLDEN_REFERENCE = Path(__file__).parent / "golden" / "mbz" / "moodle-reference-structure.json"
ABSENT_ON_PURPOSE = {
    # no users, enrolments or role definitions travel: the restoring site enrols its own learners
    "course/enrolments.xml": {"/enrolments/enrols/enrol"},
    "roles.xml": {"/roles_definition/role"},
    "course/inforef.xml": {"/inforef/fileref", "/inforef/roleref"},
}
"""Element paths (and everything below them) the reference has and our backup leaves out, with the reason."""
NOT_WRITTEN = re.compile(r"^(course/blocks/|activities/resource/)")
"""Blocks keep Moodle's defaults; the self-assessment is a SCORM activity, not a file resource."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_project(PROJECTS / "minimal", tmp_path_factory.mktemp("mbz"), ["mbz"], None, SCHEMAS)
    assert result.ok, result.diagnostics
    return result


@pytest.fixture(scope="module")
def backup(built: BuildResult) -> dict[str, bytes]:
    return members(built.packages[0].path.read_bytes())


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive if m.isfile()}  # type: ignore[union-attr]


def xml(backup: dict[str, bytes], name: str) -> etree._Element:
    return etree.fromstring(backup[name])


def one(backup: dict[str, bytes], pattern: str) -> str:
    found = sorted(n for n in backup if re.fullmatch(pattern, n))
    assert found, pattern
    return found[0]


def structure(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Element paths per kind of file; activity and section folders of one kind are pooled."""
    def paths(element: etree._Element, prefix: str = "") -> list[str]:
        here = f"{prefix}/{element.tag}"
        return [here, *(p for child in element if isinstance(child.tag, str) for p in paths(child, here))]

    result: dict[str, set[str]] = {}
    for name, data in files.items():
        if name.endswith(".xml"):
            kind = re.sub(r"^sections/section_\d+/", "sections/section/",
                          re.sub(r"^activities/([a-z]+)_\d+/", r"activities/\1/", name))
            result.setdefault(kind, set()).update(paths(etree.fromstring(data)))
    return {kind: sorted(found) for kind, found in sorted(result.items())}


# --- structure ----------------------------------------------------------------------------------------------

def test_golden_structure_is_the_moodle_reference() -> None:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/moodle-reference is not beside this checkout")
    files = {str(p.relative_to(REFERENCE)): p.read_bytes() for p in REFERENCE.rglob("*.xml")}
    assert structure(files) == json.loads(GOLDEN_REFERENCE.read_text())


def test_every_file_has_the_elements_and_nesting_moodle_writes(backup: dict[str, bytes]) -> None:
    reference = json.loads(GOLDEN_REFERENCE.read_text())
    ours = structure(backup)
    for kind, paths in reference.items():
        if NOT_WRITTEN.match(kind):
            continue
        assert kind in ours, f"the backup lacks {kind}"
        absent = {p for p in set(paths) - set(ours[kind])
                  if not any(p == a or p.startswith(a + "/") for a in ABSENT_ON_PURPOSE.get(kind, ()))}
        assert absent == set(), (kind, sorted(absent))


def test_the_backup_is_a_gzip_tar_with_the_manifest_first_and_fixed_metadata(built: BuildResult) -> None:
    data = built.packages[0].path.read_bytes()
    assert data[:2] == b"\x1f\x8b" and data[4:8] == b"\0\0\0\0"  # gzip, header time 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        infos = archive.getmembers()
    assert infos[0].name == "moodle_backup.xml"
    assert [i.name for i in infos[1:]] == sorted(i.name for i in infos[1:])
    stamp = archive_time(source_date_epoch())  # SOURCE_DATE_EPOCH when set (CI sets it), else 1980
    assert {(i.uid, i.gid, i.mode, i.mtime, i.type) for i in infos} == {(0, 0, 0o644, stamp, tarfile.REGTYPE)}


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    first = build_project(PROJECTS / "minimal", tmp_path / "a", ["mbz"], "unit", SCHEMAS)
    second = build_project(PROJECTS / "minimal", tmp_path / "b", ["mbz"], "unit", SCHEMAS)
    assert [p.path.name for p in first.packages] == ["demo-U01-mbz.mbz", "demo-U02-mbz.mbz"]
    assert [p.sha256 for p in first.packages] == [p.sha256 for p in second.packages]


def test_the_backup_declares_moodle_4_1_and_lists_every_section_and_activity(backup: dict[str, bytes]) -> None:
    info = xml(backup, "moodle_backup.xml").find("information")
    assert info is not None
    assert (info.findtext("backup_version"), info.findtext("backup_release")) == ("2022112800", "4.1")
    for activity in info.iterfind("contents/activities/activity"):
        folder = activity.findtext("directory")
        assert f"{folder}/module.xml" in backup and f"{folder}/{activity.findtext('modulename')}.xml" in backup
    names = [s.findtext("title") for s in info.iterfind("contents/sections/section")]
    assert names == ["0", "U01 Basics", "U02 Practice"]


# --- course, sections, pages --------------------------------------------------------------------------------

def test_sections_are_named_after_units_with_outcomes_points_and_months(backup: dict[str, bytes]) -> None:
    section = xml(backup, "sections/section_2/section.xml")
    assert section.findtext("name") == "U01 Basics"
    summary = section.findtext("summary") or ""
    assert "1 ECVET points" in summary and "Month 1" in summary and "U01-LO1: Explain what a cluster is." in summary
    general = xml(backup, "sections/section_1/section.xml")
    assert general.findtext("number") == "0" and general.findtext("name") == "$@NULL@$"
    modules = [xml(backup, one(backup, rf"activities/[a-z]+_{cmid}/module.xml")).findtext("modulename")
               for cmid in (general.findtext("sequence") or "").split(",")]
    assert modules == ["page", "scorm"]
    course = xml(backup, "course/course.xml")
    assert (course.findtext("fullname"), course.findtext("format"), course.findtext("enablecompletion")) == (
        "Demo Programme", "topics", "1")


def test_pages_keep_styles_images_and_moodle_links(backup: dict[str, bytes]) -> None:
    page = xml(backup, one(backup, r"activities/page_\d+/page.xml"))
    pages = {xml(backup, n).findtext("page/name"): xml(backup, n).findtext("page/content") or ""
             for n in backup if re.fullmatch(r"activities/page_\d+/page.xml", n)}
    lesson = pages["What is a cluster?"]
    assert lesson.startswith("<style>") and ".curriculum-page" in lesson
    assert 'src="@@PLUGINFILE@@/media/modules/01-basics/images/map.svg"' in lesson
    links = re.findall(r'href="\$@PAGEVIEWBYID\*(\d+)@\$"', lesson)
    targets = {xml(backup, one(backup, rf"activities/page_{cmid}/page.xml")).findtext("page/name") for cmid in links}
    assert targets == {"Mapping actors", "Case study: An energy cluster"}
    assert "page-id:" not in "".join(pages.values())
    files = xml(backup, "files.xml")
    svg = [f for f in files if f.findtext("filename") == "map.svg"]
    assert [(f.findtext("component"), f.findtext("filearea"), f.findtext("filepath")) for f in svg] == [
        ("mod_page", "content", "/media/modules/01-basics/images/")]
    assert page is not None


def test_links_to_pages_outside_a_unit_backup_keep_their_text_only(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["mbz"], "unit", SCHEMAS, ["U02"])
    backup = members(result.packages[0].path.read_bytes())
    contents = "".join(xml(backup, n).findtext("page/content") or "" for n in backup if n.endswith("/page.xml"))
    assert "page-id:" not in contents
    assert all(f"page_{cmid}/" in " ".join(backup) for cmid in re.findall(r"PAGEVIEWBYID\*(\d+)@", contents))


# --- quizzes and questions ----------------------------------------------------------------------------------

def questions_of(backup: dict[str, bytes]) -> dict[str, etree._Element]:
    return {e.findtext("idnumber") or "": e.find(".//question") for e in xml(backup, "questions.xml").iter("question_bank_entry")}


def test_every_question_type_is_native(backup: dict[str, bytes]) -> None:
    qtypes = {ident: q.findtext("qtype") for ident, q in questions_of(backup).items()}
    assert set(qtypes.values()) == {"multichoice", "truefalse", "shortanswer", "numerical", "match", "essay"}
    questions = questions_of(backup)
    numerical = next(q for q in questions.values() if q.findtext("qtype") == "numerical")
    record = numerical.find(".//numerical_record")
    answer = numerical.find(".//answer")
    assert record is not None and answer is not None and record.findtext("answer") == answer.get("id")
    assert Decimal(record.findtext("tolerance") or "0") > 0
    match = next(q for q in questions.values() if q.findtext("qtype") == "match")
    assert len(match.findall(".//matches/match")) >= 2 and match.findtext(".//matchoptions/shuffleanswers") == "1"
    for choice in (q for q in questions.values() if q.findtext("qtype") == "multichoice"):
        assert choice.findtext(".//multichoice/shuffleanswers") == "1"
        fractions = [Decimal(a.findtext("fraction") or "0") for a in choice.iter("answer")]
        assert sum(f for f in fractions if f > 0) == Decimal(1)


def test_quiz_total_is_the_sum_of_marks_and_the_pass_grade_follows_pass_mark(backup: dict[str, bytes]) -> None:
    entries = {e.get("id"): e for e in xml(backup, "questions.xml").iter("question_bank_entry")}
    course, _ = load_project(PROJECTS / "minimal")
    pass_marks = {f"Quiz: {u.quiz.title}": u.quiz.pass_mark for u in course.units if u.quiz}
    for name in (n for n in backup if n.endswith("/quiz.xml")):
        quiz = xml(backup, name).find("quiz")
        assert quiz is not None
        marks = [Decimal(i.findtext("maxmark") or "0") for i in quiz.iter("question_instance")]
        defaults = [Decimal(entries[r].findtext(".//defaultmark") or "0") for r in
                    (i.findtext("question_reference/questionbankentryid") for i in quiz.iter("question_instance"))]
        assert marks == defaults and Decimal(quiz.findtext("sumgrades") or "0") == sum(marks)
        assert Decimal(quiz.findtext("grade") or "0") == sum(marks)
        item = xml(backup, name.replace("quiz.xml", "grades.xml")).find(".//grade_item")
        assert item is not None and Decimal(item.findtext("gradepass") or "0") == (
            sum(marks) * pass_marks[quiz.findtext("name", "")] / 100)
        assert quiz.findtext("shuffleanswers") == "1" and int(quiz.findtext("reviewrightanswer") or "0") > 0
        bands = sorted((Decimal(f.findtext("mingrade") or "0"), Decimal(f.findtext("maxgrade") or "0"))
                       for f in quiz.iter("feedback"))
        assert bands == [(Decimal(0), Decimal(item.findtext("gradepass") or "0")),
                         (Decimal(item.findtext("gradepass") or "0"), sum(marks) + 1)]


def test_each_unit_has_its_own_question_category(backup: dict[str, bytes]) -> None:
    categories = xml(backup, "questions.xml").findall("question_category")
    assert [c.findtext("name") for c in categories] == ["top", "U01 Basics", "U02 Practice"]
    for category in categories[1:]:
        ids = {e.findtext("idnumber") or "" for e in category.iter("question_bank_entry")}
        assert ids and all(i.startswith(category.findtext("name", "")[:3]) for i in ids)


# --- completion, competencies, badges -----------------------------------------------------------------------

def test_activity_and_course_completion(backup: dict[str, bytes]) -> None:
    rules = {}
    for name in (n for n in backup if n.endswith("/module.xml")):
        module = xml(backup, name)
        rules.setdefault(module.findtext("modulename"), set()).add(
            (module.findtext("completion"), module.findtext("completionview"), module.findtext("completionpassgrade")))
    assert rules == {"page": {("2", "1", "0")}, "url": {("2", "1", "0")}, "quiz": {("2", "0", "1")},
                     "forum": {("2", "0", "0")}, "scorm": {("2", "0", "0")}}
    forum = xml(backup, one(backup, r"activities/forum_\d+/forum.xml"))
    assert forum.findtext("forum/completionposts") == "1"
    scorm = xml(backup, one(backup, r"activities/scorm_\d+/scorm.xml"))
    assert scorm.findtext("scorm/completionstatusrequired") == "4"
    modules = {m.findtext("moduleid") for m in xml(backup, "moodle_backup.xml").iterfind(".//activities/activity")}
    criteria = {c.findtext("moduleinstance") for c in xml(backup, "completion.xml").iter("course_completion_criteria")}
    assert criteria == modules


def test_course_and_activities_link_skills_of_the_framework_by_id_number(backup: dict[str, bytes]) -> None:
    course = xml(backup, "course/competencies.xml")
    assert {c.findtext("frameworkidnumber") for c in course.iter("competency")} == {"demo"}
    assert [c.findtext("idnumber") for c in course.iter("competency")] == ["F01.S01", "F01.S02"]
    quiz = xml(backup, one(backup, r"activities/quiz_\d+/competencies.xml"))
    assert [c.findtext("idnumber") for c in quiz.iter("competency")]


def test_a_badge_per_unit_for_its_activities_and_one_for_the_programme(backup: dict[str, bytes]) -> None:
    badges = xml(backup, "badges.xml").findall("badge")
    assert [b.findtext("name") for b in badges] == ["Unit U01: Basics", "Unit U02: Practice", "Demo Programme"]
    first = badges[0]
    assert "1 ECVET points" in (first.findtext("description") or "") and "U01-LO1" in (first.findtext("description") or "")
    section = xml(backup, "sections/section_2/section.xml").findtext("sequence", "").split(",")
    assert [p.findtext("value") for p in first.iter("parameter")] == section
    assert [p.findtext("name") for p in badges[-1].iter("parameter")] == ["course_1"]
    images = [f for f in xml(backup, "files.xml") if f.findtext("filearea") == "badgeimage" and f.findtext("filename") != "."]
    assert len(images) == 3 * len(badges)


def test_badge_images_are_deterministic_pngs_of_moodles_sizes() -> None:
    image = badge_png(100, (10, 20, 30), "03")
    assert image[:8] == b"\x89PNG\r\n\x1a\n" and image[16:24] == (100).to_bytes(4, "big") * 2
    assert image == badge_png(100, (10, 20, 30), "03") != badge_png(100, (30, 20, 10), "03")
    assert image != badge_png(100, (10, 20, 30), "08") != badge_png(100, (10, 20, 30))  # the unit's number; a star


def test_the_self_assessment_is_a_scorm_package_stored_as_a_file(backup: dict[str, bytes]) -> None:
    files = xml(backup, "files.xml")
    package = next(f for f in files if f.findtext("filearea") == "package" and f.findtext("filename") != ".")
    digest = package.findtext("contenthash") or ""
    data = backup[f"files/{digest[:2]}/{digest}"]
    report = validate_bytes("self-assessment.zip", data, SCHEMAS)
    assert report.ok and report.format == "scorm12", report.diagnostics
    scorm = xml(backup, one(backup, r"activities/scorm_\d+/scorm.xml"))
    assert scorm.findtext("scorm/sha1hash") == hashlib.sha1(data).hexdigest()
    content = {f.findtext("filepath", "") + f.findtext("filename", "") for f in files if f.findtext("filearea") == "content"
               and f.findtext("component") == "mod_scorm"}
    assert {"/imsmanifest.xml", "/self-assessment.html", "/assets/runtime.js"} <= content


# --- validate -----------------------------------------------------------------------------------------------

def repack(files: dict[str, bytes], extra: list[tarfile.TarInfo] = ()) -> bytes:  # type: ignore[assignment]
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for info in extra:
            archive.addfile(info)
    return out.getvalue()


def codes(data: bytes) -> list[str]:
    return [d.code for d in validate_bytes("course.mbz", data, SCHEMAS).diagnostics]


def test_validate_passes_our_backup(built: BuildResult) -> None:
    report = validate_bytes("demo-mbz.mbz", built.packages[0].path.read_bytes(), SCHEMAS)
    assert report.ok and report.diagnostics == () and report.format == "mbz"
    assert report.version == "Moodle 4.1 course backup" and report.resources == 12


def test_validate_catches_a_missing_file_and_a_bad_hash(backup: dict[str, bytes]) -> None:
    stored = sorted(n for n in backup if n.startswith("files/"))
    missing = {n: d for n, d in backup.items() if n != stored[0]}
    assert codes(repack(missing)) == ["CUR453"]
    changed = {**backup, stored[0]: backup[stored[0]] + b"x"}
    assert codes(repack(changed)) == ["CUR454"]


def test_validate_catches_dangling_ids(backup: dict[str, bytes]) -> None:
    section = backup["sections/section_2/section.xml"].replace(b"<sequence>3,", b"<sequence>999,")
    assert codes(repack({**backup, "sections/section_2/section.xml": section})) == ["CUR456"]
    quiz_name = one(backup, r"activities/quiz_\d+/quiz.xml")
    quiz = re.sub(rb"<questionbankentryid>\d+<", b"<questionbankentryid>4242<", backup[quiz_name], count=1)
    assert codes(repack({**backup, quiz_name: quiz})) == ["CUR456"]
    badges = re.sub(rb"<value>\d+</value>", b"<value>777</value>", backup["badges.xml"], count=1)
    assert codes(repack({**backup, "badges.xml": badges})) == ["CUR456"]


def test_validate_treats_the_backup_as_untrusted(backup: dict[str, bytes]) -> None:
    link = tarfile.TarInfo("course/evil.xml")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    assert codes(repack(backup, [link])) == ["CUR452"]
    assert "CUR452" in codes(repack({**backup, "../escape.xml": b"<x/>"}))
    entity = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><users>&a;</users>'
    assert codes(repack({**backup, "users.xml": entity})) == ["CUR403"]
    assert codes(repack({n: d for n, d in backup.items() if n != "moodle_backup.xml"})) == ["CUR451"]
    assert codes(b"\x1f\x8bnot really gzip") == ["CUR450"]


def test_mbz_is_registered_with_a_programme_default_scope() -> None:
    packager = PACKAGERS["mbz"]
    assert (packager.extension, packager.container, packager.scopes[0]) == (".mbz", "tar.gz", "programme")


def test_validate_accepts_the_real_moodle_backup_packed_either_way(tmp_path: Path) -> None:
    if not REFERENCE.is_dir():
        pytest.skip("../shared/moodle-reference is not beside this checkout")
    files = {str(p.relative_to(REFERENCE)): p.read_bytes() for p in sorted(REFERENCE.rglob("*")) if p.is_file()}
    report = validate_bytes("demo.mbz", repack(files), SCHEMAS)
    assert report.ok and report.format == "mbz" and report.version == "Moodle 4.2 course backup", report.diagnostics
    as_zip = io.BytesIO()
    with zipfile.ZipFile(as_zip, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    assert validate_bytes("demo.mbz", as_zip.getvalue(), SCHEMAS).ok
    broken = {n: d for n, d in files.items() if not n.startswith("files/")}
    with zipfile.ZipFile(as_zip := io.BytesIO(), "w") as archive:
        for name, data in broken.items():
            archive.writestr(name, data)
    assert {d.code for d in validate_bytes("demo.mbz", as_zip.getvalue(), SCHEMAS).diagnostics} == {"CUR453"}


def test_validate_refuses_names_longer_than_moodle_stores(backup: dict[str, bytes]) -> None:
    section = backup["sections/section_2/section.xml"].replace(b"<name>U01 Basics</name>",
                                                               b"<name>" + b"x" * 256 + b"</name>")
    assert codes(repack({**backup, "sections/section_2/section.xml": section})) == ["CUR458"]


# --- wiring and golden files --------------------------------------------------------------------------------

def test_build_and_validate_commands_handle_mbz(tmp_path: Path) -> None:
    runner = CliRunner()
    built = runner.invoke(cli, ["build", str(PROJECTS / "minimal"), "--format", "mbz", "--out", str(tmp_path),
                                "--schemas", str(SCHEMAS)])
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-mbz.mbz"]  # the programme by default
    checked = runner.invoke(cli, ["validate", str(tmp_path / "demo-mbz.mbz"), "--schemas", str(SCHEMAS)])
    assert checked.exit_code == 0 and "Moodle 4.1 course backup" in checked.output


@pytest.mark.parametrize("name", ["moodle_backup.xml", "sections/section_2/section.xml", "course/course.xml",
                                  "completion.xml"])
def test_backup_files_match_golden_files(backup: dict[str, bytes], name: str, update_golden: bool) -> None:
    golden = GOLDEN_REFERENCE.parent / f"programme-demo.{name.replace('/', '.')}"
    if update_golden:
        golden.write_bytes(backup[name])
    assert golden.exists(), f"missing golden file {golden}; run pytest --update-golden and review the diff"
    assert etree.canonicalize(backup[name].decode(), strip_text=True) == etree.canonicalize(
        golden.read_text(encoding="utf-8"), strip_text=True), golden.name


def test_no_text_in_the_backup_links_to_a_file_moodle_would_not_find(backup: dict[str, bytes]) -> None:
    allowed = re.compile(r"(https?:|mailto:|#|@@PLUGINFILE@@/|\$@PAGEVIEWBYID\*\d+@\$)")
    targets = {target for name, data in backup.items() if name.endswith(".xml")
               for element in etree.fromstring(data).iter() if element.text
               for target in re.findall(r'(?:href|src)="([^"]*)"', element.text)}
    assert targets and {t for t in targets if not allowed.match(t)} == set()


def test_activities_carry_authored_id_numbers_and_the_course_its_dates(backup: dict[str, bytes]) -> None:
    idnumbers = {xml(backup, n).findtext("idnumber") for n in backup if n.endswith("/module.xml")}
    assert {"demo-overview", "demo-self-assessment", "U01-about", "U01-quiz", "U01-forum", "U01-reading-1"} <= idnumbers
    lessons = {lesson.id for unit in load_project(PROJECTS / "minimal")[0].units for lesson in unit.lessons}
    assert lessons <= idnumbers
    grades = {xml(backup, n).findtext(".//grade_item/idnumber") for n in backup if re.fullmatch(r"activities/quiz_\d+/grades.xml", n)}
    assert grades == {"U01-quiz", "U02-quiz"}
    course = xml(backup, "course/course.xml")
    assert (course.findtext("startdate"), course.findtext("enddate")) == ("1768435200", "1773532800")  # 15 Jan-15 Mar


def test_names_longer_than_moodle_stores_are_cut_so_the_restore_goes_through(make_project: MakeProject,
                                                                              tmp_path: Path) -> None:
    long_title = "A very long lesson title " * 12
    root = make_project()
    lesson = root / "modules/01-basics/02-mapping.md"
    lesson.write_text(re.sub(r"(?m)^title: .*$", f"title: {long_title.strip()}", lesson.read_text(), count=1))
    result = build_project(root, tmp_path, ["mbz"], None, SCHEMAS)
    assert result.ok, result.diagnostics
    names = [xml(members(result.packages[0].path.read_bytes()), n).findtext("page/name") or ""
             for n in members(result.packages[0].path.read_bytes()) if n.endswith("/page.xml")]
    cut = [n for n in names if n.startswith("A very long")]
    assert len(cut) == 1 and len(cut[0]) == 255 and cut[0].endswith("…")


def test_validate_caps_what_it_reads(backup: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.validate import backup as checker

    monkeypatch.setattr(checker, "MAX_XML_BYTES", 1000)
    assert "CUR457" in codes(repack(backup))
    monkeypatch.setattr(checker, "MAX_TOTAL_BYTES", 10_000)
    assert codes(repack(backup)) == ["CUR457"]
