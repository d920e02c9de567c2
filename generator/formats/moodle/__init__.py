"""Package stage: a Moodle course backup (.mbz) that Moodle 4.1 and later restore as a native course.

The layout follows what Moodle's own backup writes (backup/moodle2/backup_stepslib.php and the writers
beside each module and question type), file by file; ../shared/moodle-reference holds a real one. One
module per file family: plan (ids), course (course folder, sections, root files), activities, questions,
badges, files (the file pool) and content (page HTML).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from lxml import etree
from markupsafe import escape

from generator.archive import ZipEntry, source_date_epoch
from generator.formats.base import Container, Job, Scope
from generator.formats.moodle import activities as act
from generator.formats.moodle.badges import badges_xml, plan_badges
from generator.formats.moodle.content import item_list, page_content, paragraphs
from generator.formats.moodle.course import (
    all_category_ids,
    course_entries,
    moodle_backup_xml,
    root_entries,
    section_entries,
)
from generator.formats.moodle.files import FilePool
from generator.formats.moodle.plan import TOP_CATEGORY, Activity, CoursePlan, plan_course
from generator.formats.moodle.questions import QuestionBank
from generator.formats.moodle.xml import serialise
from generator.formats.selfassessment import self_assessment_package
from generator.model import UnitSource
from generator.numbers import plain_decimal
from generator.render.html import Style, months_label
from generator.render.site import Site

SCORM_PACKAGE = "self-assessment.zip"


class MoodleBackup:
    name: ClassVar[str] = "mbz"
    label: ClassVar[str] = "Moodle course backup (Moodle 4.1+)"
    style: ClassVar[Style] = "moodle"
    extension: ClassVar[str] = ".mbz"
    scopes: ClassVar[tuple[Scope, ...]] = ("programme", "unit")
    manifest_name: ClassVar[str] = "moodle_backup.xml"
    container: ClassVar[Container] = "tar.gz"

    def manifest(self, job: Job, site: Site) -> etree._Element:
        return moodle_backup_xml(_plan(job, site), f"{job.ident}-{self.name}{self.extension}")

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]:
        plan = _plan(job, site)
        pool = FilePool(plan.timestamp)
        bank = QuestionBank(plan, job.gettext)
        questions = bank.xml()  # first: the quizzes need the question bank entries it numbers
        framework = job.programme.id
        yield from course_entries(plan, paragraphs(job.description), _skills(job, (o.id for o in job.outcomes)),
                                  framework, all_category_ids(plan))
        yield from section_entries(plan)
        pages = plan.by_page()
        for activity in plan.activities:
            yield from _activity_entries(plan, site, activity, pool, bank, framework, pages)
        yield ZipEntry("questions.xml", serialise(questions))
        yield ZipEntry("badges.xml", serialise(badges_xml(plan, plan_badges(plan, job.gettext), pool)))
        yield from root_entries(plan)
        yield ZipEntry("files.xml", serialise(pool.xml()))
        yield from pool.entries()


def _plan(job: Job, site: Site) -> CoursePlan:
    summaries = {u.code: _unit_summary(job, u) for u in job.units}
    return plan_course(job, site, summaries, paragraphs(job.programme.description))


def _unit_summary(job: Job, source: UnitSource) -> str:
    """The section summary: the unit's summary, its credits and months, and its learning outcomes."""
    unit = source.unit
    slot = next((s for s in job.programme.units if s.code == unit.code), None)
    months = months_label(slot.months if slot else unit.months or (), job.gettext)
    facts = job.gettext("%(points)s ECVET points · EQF level %(level)s · %(hours)s hours") % {
        "points": plain_decimal(unit.ecvet_points), "level": unit.eqf_level, "hours": unit.workload_hours}
    outcomes = item_list([f"{o.id}: {o.text}" for o in unit.learning_outcomes])
    heading = escape(job.gettext("Learning outcomes"))
    return f"{paragraphs(unit.summary, facts + (f' · {months}' if months else ''))}<h4>{heading}</h4>{outcomes}"


def _skills(job: Job, outcome_ids: Iterable[str]) -> list[str]:
    """Competence-profile skills developed by the outcomes given, in profile order."""
    wanted = set(outcome_ids)
    skills = {s for o in job.outcomes if o.id in wanted for s in o.skill_ids}
    order = list(job.course.skills())
    return sorted(skills & set(order), key=order.index)


@dataclass(frozen=True, slots=True)
class _Module:
    """What one activity's own XML needs besides the common activity files."""

    body: etree._Element
    file_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)
    grade_items: list[etree._Element] = field(default_factory=list)


