"""Package stage helper (Moodle backup): the files of one activity folder, as Moodle's activity backup writes them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from lxml import etree

from generator.archive import ZipEntry
from generator.formats.moodle.plan import COURSE_GRADE_CATEGORY, Activity, CoursePlan
from generator.formats.moodle.xml import E, Value, decimal, leaves, node, serialise
from generator.model import Quiz

BACKUP_VERSION: Final = 2022112800
"""Moodle 4.1.0's backup version: 4.1 LTS and every later Moodle restore it (a Moodle refuses newer backups)."""
BACKUP_RELEASE: Final = "4.1"
COMPLETION_AUTOMATIC: Final = 2
SCORM_STATUS_COMPLETED: Final = 4
"""mod_scorm's completionstatusrequired bit for "completed" (2 is "passed")."""
GRADE_SCOES: Final = 0
"""mod_scorm's grade method "learning objects": the number of SCOs completed."""
# Review options: what a learner sees during the attempt, right after it, later while open, after close
# (mod/quiz/classes/question/display_options.php: 0x10000, 0x01000, 0x00100, 0x00010).
REVIEW_ALL_TIMES: Final = 0x11110
REVIEW_AFTER_ATTEMPT: Final = 0x01110


@dataclass(frozen=True, slots=True)
class QuizSlot:
    """One question of a quiz: its slot and the question bank entry it uses."""

    slot: int
    entry_id: int
    mark: Decimal


def activity_files(plan: CoursePlan, activity: Activity, body: etree._Element, inforef: etree._Element,
                   competency_ids: list[str], framework: str, grade_items: list[etree._Element]) -> Iterator[ZipEntry]:
    """Every file Moodle writes into an activity folder; `body` is the module's own XML (page.xml, quiz.xml ...)."""
    folder = activity.directory
    yield ZipEntry(f"{folder}/module.xml", serialise(_module(plan, activity)))
    yield ZipEntry(f"{folder}/{activity.modname}.xml", serialise(body))
    yield ZipEntry(f"{folder}/inforef.xml", serialise(inforef))
    yield ZipEntry(f"{folder}/grades.xml", serialise(E.activity_gradebook(E.grade_items(*grade_items), E.grade_letters())))
    yield ZipEntry(f"{folder}/grade_history.xml", serialise(E.grade_history(E.grade_grades())))
    yield ZipEntry(f"{folder}/roles.xml", serialise(E.roles(E.role_overrides(), E.role_assignments())))
    yield ZipEntry(f"{folder}/filters.xml", serialise(E.filters(E.filter_actives(), E.filter_configs())))
    yield ZipEntry(f"{folder}/comments.xml", serialise(E.comments()))
    yield ZipEntry(f"{folder}/calendar.xml", serialise(E.events()))
    yield ZipEntry(f"{folder}/completion.xml", serialise(E.completions(E.completionviews())))
    yield ZipEntry(f"{folder}/xapistate.xml", serialise(E.states()))
    if activity.modname == "forum":  # the one of our modules with an advanced grading area (whole-forum grading)
        yield ZipEntry(f"{folder}/grading.xml", serialise(E.areas()))
    yield ZipEntry(f"{folder}/competencies.xml", serialise(E.course_module_competencies(E.competencies(*[
        E.competency(*leaves(("idnumber", idnumber), ("ruleoutcome", 1), ("sortorder", index),
                             ("frameworkidnumber", framework), ("overridegrade", 0)))
        for index, idnumber in enumerate(competency_ids)]))))


def _module(plan: CoursePlan, activity: Activity) -> etree._Element:
    """module.xml: the course module, with the completion rule of its kind."""
    grade_item = 0 if activity.modname == "quiz" else None  # quizzes complete on their grade item passing
    return node("module", activity.cmid, leaves(
        ("modulename", activity.modname), ("sectionid", activity.section + 1), ("sectionnumber", activity.section),
        ("idnumber", activity.idnumber), ("added", plan.timestamp), ("score", 0), ("indent", 0), ("visible", 1),
        ("visibleoncoursepage", 1), ("visibleold", 1), ("groupmode", 0), ("groupingid", 0),
        ("completion", COMPLETION_AUTOMATIC), ("completiongradeitemnumber", grade_item),
        ("completionpassgrade", activity.modname == "quiz"), ("completionview", activity.modname in ("page", "url")),
        ("completionexpected", 0), ("availability", None), ("showdescription", 0), ("downloadcontent", 1),
        ("lang", None)), E.tags(), version=str(BACKUP_VERSION))


def _activity(activity: Activity, *children: etree._Element) -> etree._Element:
    return node("activity", activity.instance_id, *children, moduleid=str(activity.cmid), modulename=activity.modname,
                contextid=str(activity.context_id))


def page_xml(plan: CoursePlan, activity: Activity, content: str) -> etree._Element:
    return _activity(activity, node("page", activity.instance_id, leaves(
        ("name", activity.title), ("intro", ""), ("introformat", 1), ("content", content), ("contentformat", 1),
        ("legacyfiles", 0), ("legacyfileslast", None), ("display", 5),
        ("displayoptions", 'a:2:{s:12:"printheading";s:1:"1";s:10:"printintro";s:1:"0";}'), ("revision", 1),
        ("timemodified", plan.timestamp))))


