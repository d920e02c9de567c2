"""Package stage helper (Moodle backup): the course laid out as Moodle sees it — sections, activities and their ids.

Moodle's restore maps every id in a backup to a new one, so ids only need to be unique and stable: they are
numbered in course order, from the authored order of units, lessons and case studies.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

from generator.formats.base import Job
from generator.model import Reading, UnitSource
from generator.render.site import Page, Site

ModName = Literal["page", "url", "forum", "quiz", "scorm"]
COURSE_ID: Final = 1
SYSTEM_CONTEXT: Final = 1
"""The system context's id, as on every Moodle site; restore maps it to the target site's."""
COURSE_CONTEXT: Final = 2
MODULE_CONTEXT_BASE: Final = 100
"""A module's context id is this plus its course module id, so it never meets the course context."""
NAME_LIMIT: Final = 255
"""Longest name Moodle stores for a section, an activity, a question or a badge (254 for a course's full name)."""
TOP_CATEGORY: Final = 1
COURSE_GRADE_CATEGORY: Final = 1


def fit_name(text: str, limit: int = NAME_LIMIT) -> str:
    """`text`, cut with an ellipsis if longer than Moodle stores (a longer name stops a restore half-way)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Activity:
    """One course module: its ids, where it sits and what it is made from."""

    cmid: int
    modname: ModName
    title: str
    """Its name in the course, at most NAME_LIMIT characters."""
    section: int
    """Section number: 0 for the programme, then one per unit in programme order."""
    unit: UnitSource | None
    page: Page | None = None
    reading: Reading | None = None
    outcome_ids: tuple[str, ...] = ()
    """Outcomes it teaches or assesses; its competencies are the skills they develop."""
    idnumber: str = ""
    """The activity's ID number in Moodle (and its grade item's), from authored ids: `U02-L3`, `U02-quiz` …"""

    @property
    def instance_id(self) -> int:
        return self.cmid

    @property
    def context_id(self) -> int:
        return MODULE_CONTEXT_BASE + self.cmid

    @property
    def directory(self) -> str:
        return f"activities/{self.modname}_{self.cmid}"


@dataclass(frozen=True, slots=True)
class Section:
    number: int
    name: str | None
    """None for section 0, which Moodle names "General" in the course's language."""
    summary: str
    """HTML."""
    activities: tuple[Activity, ...]
    unit: UnitSource | None = None

    @property
    def id(self) -> int:
        return self.number + 1

    @property
    def directory(self) -> str:
        return f"sections/section_{self.id}"


@dataclass(frozen=True, slots=True)
class CoursePlan:
    job: Job
    sections: tuple[Section, ...]
    timestamp: int
    """The programme's release date as a Unix time: every time field of the backup, so builds never read the clock."""
    end: int
    """The course end date: the release date plus the programme's duration; 0 (none) for a unit's backup."""

    @property
    def activities(self) -> tuple[Activity, ...]:
        return tuple(a for s in self.sections for a in s.activities)

    def unit_category(self, unit: UnitSource) -> int:
        """The question category holding a unit's questions (the course's top category is 1)."""
        return TOP_CATEGORY + 1 + [u.code for u in self.job.units].index(unit.code)

    def by_page(self) -> dict[str, Activity]:
        """Page activities by the id of the lesson, case study or unit page they show."""
        return {a.page.id: a for a in self.activities if a.page is not None and a.modname == "page"}


def plan_course(job: Job, site: Site, section_summary: dict[str, str], overview_summary: str) -> CoursePlan:
    """Number sections and activities in course order; `section_summary` is each unit's summary HTML by code."""
    counter = iter(range(1, 100_000))
    overview = site.page(job.programme.id, "overview")
    general = [Activity(next(counter), "page", job.gettext("Programme overview"), 0, None, overview,
                        idnumber=f"{job.programme.id}-overview")]
    if job.course.competences:
        general.append(Activity(next(counter), "scorm", job.gettext("Self-assessment: where do you stand?"), 0, None,
                                outcome_ids=tuple(o.id for o in job.outcomes), idnumber=f"{job.programme.id}-self-assessment"))
    sections = [Section(0, None, overview_summary, tuple(general))]
    for number, unit in enumerate(job.units, start=1):
        sections.append(Section(number, fit_name(f"{unit.code} {unit.unit.title}"), section_summary[unit.code],
                                tuple(_unit_activities(job, site, unit, number, counter)), unit))
    date = job.programme.date
    # A unit runs in some months of the programme, which a course restored on its own does not know: no end date.
    end = _unix(_add_months(date, job.programme.duration_months)) if job.scope == "programme" else 0
    return CoursePlan(job, tuple(sections), _unix(date), end)


def _unix(date: datetime.date) -> int:
    return int(datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.UTC).timestamp())


def _add_months(date: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return date.replace(year=year, month=month, day=min(date.day, calendar.monthrange(year, month)[1]))


def _unit_activities(job: Job, site: Site, unit: UnitSource, number: int, counter: Iterator[int]) -> list[Activity]:
    unit_outcomes = tuple(o.id for o in unit.unit.learning_outcomes)
    activities = []
    for page in site.pages_of(unit.code):
        if page.kind == "profile":
            continue  # a SCORM activity in section 0
        title = (job.gettext("About this unit") if page.kind == "unit"
                 else job.gettext("Case study: %(title)s") % {"title": page.title} if page.kind == "case" else page.title)
        activities.append(Activity(next(counter), "page", fit_name(title), number, unit, page,
                                   outcome_ids=page.outcome_ids or unit_outcomes,
                                   idnumber=f"{unit.code}-about" if page.kind == "unit" else page.id))
    for index, reading in enumerate(unit.unit.further_reading, start=1):
        activities.append(Activity(next(counter), "url",
                                   fit_name(job.gettext("Further reading: %(title)s") % {"title": reading.title}),
                                   number, unit,
                                   reading=reading, outcome_ids=unit_outcomes, idnumber=f"{unit.code}-reading-{index}"))
    if unit.quiz:
        assessed = tuple(sorted({o for q in unit.quiz.questions for o in q.outcome_ids}))
        activities.append(Activity(next(counter), "quiz", fit_name(job.gettext("Quiz: %(title)s") % {"title": unit.quiz.title}),
                                   number, unit, outcome_ids=assessed, idnumber=f"{unit.code}-quiz"))
    if unit.unit.discussion:
        activities.append(Activity(next(counter), "forum", fit_name(unit.unit.discussion.title), number, unit,
                                   outcome_ids=unit_outcomes, idnumber=f"{unit.code}-forum"))
    return activities
