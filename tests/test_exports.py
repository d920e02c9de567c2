"""Exports: Moodle competency framework CSV, CASE 1.0 package, ECVET documents, `curriculum export`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from generator.cli import EXPORT_TARGETS, cli
from generator.diagnostics import Diagnostic
from generator.exports import EXPORTERS, export_files, export_project
from generator.exports.case import NAMESPACE
from generator.exports.moodle import proficient_level
from generator.load.project import load_project
from helpers import PROJECTS, REPO, SHARED, MakeProject

MINIMAL = PROJECTS / "minimal"
CASE_SCHEMA = Path(__file__).parent / "schemas" / "case-v1p0-cfpackage.schema.json"
MOODLE_HEADER = ["Parent id number", "Id number", "Shortname", "Description", "Description format", "Scale values",
                 "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
                 "Cross referenced competency id numbers", "Exported id (optional)", "Is framework", "Taxonomy"]
MOODLE_TAXONOMIES = {"behaviour", "competency", "concept", "domain", "indicator", "level", "outcome", "practice",
                     "proficiency", "skill", "value"}  # core_competency\competency_framework::TAXONOMY_*


def exported(root: Path, name: str) -> dict[str, bytes]:
    course, diags = load_project(root)
    found: list[Diagnostic] = []
    files = export_files(course, [name], found)
    assert diags == [] and found == []
    return {str(f.path): f.data for f in files}


def moodle_rows(root: Path) -> list[dict[str, str]]:
    [data] = exported(root, "moodle-csv").values()
    text = data.decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header == MOODLE_HEADER
    rows = list(reader)
    assert all(len(row) == len(MOODLE_HEADER) for row in rows)  # Moodle's csv reader refuses ragged rows
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- Moodle ---------------------------------------------------------------------------------------

@pytest.mark.skipif(not (SHARED / "MOODLE.md").is_file(), reason="MOODLE.md lives in ../shared beside the checkout")
def test_moodle_header_is_the_one_moodle_md_gives() -> None:
    text = (SHARED / "MOODLE.md").read_text(encoding="utf-8")
    listed = re.search(r"CSV columns, exactly, in this order.*?:\n`(.*?)`", text, re.S)
    assert listed and [c.strip() for c in " ".join(listed.group(1).split()).split(",")] == MOODLE_HEADER


@pytest.mark.parametrize("root", [MINIMAL, REPO], ids=["minimal", "real"])
def test_moodle_csv_follows_the_importers_rules(root: Path) -> None:
    rows = moodle_rows(root)
    frameworks = [r for r in rows if r["Is framework"]]
    assert frameworks == [rows[0]] and rows[0]["Is framework"] == "1" and rows[0]["Parent id number"] == ""
    ids = [r["Id number"] for r in rows]
    assert len(ids) == len(set(ids)), "id numbers must be unique"
    seen: set[str] = set()
    for row in rows[1:]:
        assert row["Parent id number"] == "" or row["Parent id number"] in seen, row["Id number"]
        seen.add(row["Id number"])
        assert row["Scale values"] == "" and row["Taxonomy"] == ""  # competencies inherit the framework's scale
        assert set(filter(None, row["Cross referenced competency id numbers"].split(","))) <= seen | set(ids)
    assert all(len(r["Shortname"]) <= 100 and len(r["Id number"]) <= 100 for r in rows)
    assert all('\\"' not in cell for r in rows for cell in r.values())  # PHP's fgetcsv would read \" as an escape
    assert set(rows[0]["Taxonomy"].split(",")) <= MOODLE_TAXONOMIES


def test_moodle_tree_fields_skills_units_outcomes_with_outcomes_cross_referencing_skills() -> None:
    rows = moodle_rows(MINIMAL)
    tree = [(r["Parent id number"], r["Id number"], r["Cross referenced competency id numbers"]) for r in rows]
    assert tree == [("", "demo", ""), ("", "F01", ""), ("F01", "F01.S01", ""), ("F01", "F01.S02", ""),
                    ("", "U01", ""), ("U01", "U01-LO1", "F01.S01"), ("U01", "U01-LO2", "F01.S01"), ("U01", "U01-LO3", ""),
                    ("", "U02", ""), ("U02", "U02-LO1", "F01.S02"), ("U02", "U02-LO2", "F01.S02"),
                    ("U02", "U02-LO3", "F01.S02")]
    assert rows[0]["Taxonomy"] == "domain,competency"  # depth 1: fields and units; depth 2: skills and outcomes
    assert rows[2]["Shortname"] == "F01.S01 Read the regional economy"
    assert rows[2]["Description"].startswith("<p>Read the regional economy</p><p>Importance: DE +, FR ++, CH +.")
    assert rows[2]["Description format"] == "1"


def test_moodle_scale_from_the_rating_scale_with_proficiency_three_quarters_up() -> None:
    framework = moodle_rows(REPO)[0]
    assert framework["Scale values"] == "Not yet,Aware,Practising,Proficient,Expert"
    config = json.loads(framework["Scale configuration"])
    assert "scaleid" in config[0]
    assert [(c["id"], c["scaledefault"], c["proficient"]) for c in config[1:]] == \
        [(1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 1, 1), (5, 0, 1)]  # Moodle item 4 = level 3 "Proficient"
    assert [proficient_level(top) for top in (1, 2, 3, 4, 10)] == [1, 2, 3, 3, 8]
    assert json.loads(moodle_rows(MINIMAL)[0]["Scale configuration"])[3] == {"id": 3, "scaledefault": 1, "proficient": 1}


def test_moodle_long_titles_are_shortened_at_a_word(make_project: MakeProject) -> None:
    long_title = "Read the regional economy " + "and its many interlocking value chains " * 4
    competences = (MINIMAL / "curriculum/competences.yaml").read_text()
    root = make_project({"curriculum/competences.yaml": competences.replace("Read the regional economy", long_title)})
    row = moodle_rows(root)[2]
    assert len(row["Shortname"]) <= 100 and row["Shortname"].endswith("…") and " chains …" not in row["Shortname"]
    assert " ".join(long_title.split()) in row["Description"]


def test_moodle_refuses_commas_in_scale_labels(make_project: MakeProject) -> None:
    competences = (MINIMAL / "curriculum/competences.yaml").read_text()
    root = make_project({"curriculum/competences.yaml": competences.replace("label: Aware", 'label: "Aware, seen it"')})
    course, _ = load_project(root)
    diags: list[Diagnostic] = []
    assert export_files(course, ["moodle-csv"], diags) == []
    assert [d.code for d in diags] == ["CUR520"]


def test_moodle_refuses_id_numbers_used_twice(make_project: MakeProject) -> None:
    unit = (MINIMAL / "modules/02-practice/unit.yaml").read_text()
    root = make_project({"modules/02-practice/unit.yaml": unit.replace("id: U02-LO3", "id: U01")
                                                               .replace("U02-LO2, U02-LO3]", "U02-LO2, U01]")})
    course, _ = load_project(root)
    diags: list[Diagnostic] = []
    assert export_files(course, ["moodle-csv"], diags) == [] and [d.code for d in diags] == ["CUR521"]


# --- CASE -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("root", [MINIMAL, REPO], ids=["minimal", "real"])
def test_case_package_is_valid_against_the_case_1_0_schema(root: Path) -> None:
    [data] = exported(root, "case").values()
    package = json.loads(data)
    validator = jsonschema.Draft202012Validator(json.loads(CASE_SCHEMA.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(package)] == []


def test_case_identifiers_are_uuid5_of_our_ids_and_the_tree_is_complete() -> None:
    package = json.loads(exported(MINIMAL, "case")["demo-case.json"])
    document, items, associations = package["CFDocument"], package["CFItems"], package["CFAssociations"]
    assert document["identifier"] == str(uuid.uuid5(NAMESPACE, "demo:document"))
    assert document["lastChangeDateTime"] == "2026-01-15T00:00:00Z" and document["creator"] == "Test Partner"
    by_code = {i["humanCodingScheme"]: i for i in items}
    assert by_code["F01.S01"]["identifier"] == str(uuid.uuid5(NAMESPACE, "demo:item:F01.S01"))
    assert {i["CFItemType"] for i in items} == {"Activity Field", "Skill", "Unit", "Learning Outcome"}
    identifiers = [document["identifier"], *(i["identifier"] for i in items), *(a["identifier"] for a in associations)]
    assert len(identifiers) == len(set(identifiers))
    parents = {a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
               for a in associations if a["associationType"] == "isChildOf"}
    assert len(parents) == len(items) == sum(a["associationType"] == "isChildOf" for a in associations)
    assert parents[by_code["F01.S01"]["identifier"]] == by_code["F01"]["identifier"]
    assert parents[by_code["U01"]["identifier"]] == document["identifier"]
    related = {(a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
               for a in associations if a["associationType"] == "isRelatedTo"}
    assert (by_code["U01-LO1"]["identifier"], by_code["F01.S01"]["identifier"]) in related and len(related) == 5


# --- ECVET ----------------------------------------------------------------------------------------

class Outline(HTMLParser):
    """Collects what an accessibility review looks at first: lang, title, headings, captions, header scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[int] = []
        self.title = ""
        self.tables = self.captions = 0
        self.th_without_scope = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.tables += tag == "table"
        self.captions += tag == "caption"
        self.th_without_scope += tag == "th" and "scope" not in values
        self._in_title = tag == "title"

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def outline(data: bytes) -> Outline:
    parser = Outline()
    parser.feed(data.decode("utf-8"))
    return parser