def url_xml(plan: CoursePlan, activity: Activity, intro: str) -> etree._Element:
    assert activity.reading is not None
    return _activity(activity, node("url", activity.instance_id, leaves(
        ("name", activity.title), ("intro", intro), ("introformat", 1), ("externalurl", activity.reading.url),
        ("display", 0), ("displayoptions", 'a:1:{s:10:"printintro";i:1;}'), ("parameters", "a:0:{}"),
        ("timemodified", plan.timestamp))))


def forum_xml(plan: CoursePlan, activity: Activity, intro: str) -> etree._Element:
    """A standard forum for general use; complete once the learner has posted (a discussion or a reply)."""
    return _activity(activity, node("forum", activity.instance_id, leaves(
        ("type", "general"), ("name", activity.title), ("intro", intro), ("introformat", 1), ("duedate", 0),
        ("cutoffdate", 0), ("assessed", 0), ("assesstimestart", 0), ("assesstimefinish", 0), ("scale", 0),
        ("maxbytes", 0), ("maxattachments", 1), ("forcesubscribe", 0), ("trackingtype", 1), ("rsstype", 0),
        ("rssarticles", 0), ("timemodified", plan.timestamp), ("warnafter", 0), ("blockafter", 0), ("blockperiod", 0),
        ("completiondiscussions", 0), ("completionreplies", 0), ("completionposts", 1), ("displaywordcount", 0),
        ("lockdiscussionafter", 0), ("grade_forum", 0)),
        E.discussions(), E.subscriptions(), E.digests(), E.readposts(), E.trackedprefs(), E.poststags(), E.grades()))


def quiz_total(quiz: Quiz) -> Decimal:
    return sum((q.points for q in quiz.questions), start=Decimal(0))


def pass_grade(quiz: Quiz) -> Decimal:
    return quiz_total(quiz) * quiz.pass_mark / 100


def quiz_xml(plan: CoursePlan, activity: Activity, quiz: Quiz, intro: str, slots: list[QuizSlot],
             passed: str, not_passed: str) -> etree._Element:
    """The quiz with one question per slot; its grade is its total of marks, so marks and grades read the same.

    Overall feedback has two bands split at the pass grade (Moodle's bands include their lower bound and
    exclude their upper one, so the top band ends one above the maximum).
    """
    total = quiz_total(quiz)
    feedback = [(passed, pass_grade(quiz), total + 1), (not_passed, Decimal(0), pass_grade(quiz))]
    instances = [node("question_instance", activity.instance_id * 1000 + s.slot, leaves(
        ("quizid", activity.instance_id), ("slot", s.slot), ("page", s.slot), ("displaynumber", None),
        ("requireprevious", 0), ("maxmark", decimal(s.mark))),
        node("question_reference", activity.instance_id * 1000 + s.slot, leaves(
            ("usingcontextid", activity.context_id), ("component", "mod_quiz"), ("questionarea", "slot"),
            ("questionbankentryid", s.entry_id), ("version", None)))) for s in slots]
    review: list[tuple[str, Value]] = [
        ("reviewattempt", REVIEW_ALL_TIMES), ("reviewcorrectness", REVIEW_AFTER_ATTEMPT),
        ("reviewmarks", REVIEW_AFTER_ATTEMPT), ("reviewspecificfeedback", REVIEW_AFTER_ATTEMPT),
        ("reviewgeneralfeedback", REVIEW_AFTER_ATTEMPT), ("reviewrightanswer", REVIEW_AFTER_ATTEMPT),
        ("reviewoverallfeedback", REVIEW_AFTER_ATTEMPT)]
    return _activity(activity, node("quiz", activity.instance_id, leaves(
        ("name", activity.title), ("intro", intro), ("introformat", 1), ("timeopen", 0), ("timeclose", 0),
        ("timelimit", 0), ("overduehandling", "autosubmit"), ("graceperiod", 0), ("preferredbehaviour", "deferredfeedback"),
        ("canredoquestions", 0), ("attempts_number", 0), ("attemptonlast", 0), ("grademethod", 1), ("decimalpoints", 2),
        ("questiondecimalpoints", -1), *review, ("questionsperpage", 1), ("navmethod", "free"), ("shuffleanswers", 1),
        ("sumgrades", decimal(total, 5)), ("grade", decimal(total, 5)), ("timecreated", plan.timestamp),
        ("timemodified", plan.timestamp), ("password", ""), ("subnet", ""), ("browsersecurity", "-"), ("delay1", 0),
        ("delay2", 0), ("showuserpicture", 0), ("showblocks", 0), ("completionattemptsexhausted", 0),
        ("completionminattempts", 0), ("allowofflineattempts", 0)),
        E.subplugin_quizaccess_seb_quiz(),
        E.question_instances(*instances),
        E.sections(node("section", activity.instance_id, leaves(("firstslot", 1), ("heading", ""),
                                                                ("shufflequestions", 0)))),
        E.feedbacks(*[node("feedback", activity.instance_id * 10 + n, leaves(
            ("feedbacktext", text), ("feedbacktextformat", 1), ("mingrade", decimal(low, 5)),
            ("maxgrade", decimal(high, 5)))) for n, (text, low, high) in enumerate(feedback, start=1)]),
        E.overrides(), E.grades(), E.attempts()))


