"""Export stage: the competence profile and the units' outcomes as a Moodle competency framework CSV.

Moodle's importer (admin/tool/lpimportcsv, `framework_importer`) reads the columns by position, takes the
row with `Is framework` set as the framework, and builds a strict tree from `Parent id number`: rows with
an empty parent hang directly under the framework. An outcome develops several skills, so it cannot sit
under each of them; it sits under its unit and names the skills in `Cross referenced competency id
numbers`, which Moodle turns into related competencies (docs/profile.md).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, Final

from generator.diagnostics import Diagnostic, error
from generator.exports.base import ExportFile
from generator.model import Competences, Curriculum
from generator.numbers import plain_decimal

HEADER: Final = ("Parent id number", "Id number", "Shortname", "Description", "Description format", "Scale values",
                 "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
                 "Cross referenced competency id numbers", "Exported id (optional)", "Is framework", "Taxonomy")
FORMAT_HTML: Final = "1"
"""Moodle's FORMAT_HTML: descriptions are escaped HTML paragraphs."""
TAXONOMY: Final = "domain,competency"
"""Moodle names each tree depth: activity fields and units are domains, skills and outcomes competencies."""
SHORTNAME_MAX: Final = 100
"""Moodle cuts longer short names (shorten_text) and its column holds 100 characters."""


@dataclass(frozen=True, slots=True)
class Row:
    parent: str
    idnumber: str
    shortname: str
    description: str
    related: tuple[str, ...] = ()

    def cells(self) -> tuple[str, ...]:
        # Moodle's own exporter writes rule outcome 0 and rule config "null" for competencies without a rule.
        return (self.parent, self.idnumber, _shortname(self.shortname), self.description, FORMAT_HTML, "", "", "", "0",
                "null", ",".join(self.related), "", "", "")


class MoodleCsv:
    name: ClassVar[str] = "moodle-csv"
    label: ClassVar[str] = "Moodle competency framework (CSV)"

    def files(self, course: Curriculum, diags: list[Diagnostic]) -> list[ExportFile]:
        assert course.programme is not None and course.competences is not None
        scale_values = scale_cells(course.competences, diags)
        rows = competency_rows(course)
        duplicates = sorted(k for k, n in Counter([course.programme.id, *(r.idnumber for r in rows)]).items() if n > 1)
        diags += [error("CUR521", f"id number '{d}' would be used twice in the Moodle framework",
                        hint="Give outcomes ids that differ from unit codes, skill and field ids and the programme id.")
                  for d in duplicates]
        if scale_values is None or duplicates:
            return []
        programme = course.programme
        about = (f"EQF level {programme.eqf_level}, {plain_decimal(programme.ecvet_points)} ECVET points, "
                 f"version {programme.version} of {programme.date.isoformat()}.")
        framework = ("", programme.id, _shortname(programme.title), _paragraphs(programme.description, about),
                     FORMAT_HTML, *scale_values, "", "", "", "", "", "1", TAXONOMY)
        return [ExportFile(PurePosixPath(f"{programme.id}-moodle-competencies.csv"),
                           write_csv([HEADER, framework, *(r.cells() for r in rows)]))]


def scale_cells(competences: Competences, diags: list[Diagnostic]) -> tuple[str, str] | None:
    """`Scale values` and `Scale configuration` of the framework row; None if a label cannot be written.

    Diagnostics: CUR520.
    """
    labels = [r.label for r in sorted(competences.rating_scale, key=lambda r: r.level)]
    bad = [label for label in labels if "," in label]
    diags += [error("CUR520", f"rating scale label '{label}' contains a comma; Moodle separates scale values by commas",
                    hint="Rephrase the label in curriculum/competences.yaml without a comma.") for label in bad]
    if bad:
        return None
    proficient = proficient_level(len(labels) - 1)
    # Moodle numbers scale items from 1; the first entry's scaleid is replaced by the id of the global scale
    # the importer finds or creates for these exact values.
    config = [{"scaleid": "0"}, *({"id": index + 1, "scaledefault": int(index == proficient),
                                   "proficient": int(index >= proficient)} for index in range(len(labels)))]
    return ",".join(labels), json.dumps(config, separators=(",", ":"))


def proficient_level(top: int) -> int:
    """The lowest level Moodle counts as proficient: three quarters up the scale, rounded up (3 on 0-4)."""
    return max(1, math.ceil(top * 3 / 4)) if top else 0


def competency_rows(course: Curriculum) -> list[Row]:
    """Activity fields with their skills, then units (programme order) with their outcomes; parents first."""
    assert course.competences is not None
    rows: list[Row] = []
    for field in course.competences.activity_fields:
        rows.append(Row("", field.id, f"{field.id} {field.title}", _paragraphs(field.title)))
        for skill in field.skills:
            importance = ", ".join(f"{c} {getattr(skill.importance, c)}" for c in ("DE", "FR", "CH"))
            targets = ", ".join(f"{path} {level}" for path, level in sorted(skill.target_levels.items()))
            rows.append(Row(field.id, skill.id, f"{skill.id} {skill.title}",
                            _paragraphs(skill.title, f"Importance: {importance}. Target levels: {targets}.")))
    skills = course.skills()
    for source in course.units_in_order():
        unit = source.unit
        rows.append(Row("", unit.code, f"{unit.code} {unit.title}", _paragraphs(
            unit.summary, f"EQF level {unit.eqf_level}, {plain_decimal(unit.ecvet_points)} ECVET points, "
                          f"{unit.workload_hours} hours.")))
        for outcome in unit.learning_outcomes:
            rows.append(Row(unit.code, outcome.id, f"{outcome.id} {outcome.text}",
                            _paragraphs(outcome.text, f"Kind: {outcome.kind}."),
                            tuple(s for s in outcome.skill_ids if s in skills)))
    return rows


def write_csv(rows: list[tuple[str, ...]]) -> bytes:
    """UTF-8 without BOM, comma-separated, fields quoted only when needed, LF line ends (as Moodle's fixture)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _shortname(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SHORTNAME_MAX:
        return text
    cut = text[: SHORTNAME_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:") + "…"


def _paragraphs(*texts: str) -> str:
    # Quotes become &quot;: PHP's fgetcsv treats a backslash before a quote as an escape, so we never emit one.
    return "".join(f"<p>{html.escape(' '.join(t.split()), quote=True)}</p>" for t in texts if t.strip())