def test_ecvet_writes_one_document_per_unit_and_a_learning_agreement() -> None:
    assert sorted(exported(REPO, "ecvet")) == sorted([f"ecvet/U{n:02d}.html" for n in range(1, 14)] +
                                                     ["ecvet/learning-agreement.html"])


@pytest.mark.parametrize("name", ["ecvet/U01.html", "ecvet/U02.html", "ecvet/learning-agreement.html"])
def test_ecvet_documents_are_accessible(name: str) -> None:
    page = outline(exported(MINIMAL, "ecvet")[name])
    assert page.lang == "en" and page.title.strip()
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in zip(page.headings, page.headings[1:], strict=False))
    assert page.tables == page.captions and page.th_without_scope == 0


def test_ecvet_unit_document_content() -> None:
    html = exported(MINIMAL, "ecvet")["ecvet/U01.html"].decode("utf-8")
    for expected in ("<h1>Unit U01: Basics</h1>", "<dt>EQF level</dt><dd>6</dd>", "<dt>ECVET points</dt><dd>1</dd>",
                     "<dt>Learner workload</dt><dd>25 hours</dd>", "Month 1 of the 2-month programme",
                     "<h3>Knowledge</h3>", "<h3>Skills</h3>", "<h3>Competence</h3>", "<dd>Short essay</dd>",
                     "<li>Names three actors.</li>", "F01.S01</span> Read the regional economy", "U01-LO1, U01-LO2",
                     "@page { size: A4;", "@media print"):
        assert expected in html, expected
    agreement = exported(MINIMAL, "ecvet")["ecvet/learning-agreement.html"].decode("utf-8")
    assert "<h2 id=\"signatures\">Signatures</h2>" in agreement and "<td class=\"number\">2</td>" in agreement


