"""Every format: golden manifests, official XSD validity, Moodle's import rules, accessible pages."""

from __future__ import annotations

import itertools
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from generator.build import PACKAGERS, BuildResult, build_project
from generator.formats.selfassessment import LABEL as SELF_ASSESSMENT_LABEL
from generator.validate import validate_package
from helpers import PROJECTS, REPO, SCHEMAS, MakeProject

GOLDEN = Path(__file__).parent / "golden"
ALL = [name for name, packager in PACKAGERS.items() if packager.container == "zip"]
"""The zip formats; the Moodle backup (a tar.gz without imsmanifest.xml) has its own tests in test_mbz.py."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    out = tmp_path_factory.mktemp("build")
    return {scope: build_project(PROJECTS / "minimal", out / scope, ALL, scope, SCHEMAS)  # type: ignore[arg-type]
            for scope in ("unit", "programme")}


def manifest_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("imsmanifest.xml")


def canonical(xml: bytes) -> str:
    return etree.canonicalize(xml.decode("utf-8"), strip_text=True)


def test_every_format_and_scope_builds_valid_packages(built: dict[str, BuildResult]) -> None:
    for scope, result in built.items():
        assert result.ok, result.diagnostics
        names = sorted(p.path.name for p in result.packages)
        if scope == "unit":
            assert names == sorted(["demo-U01-scorm12.zip", "demo-U02-scorm12.zip", "demo-U01-scorm2004.zip",
                                    "demo-U02-scorm2004.zip", "demo-U01-imscp.zip", "demo-U02-imscp.zip",
                                    "demo-cc11.imscc", "demo-cc13.imscc", "demo-self-assessment-scorm12.zip"])
        for package in result.packages:
            report = validate_package(package.path, SCHEMAS)  # re-read from disk, as an LMS would
            assert report.ok and report.diagnostics == (), (package.path.name, report.diagnostics)
            assert report.format == package.packager


@pytest.mark.parametrize("scope", ["unit", "programme"])
def test_manifests_match_golden_files(built: dict[str, BuildResult], scope: str, update_golden: bool) -> None:
    for package in built[scope].packages:
        golden = GOLDEN / package.packager / f"{scope}-{package.path.stem}.imsmanifest.xml"
        actual = manifest_of(package.path)
        if update_golden:
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(actual)
        assert golden.exists(), f"missing golden file {golden}; run pytest --update-golden and review the diff"
        assert canonical(actual) == canonical(golden.read_bytes()), golden.name


def test_common_cartridge_is_detected_the_way_moodle_detects_it(built: dict[str, BuildResult]) -> None:
    cc11 = next(p for p in built["unit"].packages if p.packager == "cc11")
    head = manifest_of(cc11.path)[:500].decode("utf-8").lower()
    squeezed = re.sub(r"[\s\"']", "", head)
    assert "xmlns=http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1" in squeezed


def test_cartridge_sections_start_with_the_overview_then_one_per_unit(built: dict[str, BuildResult]) -> None:
    cc11 = next(p for p in built["unit"].packages if p.packager == "cc11")
    root = etree.fromstring(manifest_of(cc11.path))
    ns = {"cc": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}
    top = root.find("cc:organizations/cc:organization/cc:item", ns)
    assert top is not None and top.get("identifierref") is None
    sections = [s.findtext("cc:title", namespaces=ns) for s in top.findall("cc:item", ns)]
    assert sections == ["Programme overview", "U01 Basics", "U02 Practice"]
    types = {r.get("type") for r in root.iterfind(".//cc:resource", ns)}
    assert types == {"webcontent", "imswl_xmlv1p1", "imsdt_xmlv1p1", "imsqti_xmlv1p2/imscc_xmlv1p1/assessment",
                     "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank"}  # no file resource: Moodle loses HTML files
    general = [i.findtext("cc:title", namespaces=ns) for i in top.findall("cc:item", ns)[0].findall("cc:item", ns)]
    assert general == ["Programme overview", "Self-assessment: where do you stand?"]
    unit_items = [i.findtext("cc:title", namespaces=ns) for i in top.findall("cc:item", ns)[1].findall("cc:item", ns)]
    assert "Quiz: Check your understanding: basics" in unit_items


def test_cartridge_pages_have_no_scripts_and_no_links_between_page_files(built: dict[str, BuildResult]) -> None:
    for package in (p for p in built["unit"].packages if p.packager in ("cc11", "cc13")):
        with zipfile.ZipFile(package.path) as archive:
            pages = [n for n in archive.namelist() if n.endswith(".html")]
            assert pages
            for name in pages:
                html = archive.read(name).decode("utf-8")
                assert "<script" not in html, name
                assert not re.search(r'href="[^":#]+\.html', html), f"{name} links to another page file"


SS = "{http://www.imsglobal.org/xsd/imsss}"


def test_scorm2004_outcomes_are_objectives_without_global_mapping_by_default(built: dict[str, BuildResult]) -> None:
    """Issue 13: Moodle refuses every SCORM 2004 package with imsss:mapInfo (scorm_get_manifest on PHP 8)."""
    package = next(p for p in built["unit"].packages if p.path.name == "demo-U01-scorm2004.zip")
    root = etree.fromstring(manifest_of(package.path))
    assert {o.get("objectiveID") for o in root.iter(f"{SS}objective")} == {"U01-LO1", "U01-LO2", "U01-LO3"}
    assert list(root.iter(f"{SS}mapInfo")) == []


def test_global_objectives_are_mapped_only_when_asked_for(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm2004"], "unit", SCHEMAS, ["U01"],
                           global_objectives=True)
    assert result.ok, result.diagnostics
    root = etree.fromstring(manifest_of(result.packages[0].path))
    objectives = {o.get("objectiveID"): o.find(f"{SS}mapInfo").get("targetObjectiveID")  # type: ignore[union-attr]
                  for o in root.iter(f"{SS}objective")}
    assert objectives == {"U01-LO1": "urn:curriculum:demo:U01-LO1", "U01-LO2": "urn:curriculum:demo:U01-LO2",
                          "U01-LO3": "urn:curriculum:demo:U01-LO3"}
    assert [f.rule.code for f in result.packages[0].lms if "moodle" in f.lms] == ["CUR430"]


def test_ecvet_and_eqf_travel_in_the_metadata(built: dict[str, BuildResult]) -> None:
    for package in built["unit"].packages:
        if package.label == SELF_ASSESSMENT_LABEL:
            continue  # it carries no credit and teaches no outcome
        text = manifest_of(package.path).decode("utf-8")
        assert "EQF" in text and "ECVET" in text, package.path.name
        assert "Explain what a cluster is." in text or package.path.name.startswith("demo-U02"), package.path.name


def test_images_are_copied_once_with_ascii_names(built: dict[str, BuildResult]) -> None:
    for package in built["programme"].packages:
        with zipfile.ZipFile(package.path) as archive:
            names = archive.namelist()
            assert len(names) == len(set(names))
            assert all(re.fullmatch(r"[A-Za-z0-9._/-]+", n) for n in names), names
            assert sum(n.endswith("map.svg") for n in names) == (package.label != SELF_ASSESSMENT_LABEL)


def _pages(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".html")}


def test_generated_pages_are_accessible(built: dict[str, BuildResult]) -> None:
    from html.parser import HTMLParser

    class Outline(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.levels: list[int] = []
            self.images_without_alt = 0
            self.lang = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if re.fullmatch(r"h[1-6]", tag):
                self.levels.append(int(tag[1]))
            if tag == "img" and not dict(attrs).get("alt"):
                self.images_without_alt += 1
            if tag == "html":
                self.lang = dict(attrs).get("lang") or ""

    for package in built["programme"].packages:
        for name, html in _pages(package.path).items():
            outline = Outline()
            outline.feed(html)
            where = f"{package.path.name}/{name}"
            assert outline.lang == "en", where
            assert outline.images_without_alt == 0, where
            if package.packager != "cc11" and package.packager != "cc13":
                assert outline.levels[0] == 1 and outline.levels.count(1) == 1, where
            for before, after in itertools.pairwise(outline.levels):
                assert after <= before + 1, f"{where}: heading h{before} is followed by h{after}"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_theme_colours_meet_wcag_aa_contrast() -> None:
    css = (REPO / "generator/static/style.css").read_text()
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [("ink", "paper"), ("ink-soft", "paper"), ("ink-soft", "wash"), ("link", "paper"),
             ("link-visited", "paper"), ("brand-ink", "brand"), ("accent", "paper"), ("link", "wash")]
    pairs += [("paper", tag) for tag in ("knowledge", "skills", "competence")]
    for fg, bg in pairs:
        assert contrast(var[fg], var[bg]) >= 4.5, f"--{fg} on --{bg}: {contrast(var[fg], var[bg]):.2f}"


def test_internal_links_in_packages_resolve(built: dict[str, BuildResult]) -> None:
    for package in built["programme"].packages:
        with zipfile.ZipFile(package.path) as archive:
            names = set(archive.namelist())
        for name, html in _pages(package.path).items():
            for target in re.findall(r'(?:href|src)="([^"#:]+)(?:#[^"]*)?"', html):
                resolved = Path("/" + name).parent.joinpath(target).resolve().as_posix().lstrip("/")
                assert resolved in names, f"{package.path.name}/{name} -> {target}"


def test_build_refuses_a_broken_curriculum_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = build_project(PROJECTS / "broken", out, ALL, "unit", SCHEMAS)
    assert not result.ok and result.packages == ()
    assert "CUR301" in {d.code for d in result.diagnostics}
    assert not out.exists() or list(out.iterdir()) == []


def test_unknown_unit_is_reported(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm12"], "unit", SCHEMAS, ["U99"])
    assert [d.code for d in result.diagnostics if d.code != "CUR268"] == ["CUR301", "CUR303"]


def test_only_the_requested_unit_is_packaged(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm12", "cc11"], "unit", SCHEMAS, ["U02"])
    assert sorted(p.path.name for p in result.packages) == ["demo-U02-scorm12.zip", "demo-cc11.imscc"]
    with zipfile.ZipFile(tmp_path / "demo-cc11.imscc") as archive:
        assert not any(n.startswith("units/U01/") for n in archive.namelist())



def test_images_whose_names_clean_to_the_same_name_stay_apart(make_project: MakeProject, tmp_path: Path) -> None:
    """Regression (review): 'a b.svg' and 'a-b.svg' were packaged as one file with the first one's bytes."""
    lesson = (PROJECTS / "minimal/modules/01-basics/02-mapping.md").read_text()
    root = make_project({
        "modules/01-basics/images/a b.svg": "<svg xmlns='http://www.w3.org/2000/svg'><title>one</title></svg>",
        "modules/01-basics/images/a-b.svg": "<svg xmlns='http://www.w3.org/2000/svg'><title>two</title></svg>",
        "modules/01-basics/02-mapping.md": lesson + "\n![One](<images/a b.svg>) ![Two](images/a-b.svg)\n",
    })
    result = build_project(root, tmp_path / "out", ["imscp"], "unit", SCHEMAS, ["U01"])
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(result.packages[0].path) as archive:
        svgs = {n: archive.read(n) for n in archive.namelist() if n.endswith(".svg") and "/a-b" in n}
    assert len(svgs) == 2 and len(set(svgs.values())) == 2
