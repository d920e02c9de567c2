"""The self-assessment reaches every learner: its own SCORM package, a page and link in the cartridges, a static site."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from generator import load_project
from generator.build import build_project
from generator.cli import cli
from generator.formats.selfassessment import self_assessment_package
from generator.validate import validate_bytes
from helpers import PROJECTS, SCHEMAS, MakeProject

CC = {"cc": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
URL = "https://partner.example.org/cmp"


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_self_assessment_package_is_one_valid_sco_with_its_assets() -> None:
    course, _ = load_project(PROJECTS / "minimal")
    package = self_assessment_package(course)
    assert package is not None and package.name == "demo-self-assessment-scorm12.zip"
    report = validate_bytes(package.name, package.data, SCHEMAS)
    assert report.ok and report.diagnostics == () and report.format == "scorm12"
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        names = archive.namelist()
        html = archive.read("self-assessment.html").decode()
    assert names == ["imsmanifest.xml", "assets/runtime.js", "assets/selfassessment.js", "assets/style.css",
                     "self-assessment.html"]
    assert 'href="index.html"' not in html  # no overview in this package to go back to
    assert self_assessment_package(course).data == package.data  # type: ignore[union-attr]


def test_self_assessment_package_follows_the_interface_language() -> None:
    course, _ = load_project(PROJECTS / "minimal")
    package = self_assessment_package(course, "de")
    assert package is not None and package.name == "demo-de-self-assessment-scorm12.zip"


def test_german_cartridge_names_the_german_self_assessment_package(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["cc11"], "unit", SCHEMAS, lang="de")
    assert result.ok
    assert "demo-de-self-assessment-scorm12.zip" in entries(result.packages[0].path)["self-assessment.html"].decode()


def test_no_competence_profile_means_no_self_assessment_package(make_project: MakeProject) -> None:
    root = make_project({"curriculum/competences.yaml": None})
    course, _ = load_project(root)
    assert self_assessment_package(course) is None


def cartridge_of(root: Path, out: Path, *site_url: str) -> tuple[etree._Element, dict[str, bytes]]:
    result = build_project(root, out, ["cc11"], "unit", SCHEMAS, site_url=site_url[0] if site_url else None)
    assert result.ok, result.diagnostics
    files = entries(result.packages[0].path)
    return etree.fromstring(files["imsmanifest.xml"]), files


def test_cartridge_links_to_the_hosted_self_assessment(tmp_path: Path) -> None:
    manifest, files = cartridge_of(PROJECTS / "minimal", tmp_path, URL + "/")
    general = manifest.find("cc:organizations/cc:organization/cc:item/cc:item", CC)
    assert [i.findtext("cc:title", namespaces=CC) for i in general.findall("cc:item", CC)] == [  # type: ignore[union-attr]
        "Programme overview", "Self-assessment: where do you stand?", "Open the self-assessment"]
    link = etree.fromstring(files["weblinks/self-assessment.xml"])
    assert link[1].get("href") == f"{URL}/self-assessment.html"
    page = files["self-assessment.html"].decode()
    assert f'href="{URL}/self-assessment.html"' in page and "<script" not in page and "<form" not in page
    assert "demo-self-assessment-scorm12.zip" in page


def test_cartridge_without_a_site_says_so_and_links_nowhere(tmp_path: Path) -> None:
    manifest, files = cartridge_of(PROJECTS / "minimal", tmp_path)
    assert "weblinks/self-assessment.xml" not in files
    page = files["self-assessment.html"].decode()
    assert "not been published on a website yet" in page and "https://" not in page


def test_site_url_comes_from_programme_yaml(make_project: MakeProject, tmp_path: Path) -> None:
    programme = (PROJECTS / "minimal/curriculum/programme.yaml").read_text()
    root = make_project({"curriculum/programme.yaml": programme + f"site_url: {URL}\n"})
    _, files = cartridge_of(root, tmp_path)
    assert etree.fromstring(files["weblinks/self-assessment.xml"])[1].get("href") == f"{URL}/self-assessment.html"


def test_bad_site_url_in_programme_yaml_is_reported_with_its_line(make_project: MakeProject, tmp_path: Path) -> None:
    programme = (PROJECTS / "minimal/curriculum/programme.yaml").read_text()
    root = make_project({"curriculum/programme.yaml": programme + "site_url: javascript:alert(1)\n"})
    result = build_project(root, tmp_path, ["cc11"], "unit", SCHEMAS)
    assert [(d.code, d.line) for d in result.diagnostics if d.is_error and d.code != "CUR301"] == [
        ("CUR104", programme.count("\n") + 1)]


def test_cli_refuses_a_site_url_that_is_no_web_address(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(PROJECTS / "minimal"), "--out", str(tmp_path), "--site-url",
                                      "file:///etc"])
    assert result.exit_code == 2 and "--site-url" in result.stderr


def test_site_is_the_preview_pages_as_files_with_relative_links(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["site"], "unit", SCHEMAS)
    assert result.ok and result.packages == () and result.site == tmp_path / "demo-site"
    files = {p.relative_to(result.site).as_posix() for p in result.site.rglob("*") if p.is_file()}
    assert {"index.html", "self-assessment.html", "units/U01/index.html", "units/U01/quiz.html", ".nojekyll",
            "assets/runtime.js"} <= files
    for name in (n for n in files if n.endswith(".html")):
        html = (result.site / name).read_text()
        for target in re.findall(r'(?:href|src)="([^"#]+)(?:#[^"]*)?"', html):
            if ":" in target:
                continue
            assert not target.startswith("/") and not target.endswith("/"), f"{name} -> {target}"
            assert (result.site / name).parent.joinpath(target).resolve().is_file(), f"{name} -> {target}"


def test_site_is_replaced_whole_on_rebuild(tmp_path: Path) -> None:
    build_project(PROJECTS / "minimal", tmp_path, ["site"], "unit", SCHEMAS)
    (tmp_path / "demo-site" / "stale.html").write_text("old")
    build_project(PROJECTS / "minimal", tmp_path, ["site"], "unit", SCHEMAS)
    assert not (tmp_path / "demo-site" / "stale.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["demo-site"]  # no temporary folders left behind


def test_build_reports_lms_losses_short_verbose_and_json(tmp_path: Path) -> None:
    args = ["build", str(PROJECTS / "minimal"), "--out", str(tmp_path), "--schemas", str(SCHEMAS),
            "--format", "cc11,cc13,scorm2004"]
    short = CliRunner().invoke(cli, args)
    assert short.exit_code == 0, short.stderr
    assert ("demo-cc13.imscc: Moodle: refused (CUR431); Canvas: imported with changes (CUR443); "
            "standard LMSs: imported as is") in short.stderr
    assert "SCORM 2004 4th Edition (2): Moodle: imported as is; Canvas: refused (CUR442)" in short.stderr
    verbose = CliRunner().invoke(cli, [*args, "--verbose", "--lms", "moodle"])
    assert "CUR438 changed in quizzes/U01/assessment.xml: Moodle: restores every quiz with a total of 4 marks" in verbose.stderr
    assert "hint: After the restore" in verbose.stderr and "CUR443" not in verbose.stderr
    data = json.loads(CliRunner().invoke(cli, [*args, "--diagnostics", "json"]).stdout)
    cc13 = next(p for p in data["packages"] if p["path"].endswith("demo-cc13.imscc"))
    refused = next(f for f in cc13["lms"] if f["code"] == "CUR431")
    assert refused["effect"] == "import fails" and refused["lms"] == ["moodle"]
    assert refused["source"]["file"] == "backup/converter/imscc11/lib.php"
