"""Validate stage, one pass: a built package is opened and vetted once for both its report and its LMS findings.

`inspect_bytes` must say exactly what `validate_bytes` and `check_lms` say on their own, on every format we build
and on the damaged and hostile packages the other tests use; it shares bytes and parsed XML only where that
cannot change an answer, and keeps memory bounded.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from test_lms import CASES, question, quiz_package
from test_validate import LAUGHS, PACKAGES, SCORM12, XXE, write_zip_bytes

import generator.validate.entries as entries_module
import generator.validate.safexml as safexml
from generator.archive import ZipEntry, build_tar_gz
from generator.build import PACKAGERS, BuildResult, build_project
from generator.diagnostics import Diagnostic
from generator.lms import LMS_NAMES, check_lms, inspect_bytes
from generator.validate import validate_bytes
from generator.validate.entries import check_entries
from helpers import REPO, SCHEMAS


def assert_one_pass_agrees(name: str, data: bytes, schemas: Path | None = SCHEMAS) -> None:
    for lms in (LMS_NAMES, ("canvas",), ()):
        report, findings = inspect_bytes(name, data, schemas, lms)
        assert report == validate_bytes(name, data, schemas)
        assert findings == check_lms(data, name, lms)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_project(REPO, tmp_path_factory.mktemp("built"), list(PACKAGERS), "programme", SCHEMAS)
    assert result.ok
    return result


def test_every_format_we_build_gets_the_report_and_findings_of_validate_and_check_lms(built: BuildResult) -> None:
    paths = [p.path for p in built.packages]
    assert {p.suffix for p in paths} == {PACKAGERS[name].extension for name in PACKAGERS}  # .zip, .imscc, .mbz
    for path in paths:
        assert_one_pass_agrees(path.name, path.read_bytes())
        assert_one_pass_agrees(path.name, path.read_bytes(), schemas=None)


def test_the_lms_findings_of_a_build_are_those_check_lms_gives(built: BuildResult) -> None:
    for package in built.packages:
        assert package.lms == check_lms(package.path.read_bytes(), package.path.name, LMS_NAMES), package.path.name


@pytest.mark.parametrize("code", sorted(CASES))
def test_every_lms_rule_fires_and_stays_quiet_as_check_lms_says(code: str) -> None:
    _, hit, quiet = CASES[code]
    for files in (hit, quiet):
        data = (build_tar_gz([ZipEntry(n, c.encode()) for n, c in files.items()]) if "moodle_backup.xml" in files
                else write_zip_bytes(dict(files)))
        assert_one_pass_agrees("pkg.zip", data)


def _corrupt(data: bytes, entry: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(entry)
    damaged = bytearray(data)
    name_len = int.from_bytes(damaged[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(damaged[info.header_offset + 28:info.header_offset + 30], "little")
    damaged[info.header_offset + 30 + name_len + extra_len + info.compress_size // 2] ^= 0xFF
    return bytes(damaged)


def _with_symlink(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO(write_zip_bytes(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo("passwd.html", date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system, info.external_attr = 3, 0o120777 << 16
        archive.writestr(info, b"/etc/passwd")
    return buffer.getvalue()


def _twice(files: dict[str, str | bytes], name: str, second: str | bytes) -> bytes:
    buffer = io.BytesIO(write_zip_bytes(files))
    with zipfile.ZipFile(buffer, "a") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), second)
    return buffer.getvalue()


LATIN1_QUIZ = quiz_package(question("cc.matching.v0p1").replace('ident="Q1"', 'ident="Q\xe9"'))
LATIN1_QUIZ["quiz/assessment.xml"] = LATIN1_QUIZ["quiz/assessment.xml"].replace('encoding="UTF-8"',
                                                                                'encoding="ISO-8859-1"')

HOSTILE: dict[str, bytes] = {
    "not a zip": b"this is not a zip",
    "a corrupt page": _corrupt(write_zip_bytes(PACKAGES["cc11"]), "page.html"),
    "a corrupt manifest": _corrupt(write_zip_bytes({**PACKAGES["scorm12"], "imsmanifest.xml": SCORM12 * 3}),
                                   "imsmanifest.xml"),
    "a symlink entry": _with_symlink(PACKAGES["scorm12"]),
    "a manifest twice, the copies differing": _twice(PACKAGES["cc11"], "imsmanifest.xml",
                                                     PACKAGES["cc13"]["imsmanifest.xml"]),
    "a zip bomb entry": write_zip_bytes({**PACKAGES["imscp"], "zeros.bin": bytes(2 << 20)}),
    "a manifest with entities": write_zip_bytes({**PACKAGES["imscp"], "imsmanifest.xml": XXE}),
    "billion laughs": write_zip_bytes({**PACKAGES["imscp"], "imsmanifest.xml": LAUGHS}),
    "a manifest in a folder": write_zip_bytes({f"course/{n}": c for n, c in PACKAGES["cc11"].items()}),
    "a manifest that is not XML": write_zip_bytes({**PACKAGES["cc11"], "imsmanifest.xml": "<manifest"}),
    "a quiz in Latin-1, not UTF-8": write_zip_bytes(
        {n: c.encode("latin-1") for n, c in LATIN1_QUIZ.items()}),
    "a page that is not UTF-8": write_zip_bytes({**PACKAGES["cc11"], "page.html": b"<p>\xff\xfe</p><script>"}),
    "a Moodle backup packed as a zip": write_zip_bytes({"moodle_backup.xml": "<moodle_backup/>"}),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_damaged_and_hostile_packages_get_the_same_diagnostics_and_findings(case: str) -> None:
    assert_one_pass_agrees("pkg.zip", HOSTILE[case])


def test_a_quiz_not_in_utf_8_is_parsed_again_for_the_rules_as_check_lms_reads_it() -> None:
    # validate parses the bytes as Latin-1 ('Qé'); the rules read the text UTF-8-decoded, undecodable bytes replaced
    # by U+FFFD, and encode it again: its UTF-8 bytes then read as Latin-1
    findings = inspect_bytes("pkg.zip", HOSTILE["a quiz in Latin-1, not UTF-8"], SCHEMAS, ["moodle"])[1]
    dropped = [f.hit.detail for f in findings if f.rule.code == "CUR437"]
    assert dropped and "'Q\u00ef\u00bf\u00bd'" in dropped[0]


def test_entry_bytes_are_kept_only_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = {f"p{n}.html": f"<p>{n}</p>" * 100 for n in range(20)}
    data = write_zip_bytes({**PACKAGES["cc11"], **pages})
    monkeypatch.setattr(entries_module, "KEEP_BUDGET", 5000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        vetted = check_entries(archive, "pkg.zip", [], keep=lambda name: True)
        assert vetted is not None
        assert 0 < sum(len(b) for b in vetted.kept.values()) <= 5000
        assert all(archive.read(name) == kept for name, kept in vetted.kept.items())
    assert_one_pass_agrees("pkg.zip", data)


# --- the element count's shortcut --------------------------------------------------------------------------------

def _document(elements: int, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> str:
    return declaration + "<r>" + "<a/>" * (elements - 1) + "</r>"


def test_a_document_with_few_enough_angle_brackets_is_parsed_without_the_streaming_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_count(data: bytes) -> int:
        raise AssertionError("counted")

    monkeypatch.setattr(safexml, "_count_elements", no_count)
    assert safexml.parse_xml(_document(50).encode(), PurePosixPath("a.xml"), []) is not None


@pytest.mark.parametrize(("case", "data"), [
    ("UTF-8", _document(11).encode()),
    ("no declaration", _document(11, "").encode()),
    ("UTF-16", _document(11, '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")),
    # UTF-7 may write '<' as '+ADw-': 11 elements from 3 bytes 0x3C, which libxml2 reads all the same
    ("UTF-7", b'<?xml version="1.0" encoding="UTF-7"?>\n<r>' + b"+ADw-a/>" * 10 + b"</r>"),
    ("UTF-7 declared far out", b'<?xml version="1.0"' + b" " * 600 + b'encoding="UTF-7"?>\n<r>' + b"+ADw-a/>" * 10
     + b"</r>"),
])
def test_a_document_over_the_element_cap_is_still_refused(monkeypatch: pytest.MonkeyPatch, case: str,
                                                           data: bytes) -> None:
    monkeypatch.setattr(safexml, "MAX_ELEMENTS", 10)
    diags: list[Diagnostic] = []
    assert safexml.parse_xml(data, PurePosixPath("a.xml"), diags) is None
    assert [d.code for d in diags] == ["CUR473"], case


# --- references resolved once per resource ------------------------------------------------------------------------

def test_xml_base_on_every_level_combines_outermost_first_and_names_the_owner() -> None:
    from lxml import etree

    from generator.validate.manifest import IMSCP_114, ManifestFormat
    from generator.validate.references import collect_references

    root = etree.fromstring(
        f'<manifest xmlns="{IMSCP_114}" xml:base="course/"><resources xml:base="pages/">'
        '<resource identifier="r1" href="index.html" xml:base="unit1/"><file href="index.html"/>'
        '<file href="a.html" xml:base="sub/" identifier="f1"/><file href="/abs.html"/></resource>'
        '<resource identifier="r2" href="http://example.org/x.html"><file href="b.html"/></resource>'
        "</resources></manifest>")
    found = [(r.owner, r.value, r.target, r.problem)
             for r in collect_references(root, ManifestFormat("imscp", "IMS CP 1.1.4", IMSCP_114))]
    assert found == [
        ("resource 'r1'", "index.html", "course/pages/unit1/index.html", None),
        ("resource 'r1'", "index.html", "course/pages/unit1/index.html", None),
        ("file 'f1'", "a.html", "course/pages/unit1/sub/a.html", None),
        ("resource 'r1'", "/abs.html", None, "is an absolute path"),
        ("resource 'r2'", "http://example.org/x.html", None, None),
        ("resource 'r2'", "b.html", "course/pages/b.html", None),
    ]


def test_the_page_link_scan_finds_what_a_case_insensitive_href_pattern_finds() -> None:
    import re

    from generator.lms.rules import _HREF

    reference = re.compile(r"""\bhref\s*=\s*["']([^"'#?]+)""", re.IGNORECASE)
    html = ("<a href='a.html'>a</a><A HREF=\"B.htm\">b</A><a Href = 'c.xhtml#top'></a><a xhref='no.html'></a>"
            "<a data-href='d.html'></a>éhref='e.html' <a hReF='f.html?x=1'></a>_href='g.html' href=\"\"")
    assert _HREF.findall(html) == reference.findall(html) == ["a.html", "B.htm", "c.xhtml", "d.html", "f.html"]
