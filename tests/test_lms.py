"""validate --lms: every rule of the LMS table fires on a package that has the construct and not on one without."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.archive import ZipEntry, build_tar_gz
from generator.build import PACKAGERS, build_project
from generator.cli import cli
from generator.diagnostics import CODES
from generator.lms import RULES, check_lms
from helpers import REPO, SCHEMAS

CC11 = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CC13 = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
PAGE = "<!doctype html><html><head><title>Lesson</title></head><body><p>Hello</p></body></html>\n"


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def cartridge(resources: str, items: str = "", ns: str = CC11, before_xmlns: str = "",
              sections: str = "<title>Unit 1</title>") -> str:
    launched = items or "".join(
        f'<item identifier="I{n}" identifierref="{ident}"><title>Item {n}</title></item>'
        for n, ident in enumerate(_identifiers(resources), start=1))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="cc" {before_xmlns}xmlns="{ns}">\n'
            "<metadata><schema>IMS Common Cartridge</schema><schemaversion>1.1.0</schemaversion></metadata>\n"
            '<organizations><organization identifier="org" structure="rooted-hierarchy"><item identifier="root">'
            f'<item identifier="S1">{sections}{launched}</item></item></organization></organizations>\n'
            f"<resources>{resources}</resources>\n</manifest>\n")


def _identifiers(resources: str) -> list[str]:
    import re

    return re.findall(r'identifier="([^"]+)"', resources)


def page_resource(ident: str = "R1", href: str = "page.html") -> str:
    return f'<resource identifier="{ident}" type="webcontent" href="{href}"><file href="{href}"/></resource>'


def quiz(items: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">'
            f'<assessment ident="A1" title="Quiz"><section ident="S">{items}</section></assessment></questestinterop>')


def question(profile: str = "cc.multiple_choice.v0p1", shuffle: str = "No") -> str:
    return ('<item ident="Q1" title="Q"><itemmetadata><qtimetadata><qtimetadatafield><fieldlabel>cc_profile'
            f"</fieldlabel><fieldentry>{profile}</fieldentry></qtimetadatafield></qtimetadata></itemmetadata>"
            f'<presentation><response_lid ident="R"><render_choice shuffle="{shuffle}"/></response_lid></presentation>'
            "</item>")


def quiz_package(items: str) -> dict[str, str]:
    resource = ('<resource identifier="RQ" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">'
                '<file href="quiz/assessment.xml"/></resource>')
    return {"imsmanifest.xml": cartridge(resource), "quiz/assessment.xml": quiz(items)}


def scorm2004(objective: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="m" '
            'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
            'xmlns:imsss="http://www.imsglobal.org/xsd/imsss">\n'
            "<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>\n"
            '<organizations default="o"><organization identifier="o"><title>T</title>'
            '<item identifier="i" identifierref="r"><title>L</title><imsss:sequencing><imsss:objectives>'
            f'<imsss:primaryObjective objectiveID="p"/>{objective}</imsss:objectives></imsss:sequencing></item>'
            "</organization></organizations>\n"
            '<resources><resource identifier="r" type="webcontent" adlcp:scormType="sco" href="index.html">'
            '<file href="index.html"/></resource></resources>\n</manifest>\n')


SCORM12 = ('<?xml version="1.0"?>\n<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2">'
           '<organizations default="o"><organization identifier="o"><title>T</title></organization></organizations>'
           "<resources/></manifest>\n")
MAP_INFO = ('<imsss:objective objectiveID="LO1"><imsss:mapInfo targetObjectiveID="g.LO1" '
            'writeSatisfiedStatus="true"/></imsss:objective>')
LONG = ('xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="'
        + "http://example.org/a-long-schema-location.xsd " * 12 + '" ')
SHUFFLED_OPTIONS = question(shuffle="Yes")

# rule code -> (LMS, a package that triggers it, a package that does not)
CASES: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "CUR430": ("moodle", {"imsmanifest.xml": scorm2004(MAP_INFO), "index.html": PAGE},
               {"imsmanifest.xml": scorm2004('<imsss:objective objectiveID="LO1"/>'), "index.html": PAGE}),
    "CUR431": ("moodle", {"imsmanifest.xml": cartridge(page_resource(), ns=CC13), "page.html": PAGE},
               {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE}),
    "CUR432": ("moodle", {"imsmanifest.xml": cartridge(page_resource(), before_xmlns=LONG), "page.html": PAGE},
               {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE}),
    "CUR433": ("generic", {"course/imsmanifest.xml": SCORM12}, {"imsmanifest.xml": SCORM12}),
    "CUR434": ("moodle",
               {"imsmanifest.xml": cartridge('<resource identifier="R1" type="associatedcontent/imscc_xmlv1p1/'
                                             'learning-application-resource" href="app.html"><file href="app.html"/>'
                                             "</resource>"), "app.html": PAGE},
               {"imsmanifest.xml": cartridge('<resource identifier="R1" type="associatedcontent/imscc_xmlv1p1/'
                                             'learning-application-resource" href="a.pdf"><file href="a.pdf"/>'
                                             "</resource>"), "a.pdf": "%PDF-1.4"}),
    "CUR435": ("moodle", {"imsmanifest.xml": cartridge(page_resource()),
                          "page.html": PAGE.replace("</head>", "<script src='app.js'></script></head>")},
               {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE}),
    "CUR436": ("moodle", {"imsmanifest.xml": cartridge(page_resource() + page_resource("R2", "next.html")),
                          "page.html": PAGE.replace("Hello", "<a href='next.html'>next</a>"), "next.html": PAGE},
               {"imsmanifest.xml": cartridge(page_resource() + page_resource("R2", "next.html")),
                "page.html": PAGE.replace("Hello", "<a href='https://example.org/next.html'>web</a>"),
                "next.html": PAGE}),
    "CUR437": ("moodle", quiz_package(question("cc.matching.v0p1")), quiz_package(question())),
    "CUR438": ("moodle", quiz_package(question()), {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE}),
    "CUR439": ("moodle", quiz_package(SHUFFLED_OPTIONS), quiz_package(question())),
    "CUR440": ("moodle", {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE},
               {"imsmanifest.xml": cartridge(page_resource(), sections=""), "page.html": PAGE}),
    "CUR441": ("moodle", {"imsmanifest.xml": cartridge('<resource identifier="R1" type="x-vendor/simulation" '
                                                       'href="sim.bin"><file href="sim.bin"/></resource>'),
                          "sim.bin": "x"},
               {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE}),
    "CUR442": ("canvas", {"imsmanifest.xml": SCORM12}, {"imsmanifest.xml": cartridge(page_resource(), ns=CC13),
                                                        "page.html": PAGE}),
    "CUR444": ("generic", {"moodle_backup.xml": "<moodle_backup/>"}, {"imsmanifest.xml": SCORM12}),
    "CUR443": ("canvas", {"imsmanifest.xml": cartridge(page_resource()), "page.html": PAGE},
               {"imsmanifest.xml": cartridge('<resource identifier="R1" type="imswl_xmlv1p1"><file href="l.xml"/>'
                                             "</resource>"), "l.xml": "<webLink/>"}),
}


def codes_for(files: dict[str, str], lms: str) -> list[str]:
    package = (build_tar_gz([ZipEntry(n, c.encode()) for n, c in files.items()]) if "moodle_backup.xml" in files
               else zip_bytes(files))
    return [f.rule.code for f in check_lms(package, "pkg", [lms])]


def test_every_rule_has_a_case_a_code_and_a_source() -> None:
    assert sorted(CASES) == sorted(rule.code for rule in RULES)
    for rule in RULES:
        assert rule.code in CODES and "CUR430" <= rule.code <= "CUR449"
        assert rule.source.repository in ("moodle/moodle", "instructure/canvas-lms") and rule.source.file
        assert rule.versions and rule.seen and rule.hint


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_the_construct(code: str) -> None:
    lms, triggering, _ = CASES[code]
    assert code in codes_for(triggering, lms)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_stays_quiet_without_it(code: str) -> None:
    lms, _, clean = CASES[code]
    assert code not in codes_for(clean, lms)


def test_converted_questions_are_reported_too() -> None:
    findings = check_lms(zip_bytes(quiz_package(question("cc.fib.v0p1"))), "q.imscc", ["moodle"])
    assert [f.hit.detail for f in findings if f.rule.code == "CUR437"] == [
        "converted: 1 fill-in-the-blank or pattern-match question(s) become short answer, e.g. 'Q1'"]


def test_rules_apply_only_to_the_lms_asked_about() -> None:
    lms, triggering, _ = CASES["CUR430"]
    assert codes_for(triggering, "canvas") == ["CUR442"]  # Canvas has no SCORM import; mapInfo is Moodle's problem


def test_validate_lms_moodle_rejects_scorm2004_with_map_info_naming_moodle_code(tmp_path: Path) -> None:
    """Issue 13: one mapInfo is enough for Moodle to refuse the package; say where in Moodle it fails."""
    package = tmp_path / "mapinfo.zip"
    package.write_bytes(zip_bytes(CASES["CUR430"][1]))
    result = CliRunner().invoke(cli, ["validate", str(package), "--schemas", str(SCHEMAS), "--lms", "moodle"])
    assert result.exit_code == 1
    assert "error CUR430" in result.stderr
    assert "mod/scorm/datamodels/scormlib.php, scorm_get_manifest" in result.stderr
    assert "mapinfo.zip/imsmanifest.xml:4:" in result.stderr  # the line of the mapInfo
    assert "mapinfo.zip: valid, but refused on import (CUR430)" in result.stderr  # valid SCORM, refused by Moodle


def test_content_changes_are_warnings_and_do_not_fail(tmp_path: Path) -> None:
    package = tmp_path / "quiz.imscc"
    package.write_bytes(zip_bytes(CASES["CUR438"][1]))
    result = CliRunner().invoke(cli, ["validate", str(package), "--schemas", str(SCHEMAS), "--lms", "moodle",
                                      "--format", "json"])
    found = {d["code"]: d["severity"] for d in json.loads(result.stdout)["packages"][0]["diagnostics"]}
    assert found["CUR438"] == "warning" and found["CUR440"] == "warning"


def test_unknown_lms_is_a_usage_error(tmp_path: Path) -> None:
    package = tmp_path / "p.zip"
    package.write_bytes(zip_bytes({"imsmanifest.xml": SCORM12}))
    result = CliRunner().invoke(cli, ["validate", str(package), "--lms", "blackboard"])
    assert result.exit_code == 2 and "choose from moodle, canvas, generic" in result.stderr


def test_hostile_package_gives_findings_not_tracebacks() -> None:
    assert check_lms(b"not a zip", "x.zip", ["moodle", "canvas", "generic"]) == ()  # validate says CUR401
    doctype = '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY e "x">]><manifest xmlns="urn:x">&e;</manifest>'
    assert [f.rule.code for f in check_lms(zip_bytes({"imsmanifest.xml": doctype}), "x.zip", ["moodle"])] == []


@pytest.fixture(scope="module")
def real_programme(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("real")
    result = build_project(REPO, out, list(PACKAGERS), "unit", SCHEMAS)
    assert result.ok
    return [p.path for p in result.packages]


def test_every_package_of_the_real_programme_imports_into_moodle(real_programme: list[Path]) -> None:
    """Issue 13's done-when. CC 1.3 is the cartridge for Canvas and others; Moodle refuses that version by design."""
    for path in real_programme:
        refused = [f.rule.code for f in check_lms(path, path.name, ["moodle"]) if f.fails_import]
        assert refused == (["CUR431"] if path.name.endswith("-cc13.imscc") else []), path.name
    moodle = [str(p) for p in real_programme if not p.name.endswith("-cc13.imscc")]
    result = CliRunner().invoke(cli, ["validate", *moodle, "--schemas", str(SCHEMAS), "--lms", "moodle"])
    assert result.exit_code == 0, result.stderr[-2000:]


def test_docs_list_every_rule_as_the_table_says() -> None:
    from generator.lms.docs import with_rules

    page = (REPO / "docs/importing.md").read_text(encoding="utf-8")
    assert with_rules(page) == page, "docs/importing.md is stale: run python -m generator.lms.docs"
    assert all(f"{rule.code} `{rule.id}`" in page for rule in RULES)
