"""Model: the typed, immutable curriculum. Pydantic for what authors write, frozen dataclasses for the rest."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from generator.load.yamlsource import Positions

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
UnitCode = Annotated[str, StringConstraints(pattern=r"^U[0-9]{2}$")]
SkillId = Annotated[str, StringConstraints(pattern=r"^F[0-9]{2}\.S[0-9]{2}$")]
FieldId = Annotated[str, StringConstraints(pattern=r"^F[0-9]{2}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
SITE_URL_PATTERN = r"^https?://[^\s\"'<>]+$"
SiteUrl = Annotated[str, StringConstraints(pattern=SITE_URL_PATTERN, max_length=2000)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Month = Annotated[int, Field(ge=1, le=60)]
EqfLevel = Annotated[int, Field(ge=1, le=8)]
# Decimal's own JSON Schema changes between pydantic releases; authors write plain numbers anyway.
Points = Annotated[Decimal, Field(ge=0, le=240, decimal_places=2),
                   WithJsonSchema({"type": "number", "minimum": 0, "maximum": 240})]
QuestionPoints = Annotated[Decimal, Field(gt=0, le=100), WithJsonSchema({"type": "number", "exclusiveMinimum": 0,
                                                                          "maximum": 100})]
Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]
NonNegative = Annotated[Decimal, Field(ge=0), WithJsonSchema({"type": "number", "minimum": 0})]
Importance = Literal["++", "+", "-", "--"]
OutcomeKind = Literal["knowledge", "skills", "competence"]


class SourceModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


# --- programme.yaml ---------------------------------------------------------------------------

class Partner(SourceModel):
    name: Text
    """Organisation name as it should appear in packages."""
    country: CountryCode
    """ISO 3166 alpha-2 code, e.g. `SE`."""
    role: Text
    """Role in the programme, e.g. `Lead partner`."""


class CareerPath(SourceModel):
    id: Id
    """Stable id used in `target_levels` of the competence profile."""
    title: Text
    description: Text = ""


class UnitSlot(SourceModel):
    code: UnitCode
    """The unit's code as in its `unit.yaml`."""
    months: tuple[Month, ...] = Field(min_length=1)
    """Months of the programme in which the unit runs, e.g. `[2, 3]`."""


class Meeting(SourceModel):
    month: Month
    title: Text
    place: Text
    country: CountryCode


class Programme(SourceModel):
    id: Id
    """Short id used in package file names and identifiers."""
    title: Text
    description: Text
    languages: tuple[LanguageCode, ...] = Field(default=("en",), min_length=1)
    """Languages taught in; the first is the source language."""
    version: Text = "1.0"
    date: datetime.date
    """Release date written into manifests; builds never read the clock."""
    duration_months: Annotated[int, Field(ge=1, le=60)] = 12
    eqf_level: EqfLevel
    """European Qualifications Framework level of the programme, 1 to 8."""
    ecvet_points: Points
    """Total ECVET credit points; the units' points must add up to this."""
    delivery_mode: Literal["online", "on-site", "hybrid"]
    licence: Text
    """SPDX licence identifier of the content, e.g. `CC-BY-SA-4.0`."""
    keywords: tuple[Text, ...] = ()
    partners: tuple[Partner, ...] = ()
    career_paths: tuple[CareerPath, ...] = Field(min_length=1)
    units: tuple[UnitSlot, ...] = Field(min_length=1)
    """The units in programme order, with the months each runs in."""
    meetings: tuple[Meeting, ...] = ()
    """Transnational on-site meetings."""
    site_url: SiteUrl | None = None
    """Where a partner hosts the static site (`curriculum build --format site`), e.g. `https://example.org/cmp`;
    the cartridges link to the self-assessment there. `build --site-url` overrides it."""


# --- competences.yaml -------------------------------------------------------------------------

class RatingLevel(SourceModel):
    level: Annotated[int, Field(ge=0, le=10)]
    label: Text
    description: Text


class CountryImportance(SourceModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True,
                              populate_by_name=True)
    DE: Importance
    FR: Importance
    CH: Importance


class Skill(SourceModel):
    id: SkillId
    """Stable id `Fnn.Snn`."""
    title: Text
    importance: CountryImportance
    """Importance rated in the Upper Rhine workshop: `++`, `+`, `-`, `--`."""
    target_levels: dict[Id, Annotated[int, Field(ge=0, le=10)]]
    """Target level on the rating scale for each career path id."""


class ActivityField(SourceModel):
    id: FieldId
    title: Text
    skills: tuple[Skill, ...] = Field(min_length=1)


