"""Export stage: ECVET unit descriptions and a learning-agreement template as printable (PDF-ready) HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from generator.diagnostics import Diagnostic
from generator.exports.base import ExportFile, months_label, schedule
from generator.model import Curriculum, Programme, UnitSource
from generator.numbers import plain_decimal

KIND_LABELS: Final = {"knowledge": "Knowledge", "skills": "Skills", "competence": "Competence"}
FOLDER: Final = PurePosixPath("ecvet")
PARTY_FIELDS: Final = (
    ("learner", "Learner", ("Name", "Date of birth", "Address", "Email", "Current job and organisation")),
    ("home", "Home institution", ("Name", "Address", "Contact person", "Email and telephone")),
    ("host", "Host institution", ("Name", "Address", "Contact person", "Email and telephone")),
    ("period", "Period of learning", ("From", "To", "Language of learning and assessment")),
)
ARRANGEMENTS: Final = ("Who assesses, and when", "How the results are documented",
                       "How and when the home institution recognises the credit")
SIGNATORIES: Final = ("Learner", "Home institution", "Host institution")


@dataclass(frozen=True, slots=True)
class ProgrammeView:
    title: str
    lang: str
    eqf_level: int
    points: str
    duration_months: int
    delivery_mode: str
    version: str
    date: str
    licence: str


@dataclass(frozen=True, slots=True)
class OutcomeView:
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class KindView:
    label: str
    outcomes: tuple[OutcomeView, ...]


@dataclass(frozen=True, slots=True)
class SkillView:
    id: str
    title: str
    field: str
    outcome_ids: str


@dataclass(frozen=True, slots=True)
class UnitView:
    code: str
    title: str
    summary: str
    eqf_level: int
    points: str
    workload_hours: int
    months: str
    kinds: tuple[KindView, ...]
    method: str
    evidence: str
    criteria: tuple[str, ...]
    covered: str
    skills: tuple[SkillView, ...]


@dataclass(frozen=True, slots=True)
class PartyView:
    id: str
    title: str
    fields: tuple[str, ...]


class EcvetDocuments:
    name: ClassVar[str] = "ecvet"
    label: ClassVar[str] = "ECVET unit descriptions and learning agreement (HTML)"

    def files(self, course: Curriculum, diags: list[Diagnostic]) -> list[ExportFile]:
        assert course.programme is not None
        env = make_env()
        programme = programme_view(course.programme)
        units = [unit_view(course, source) for source in course.units_in_order()]
        files = [ExportFile(FOLDER / f"{unit.code}.html", _render(env, "ecvet_unit.html", programme=programme, unit=unit))
                 for unit in units]
        parties = tuple(PartyView(key, title, fields) for key, title, fields in PARTY_FIELDS)
        files.append(ExportFile(FOLDER / "learning-agreement.html", _render(
            env, "learning_agreement.html", programme=programme, units=units, parties=parties,
            arrangements=ARRANGEMENTS, signatories=SIGNATORIES)))
        return files


def make_env() -> Environment:
    return Environment(loader=PackageLoader("generator.exports", "templates"), autoescape=select_autoescape(),
                       undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def _render(env: Environment, template: str, **context: object) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")


def programme_view(programme: Programme) -> ProgrammeView:
    return ProgrammeView(programme.title, programme.languages[0], programme.eqf_level, plain_decimal(programme.ecvet_points),
                         programme.duration_months, programme.delivery_mode, programme.version,
                         programme.date.isoformat(), programme.licence)


def unit_view(course: Curriculum, source: UnitSource) -> UnitView:
    unit = source.unit
    kinds = tuple(KindView(label, tuple(OutcomeView(o.id, _flat(o.text)) for o in unit.learning_outcomes if o.kind == kind))
                  for kind, label in KIND_LABELS.items())
    months = schedule(course).get(unit.code, unit.months or ())
    return UnitView(unit.code, unit.title, _flat(unit.summary), unit.eqf_level, plain_decimal(unit.ecvet_points),
                    unit.workload_hours, months_label(months), tuple(k for k in kinds if k.outcomes),
                    _flat(unit.assessment.method), _flat(unit.assessment.evidence),
                    tuple(_flat(c) for c in unit.assessment.criteria), ", ".join(unit.assessment.outcome_ids),
                    skill_views(course, source))


def skill_views(course: Curriculum, source: UnitSource) -> tuple[SkillView, ...]:
    """Skills the unit develops, in profile order, each with the outcomes that develop it."""
    if course.competences is None:
        return ()
    views = []
    for field in course.competences.activity_fields:
        for skill in field.skills:
            outcomes = [o.id for o in source.unit.learning_outcomes if skill.id in o.skill_ids]
            if outcomes:
                views.append(SkillView(skill.id, skill.title, f"{field.id} {field.title}", ", ".join(outcomes)))
    return tuple(views)


def _flat(text: str) -> str:
    return " ".join(text.split())