def grade_item(plan: CoursePlan, activity: Activity, grademax: Decimal, gradepass: Decimal) -> etree._Element:
    """The activity's gradebook item, in the course's top grade category; its pass grade drives quiz completion."""
    return node("grade_item", activity.cmid, leaves(
        ("categoryid", COURSE_GRADE_CATEGORY), ("itemname", activity.title), ("itemtype", "mod"),
        ("itemmodule", activity.modname), ("iteminstance", activity.instance_id), ("itemnumber", 0), ("iteminfo", None),
        ("idnumber", activity.idnumber), ("calculation", None), ("gradetype", 1), ("grademax", decimal(grademax, 5)),
        ("grademin", decimal(0, 5)), ("scaleid", None), ("outcomeid", None), ("gradepass", decimal(gradepass, 5)),
        ("multfactor", decimal(1, 5)), ("plusfactor", decimal(0, 5)), ("aggregationcoef", decimal(0, 5)),
        ("aggregationcoef2", decimal(0, 5)), ("weightoverride", 0), ("sortorder", activity.cmid + 1), ("display", 0),
        ("decimals", None), ("hidden", 0), ("locked", 0), ("locktime", 0), ("needsupdate", 0),
        ("timecreated", plan.timestamp), ("timemodified", plan.timestamp)), E.grade_grades())


@dataclass(frozen=True, slots=True)
class ScormItem:
    identifier: str
    title: str
    launch: str


def scorm_xml(plan: CoursePlan, activity: Activity, intro: str, reference: str, sha1: str, manifest_id: str,
              organization: tuple[str, str], items: list[ScormItem]) -> etree._Element:
    """A SCORM 1.2 activity with its package already parsed into scoes, as mod_scorm stores it after an upload."""
    org_id, org_title = organization
    base = activity.instance_id * 1000
    scoes = [node("sco", base + 1, leaves(("manifest", manifest_id), ("organization", ""), ("parent", "/"),
                                          ("identifier", org_id), ("launch", ""), ("scormtype", ""),
                                          ("title", org_title), ("sortorder", 1)),
                  _empty_sco_children())]
    for index, item in enumerate(items, start=2):
        # What mod_scorm's SCORM 1.2 parser stores beside an item of the manifest (scorm_optionals_data).
        datas = E.sco_datas(*[node("sco_data", base * 10 + index * 2 + n, leaves(("name", name), ("value", value)))
                              for n, (name, value) in enumerate((("isvisible", "true"), ("parameters", "")))])
        scoes.append(node("sco", base + index, leaves(
            ("manifest", manifest_id), ("organization", org_id), ("parent", org_id), ("identifier", item.identifier),
            ("launch", item.launch), ("scormtype", "sco"), ("title", item.title), ("sortorder", index)),
            datas, _empty_sco_children()[1:]))
    return _activity(activity, node("scorm", activity.instance_id, leaves(
        ("name", activity.title), ("scormtype", "local"), ("reference", reference), ("intro", intro),
        # Graded by learning objects completed (GRADESCOES): a self-assessment is finished, never marked.
        ("introformat", 1), ("version", "SCORM_1.2"), ("maxgrade", 1), ("grademethod", GRADE_SCOES), ("whatgrade", 0),
        ("maxattempt", 0), ("forcecompleted", 0), ("forcenewattempt", 0), ("lastattemptlock", 0),
        ("masteryoverride", 1), ("displayattemptstatus", 1), ("displaycoursestructure", 0), ("updatefreq", 0),
        ("sha1hash", sha1), ("md5hash", ""), ("revision", 1), ("launch", base + 2), ("skipview", 2), ("hidebrowse", 1),
        ("hidetoc", 3), ("nav", 1), ("navpositionleft", -100), ("navpositiontop", -100), ("auto", 0), ("popup", 0),
        ("options", ""), ("width", 100), ("height", 600), ("timeopen", 0), ("timeclose", 0),
        ("timemodified", plan.timestamp), ("completionstatusrequired", SCORM_STATUS_COMPLETED),
        ("completionscorerequired", None), ("completionstatusallscos", 0), ("autocommit", 0),
        ("displayactivityname", 1)), E.scoes(*scoes)))


def _empty_sco_children() -> list[etree._Element]:
    return [E.sco_datas(), E.seq_ruleconds(), E.seq_rolluprules(), E.seq_objectives(), E.sco_tracks()]


def inforef(file_ids: Sequence[int], category_ids: Sequence[int] = ()) -> etree._Element:
    parts = []
    if file_ids:
        parts.append(E.fileref(*[E.file(E.id(str(i))) for i in file_ids]))
    if category_ids:
        parts.append(E.question_categoryref(*[E.question_category(E.id(str(i))) for i in category_ids]))
    return E.inforef(*parts)