def _activity_entries(plan: CoursePlan, site: Site, activity: Activity, pool: FilePool, bank: QuestionBank,
                      framework: str, pages: dict[str, Activity]) -> Iterator[ZipEntry]:
    if activity.modname == "page":
        module = _page(plan, site, activity, pool, pages)
    elif activity.modname == "url":
        assert activity.reading is not None
        module = _Module(act.url_xml(plan, activity, paragraphs(activity.reading.note)))
    elif activity.modname == "forum":
        module = _forum(plan, activity)
    elif activity.modname == "quiz":
        module = _quiz(plan, activity, bank)
    else:
        module = _scorm_activity(plan, activity, pool)
    yield from act.activity_files(plan, activity, module.body, act.inforef(module.file_ids, module.category_ids),
                                  _skills(plan.job, activity.outcome_ids), framework, module.grade_items)


def _page(plan: CoursePlan, site: Site, activity: Activity, pool: FilePool, pages: dict[str, Activity]) -> _Module:
    assert activity.page is not None
    content, files = page_content(site, activity.page, activity, pool,
                                  lambda ident: pages[ident].cmid if ident in pages else None)
    return _Module(act.page_xml(plan, activity, content), files)


def _forum(plan: CoursePlan, activity: Activity) -> _Module:
    assert activity.unit is not None and activity.unit.unit.discussion is not None
    invitation = plan.job.gettext("In this programme learners are also teachers: share what works in your cluster, "
                                  "and answer at least one colleague from another country.")
    return _Module(act.forum_xml(plan, activity, paragraphs(activity.unit.unit.discussion.prompt, invitation)))


def _quiz(plan: CoursePlan, activity: Activity, bank: QuestionBank) -> _Module:
    assert activity.unit is not None and activity.unit.quiz is not None
    job, quiz = plan.job, activity.unit.quiz
    total, passing = act.quiz_total(quiz), act.pass_grade(quiz)
    intro = paragraphs(job.gettext("%(count)s questions, %(total)s marks. You pass with %(mark)s %% "
                                   "(%(passing)s marks).") % {
        "count": len(quiz.questions), "total": plain_decimal(total), "mark": quiz.pass_mark,
        "passing": plain_decimal(passing)})
    passed = paragraphs(job.gettext("Passed: you have reached the pass mark of this unit's quiz."))
    not_passed = paragraphs(job.gettext("Not passed yet: review the lessons of this unit, then try again."))
    body = act.quiz_xml(plan, activity, quiz, intro, bank.slots.get(activity.unit.code, []), passed, not_passed)
    return _Module(body, category_ids=[TOP_CATEGORY, plan.unit_category(activity.unit)],
                   grade_items=[act.grade_item(plan, activity, total, passing)])


def _scorm_activity(plan: CoursePlan, activity: Activity, pool: FilePool) -> _Module:
    """The self-assessment as a SCORM activity: the package in `package`, its files unpacked in `content`."""
    job = plan.job
    built = self_assessment_package(job.course, job.lang, source_date_epoch())
    assert built is not None  # planned only when the programme has a competence profile
    package = built.data
    ids = [pool.add(activity.context_id, "mod_scorm", "package", 0, SCORM_PACKAGE, package)]
    ids += [pool.add(activity.context_id, "mod_scorm", "content", 0, entry.name, entry.data)
            for entry in _unpacked(package)]
    intro = paragraphs(job.gettext("Rate yourself against the competence profile, see your gaps and the units "
                                   "that close them. Your ratings are kept with your attempt, so you can come back "
                                   "and compare."))
    manifest_id, organization, items = _scorm_structure(package)
    body = act.scorm_xml(plan, activity, intro, SCORM_PACKAGE, hashlib.sha1(package).hexdigest(),
                         manifest_id, organization, items)
    # Graded by learning objects completed: one, once the learner finishes the self-assessment.
    return _Module(body, ids, grade_items=[act.grade_item(plan, activity, Decimal(1), Decimal(0))])


def _scorm_structure(package: bytes) -> tuple[str, tuple[str, str], list[act.ScormItem]]:
    """Manifest id, default organization and its SCO items, as mod_scorm parses them from our own package."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        manifest = etree.fromstring(archive.read("imsmanifest.xml"), etree.XMLParser(resolve_entities=False))
    ns = {"cp": manifest.nsmap[None]}
    organizations = manifest.find("cp:organizations", ns)
    assert organizations is not None
    org = manifest.find(f"cp:organizations/cp:organization[@identifier='{organizations.get('default')}']", ns)
    assert org is not None
    hrefs = {r.get("identifier"): r.get("href", "") for r in manifest.iterfind("cp:resources/cp:resource", ns)}
    items = [act.ScormItem(item.get("identifier", ""), item.findtext("cp:title", "", ns), hrefs[item.get("identifierref")])
             for item in org.iterfind("cp:item", ns)]
    return manifest.get("identifier", ""), (org.get("identifier", ""), org.findtext("cp:title", "", ns)), items


SELF_ASSESSMENT_LAUNCH = "self-assessment.html"


def _unpacked(package: bytes) -> list[ZipEntry]:
    """The files of a SCORM package as mod_scorm unpacks them into its `content` area (our own zip: trusted)."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return [ZipEntry(info.filename, archive.read(info)) for info in sorted(archive.infolist(), key=lambda i: i.filename)
                if not info.is_dir()]