class Competences(SourceModel):
    rating_scale: tuple[RatingLevel, ...] = Field(min_length=2)
    activity_fields: tuple[ActivityField, ...] = Field(min_length=1)


# --- unit.yaml --------------------------------------------------------------------------------

class LearningOutcome(SourceModel):
    id: Id
    """Unique across the programme, e.g. `U02-LO1`; becomes the SCORM objective id."""
    kind: OutcomeKind
    text: Text
    """Starts with an action verb."""
    skill_ids: tuple[SkillId, ...] = ()
    """Competence-profile skills this outcome develops."""


class Assessment(SourceModel):
    method: Text
    evidence: Text
    criteria: tuple[Text, ...] = Field(min_length=1)
    outcome_ids: tuple[Id, ...] = Field(min_length=1)
    """Outcomes this assessment covers; every outcome of the unit must be covered."""


class Reading(SourceModel):
    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
    note: str = ""


class Discussion(SourceModel):
    title: Text
    prompt: Text


class Unit(SourceModel):
    code: UnitCode
    """Stable identifier, e.g. `U03`."""
    title: Text
    summary: Text
    eqf_level: EqfLevel
    ecvet_points: Points
    """Decimal, so credit totals compare exactly."""
    workload_hours: Annotated[int, Field(ge=1, le=2000)]
    months: tuple[Month, ...] | None = None
    """Optional; when given it must equal the programme schedule."""
    learning_outcomes: tuple[LearningOutcome, ...] = Field(min_length=1)
    assessment: Assessment
    further_reading: tuple[Reading, ...] = ()
    discussion: Discussion | None = None


# --- quiz.yaml --------------------------------------------------------------------------------

QuestionType = Literal["single", "multiple", "true-false", "short", "numerical", "matching", "essay"]


class Option(SourceModel):
    text: Text
    """Answer option (Markdown inline formatting allowed)."""
    correct: bool = False
    feedback: str = ""
    """Shown when the learner picks this option."""


class Pair(SourceModel):
    left: Text
    right: Text


class Feedback(SourceModel):
    correct: str = ""
    incorrect: str = ""
    general: str = ""
    """Shown after any answer, e.g. why the right answer is right."""