def test_ecvet_escapes_author_text(make_project: MakeProject) -> None:
    unit = (MINIMAL / "modules/01-basics/unit.yaml").read_text()
    root = make_project({"modules/01-basics/unit.yaml": unit.replace("method: Short essay", "method: Essay <b>& talk</b>")})
    assert "Essay &lt;b&gt;&amp; talk&lt;/b&gt;" in exported(root, "ecvet")["ecvet/U01.html"].decode("utf-8")


# --- writing and the command ----------------------------------------------------------------------

def test_exports_are_deterministic_and_written_atomically(tmp_path: Path) -> None:
    first = export_project(MINIMAL, tmp_path / "a", list(EXPORTERS))
    second = export_project(MINIMAL, tmp_path / "b", list(EXPORTERS))
    assert first.ok and len(first.files) == 5
    digest = {p.relative_to(tmp_path / "a"): hashlib.sha256(p.read_bytes()).hexdigest() for p in first.files}
    assert digest == {p.relative_to(tmp_path / "b"): hashlib.sha256(p.read_bytes()).hexdigest() for p in second.files}
    assert not list(tmp_path.rglob("*.part"))


def test_nothing_is_exported_when_check_finds_errors(tmp_path: Path) -> None:
    result = export_project(PROJECTS / "broken", tmp_path / "out", list(EXPORTERS))
    assert result.files == () and "CUR301" in [d.code for d in result.diagnostics]
    assert not (tmp_path / "out").exists()


def test_cli_export_targets_match_the_exporters() -> None:
    assert set(EXPORT_TARGETS) == {*EXPORTERS, "all"}


def test_cli_export_writes_files_and_refuses_broken_sources(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "moodle-csv", str(MINIMAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/demo-moodle-competencies.csv").is_file() and "1 file(s) exported" in result.stderr
    result = runner.invoke(cli, ["export", "all", str(MINIMAL), "--out", str(tmp_path / "all")])
    assert result.exit_code == 0 and "5 file(s) exported" in result.stderr
    result = runner.invoke(cli, ["export", "case", str(PROJECTS / "broken"), "--out", str(tmp_path / "no")])
    assert result.exit_code == 1 and "CUR301" in result.stderr
    assert runner.invoke(cli, ["export", "scorm", str(MINIMAL)]).exit_code == 2