class Question(SourceModel):
    id: Id
    """Unique across the programme, e.g. `U02-Q1`; becomes the interaction id."""
    type: QuestionType
    text: Text
    """The question (Markdown)."""
    outcome_ids: tuple[Id, ...] = Field(min_length=1)
    """Outcomes of the unit this question assesses."""
    points: QuestionPoints = Decimal(1)
    options: tuple[Option, ...] = ()
    """`single` and `multiple`: the options, with `correct: true` on the right ones."""
    answer: bool | None = None
    """`true-false`: the right answer."""
    answers: tuple[Text, ...] = ()
    """`short`: accepted answers, compared ignoring case and surrounding spaces."""
    value: Number | None = None
    """`numerical`: the right value."""
    tolerance: NonNegative = Decimal(0)
    """`numerical`: accepted distance from `value`."""
    pairs: tuple[Pair, ...] = ()
    """`matching`: each left item and the right item it belongs to."""
    guidance: str = ""
    """`essay`: what a good answer contains, for the tutor who grades it."""
    feedback: Feedback = Feedback()
    shuffle: bool = True
    """`single` and `multiple`: `false` pins the options in the order written (e.g. for "all of the above");
    otherwise packages show them in a stable order derived from the question id."""

    def markdown_fields(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """(YAML path within the question, text) of every Markdown string the question holds."""
        yield ("text",), self.text
        for i, option in enumerate(self.options):
            yield ("options", i, "text"), option.text
            yield ("options", i, "feedback"), option.feedback
        for i, pair in enumerate(self.pairs):
            yield ("pairs", i, "left"), pair.left
            yield ("pairs", i, "right"), pair.right
        for name in ("correct", "incorrect", "general"):
            yield ("feedback", name), getattr(self.feedback, name)


class Quiz(SourceModel):
    title: Text = "Check your understanding"
    pass_mark: Annotated[int, Field(ge=0, le=100)] = 70
    """Percentage of the points needed to pass."""
    questions: tuple[Question, ...] = Field(min_length=1)


# --- front matter -----------------------------------------------------------------------------

class LessonMeta(SourceModel):
    id: Id
    """Unique lesson id, e.g. `U02-L1`."""
    title: Text
    outcome_ids: tuple[Id, ...] = Field(min_length=1)
    """Outcomes of its own unit that this lesson teaches."""
    minutes: Annotated[int, Field(ge=1, le=600)]
    """Estimated study time."""
    summary: str = ""
    lang: LanguageCode | None = None
    """Overrides the programme language for this lesson."""


class TranslationMeta(SourceModel):
    """Front matter of `NN-slug.<lang>.md` beside a lesson or case study: everything else comes from the source."""

    title: Text
    translated_from: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{12}$")]
    """Fingerprint of the source file this translates (`curriculum check` prints it); a mismatch means stale."""
    summary: str = ""


class CaseStudyMeta(SourceModel):
    id: Id
    title: Text
    cluster: Text
    country: CountryCode | tuple[CountryCode, ...]
    sector: Text
    unit_ids: tuple[UnitCode, ...] = Field(min_length=1)
    summary: str = ""


# --- what the loader assembles ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Ref:
    """A link or image in the sanitised HTML of a Markdown body (`load.markdown.locate` finds its line)."""

    target: str
    text: str = ""
    """Link text, or an image's alt text."""
    is_image: bool = False
    occurrence: int = 0
    """How many equal refs (same target and kind) come before this one in the body."""


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    occurrence: int = 0
    """How many equal headings come before this one in the body."""


@dataclass(frozen=True, slots=True)
class Removal:
    """Something the sanitiser takes out of a rendered body (see `load.sanitise`)."""

    kind: Literal["element", "attribute", "url", "other"]
    element: str
    attribute: str = ""
    value: str = ""
    occurrence: int = 0
    """How many equal removals come before this one in the body; tells them apart when finding their lines."""


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown body, its sanitised HTML and what that HTML holds."""

    body: str
    body_line: int
    """File line of the body's first line."""
    html: str = ""
    """What ships: Python-Markdown's output after the allow-list (`load.sanitise`)."""
    refs: tuple[Ref, ...] = ()
    removals: tuple[Removal, ...] = ()
    headings: tuple[Heading, ...] = ()
    overloaded_line: int | None = None
    """File line of a block too dense in markup to render; the body is then not rendered at all."""


@dataclass(frozen=True, slots=True)
class Translation:
    lang: str
    meta: TranslationMeta
    file: PurePosixPath
    positions: Positions
    doc: Document


@dataclass(frozen=True, slots=True)
class Lesson:
    meta: LessonMeta
    unit_code: str
    file: PurePosixPath
    positions: Positions
    doc: Document
    source_hash: str = ""
    translations: tuple[Translation, ...] = ()

    def translation(self, lang: str) -> Translation | None:
        return next((t for t in self.translations if t.lang == lang), None)

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True, slots=True)
class CaseStudy:
    meta: CaseStudyMeta
    file: PurePosixPath
    positions: Positions
    doc: Document
    source_hash: str = ""
    translations: tuple[Translation, ...] = ()

    def translation(self, lang: str) -> Translation | None:
        return next((t for t in self.translations if t.lang == lang), None)

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True, slots=True)
class UnitSource:
    unit: Unit
    folder: PurePosixPath
    file: PurePosixPath
    positions: Positions
    lessons: tuple[Lesson, ...] = ()
    quiz: Quiz | None = None
    quiz_positions: Positions | None = None

    @property
    def code(self) -> str:
        return self.unit.code


@dataclass(frozen=True, slots=True)
class Curriculum:
    """The whole curriculum as loaded; parts that failed to load are None or left out."""

    root: Path
    programme: Programme | None
    programme_positions: Positions | None
    competences: Competences | None
    competences_positions: Positions | None
    units: tuple[UnitSource, ...] = ()
    case_studies: tuple[CaseStudy, ...] = ()
    orphans: tuple[PurePosixPath, ...] = field(default=())
    """Module folders that had no unit.yaml."""

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for unit in self.units for lesson in unit.lessons)

    def units_in_order(self) -> tuple[UnitSource, ...]:
        """Units in programme order; units not in the schedule last, by code."""
        by_code = {u.code: u for u in self.units}
        ordered = [by_code[s.code] for s in self.programme.units if s.code in by_code] if self.programme else []
        seen = {u.code for u in ordered}
        return tuple(ordered + sorted((u for u in self.units if u.code not in seen), key=lambda u: u.code))

    def source_files(self) -> list[PurePosixPath]:
        """Every source file that loaded, for reports that list what was checked."""
        files = [pos.file for pos in (self.programme_positions, self.competences_positions) if pos]
        for unit in self.units:
            files.append(unit.file)
            files += [lesson.file for lesson in unit.lessons]
            if unit.quiz_positions:
                files.append(unit.quiz_positions.file)
        files += [case.file for case in self.case_studies]
        return sorted(files)

    def skills(self) -> dict[str, Skill]:
        if not self.competences:
            return {}
        return {s.id: s for f in self.competences.activity_fields for s in f.skills}
