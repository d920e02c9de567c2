"""Package stage helper (Moodle backup): moodle_backup.xml, the course folder, the sections and the root files."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from lxml import etree

from generator.archive import ZipEntry
from generator.formats.moodle.activities import BACKUP_RELEASE, BACKUP_VERSION
from generator.formats.moodle.plan import (
    COURSE_CONTEXT,
    COURSE_GRADE_CATEGORY,
    COURSE_ID,
    SYSTEM_CONTEXT,
    TOP_CATEGORY,
    CoursePlan,
    fit_name,
)
from generator.formats.moodle.xml import E, leaves, node, serialise

ROOT_SETTINGS = (("imscc11", 0), ("users", 0), ("anonymize", 0), ("role_assignments", 0), ("activities", 1),
                 ("blocks", 0), ("files", 1), ("filters", 0), ("comments", 0), ("badges", 1), ("calendarevents", 0),
                 ("userscompletion", 0), ("logs", 0), ("grade_histories", 0), ("questionbank", 1), ("groups", 0),
                 ("competencies", 1), ("customfield", 0), ("contentbankcontent", 0), ("xapistate", 0),
                 ("legacyfiles", 0))
"""What the backup holds, as Moodle's backup settings: course content, files, question bank, badges and
competency links; no users, logs or user data."""
COMPLETION_CRITERIA_ACTIVITY = 4
COMPLETION_AGGREGATION_ALL = 1
MODE_GENERAL = 10


def shortname(plan: CoursePlan) -> str:
    return plan.job.ident.upper()


def moodle_backup_xml(plan: CoursePlan, filename: str) -> etree._Element:
    """moodle_backup.xml: who wrote the backup (the oldest Moodle it targets), what it contains, and its settings."""
    job = plan.job
    activities = [E.activity(*leaves(("moduleid", a.cmid), ("sectionid", a.section + 1), ("modulename", a.modname),
                                     ("title", a.title), ("directory", a.directory))) for a in plan.activities]
    sections = [E.section(*leaves(("sectionid", s.id), ("title", s.name or str(s.number)), ("directory", s.directory)))
                for s in plan.sections]
    settings = [_setting("root", "filename", filename), *[_setting("root", name, value) for name, value in ROOT_SETTINGS]]
    for section in plan.sections:
        key = f"section_{section.id}"
        settings += [_setting("section", f"{key}_included", 1, section=key),
                     _setting("section", f"{key}_userinfo", 0, section=key)]
        for a in section.activities:
            key_a = f"{a.modname}_{a.cmid}"
            settings += [_setting("activity", f"{key_a}_included", 1, activity=key_a),
                         _setting("activity", f"{key_a}_userinfo", 0, activity=key_a)]
    backup_id = hashlib.md5(f"{job.ident}:{job.programme.version}".encode()).hexdigest()
    return E.moodle_backup(E.information(
        *leaves(("name", filename), ("moodle_version", BACKUP_VERSION), ("moodle_release", f"{BACKUP_RELEASE} (Build: 20221128)"),
                ("backup_version", BACKUP_VERSION), ("backup_release", BACKUP_RELEASE), ("backup_date", plan.timestamp),
                ("mnet_remoteusers", 0), ("include_files", 1), ("include_file_references_to_external_content", 0),
                ("original_wwwroot", "https://curriculum-compiler.invalid"),
                ("original_site_identifier_hash", hashlib.md5(job.programme.id.encode()).hexdigest()),
                ("original_course_id", COURSE_ID), ("original_course_format", "topics"),
                ("original_course_fullname", fit_name(job.title, 254)), ("original_course_shortname", shortname(plan)),
                ("original_course_startdate", plan.timestamp), ("original_course_enddate", plan.end),
                ("original_course_contextid", COURSE_CONTEXT), ("original_system_contextid", SYSTEM_CONTEXT)),
        E.details(E.detail(*leaves(("type", "course"), ("format", "moodle2"), ("interactive", 1), ("mode", MODE_GENERAL),
                                   ("execution", 1), ("executiontime", 0)), backup_id=backup_id)),
        E.contents(E.activities(*activities), E.sections(*sections),
                   E.course(*leaves(("courseid", COURSE_ID), ("title", shortname(plan)), ("directory", "course")))),
        E.settings(*settings)))


def _setting(level: str, name: str, value: str | int, **scope: str) -> etree._Element:
    where = [E(key, text) for key, text in scope.items()]
    return E.setting(E.level(level), *where, E.name(name), E.value(str(value)))


def course_entries(plan: CoursePlan, summary: str, competency_ids: list[str], framework: str,
                   category_ids: list[int]) -> Iterator[ZipEntry]:
    """The course folder: the course record, its competencies and what restore reads beside them."""
    job = plan.job
    course = node("course", COURSE_ID, leaves(
        ("shortname", shortname(plan)), ("fullname", fit_name(job.title, 254)), ("idnumber", job.ident), ("summary", summary),
        ("summaryformat", 1), ("format", "topics"), ("showgrades", 1), ("newsitems", 0), ("startdate", plan.timestamp),
        ("enddate", plan.end), ("marker", 0), ("maxbytes", 0), ("legacyfiles", 0), ("showreports", 0), ("visible", 1),
        ("groupmode", 0), ("groupmodeforce", 0), ("defaultgroupingid", 0), ("lang", ""), ("theme", ""),
        ("timecreated", plan.timestamp), ("timemodified", plan.timestamp), ("requested", 0),
        ("showactivitydates", 1), ("showcompletionconditions", 1), ("pdfexportfont", None), ("enablecompletion", 1),
        ("completionnotify", 0)),
        node("category", 1, leaves(("name", "Miscellaneous"), ("description", None))),
        E.tags(), E.customfields(),
        E.courseformatoptions(*[E.courseformatoption(*leaves(("format", "topics"), ("sectionid", 0), ("name", name),
                                                             ("value", 0))) for name in ("hiddensections", "coursedisplay")]),
        contextid=str(COURSE_CONTEXT))
    competencies = E.course_competencies(E.competencies(*[E.competency(*leaves(
        ("id", index + 1), ("idnumber", idnumber), ("ruleoutcome", 1), ("sortorder", index), ("frameworkid", 1),
        ("frameworkidnumber", framework))) for index, idnumber in enumerate(competency_ids)]), E.user_competencies())
    inforef = E.inforef(E.question_categoryref(*[E.question_category(E.id(str(i))) for i in category_ids]))
    files = {
        "course.xml": course, "competencies.xml": competencies, "inforef.xml": inforef,
        "roles.xml": E.roles(E.role_overrides(), E.role_assignments()),
        "filters.xml": E.filters(E.filter_actives(), E.filter_configs()),
        "comments.xml": E.comments(), "calendar.xml": E.events(), "contentbank.xml": E.contents(),
        "completiondefaults.xml": E.course_completion_defaults(), "enrolments.xml": E.enrolments(E.enrols()),
    }
    for name, root in files.items():
        yield ZipEntry(f"course/{name}", serialise(root))


def section_entries(plan: CoursePlan) -> Iterator[ZipEntry]:
    for section in plan.sections:
        xml = node("section", section.id, leaves(
            ("number", section.number), ("name", section.name), ("summary", section.summary), ("summaryformat", 1),
            ("sequence", ",".join(str(a.cmid) for a in section.activities)), ("visible", 1), ("availabilityjson", None),
            ("timemodified", plan.timestamp)))
        yield ZipEntry(f"{section.directory}/section.xml", serialise(xml))
        yield ZipEntry(f"{section.directory}/inforef.xml", serialise(E.inforef()))


def completion_xml(plan: CoursePlan) -> etree._Element:
    """Course completion: every activity complete (each one's own rule decides when it is)."""
    criteria = [node("course_completion_criteria", index, leaves(
        ("course", COURSE_ID), ("criteriatype", COMPLETION_CRITERIA_ACTIVITY), ("module", a.modname),
        ("moduleinstance", a.cmid), ("courseinstanceshortname", None), ("enrolperiod", 0), ("timeend", 0),
        ("gradepass", None), ("role", None), ("roleshortname", None)), E.course_completion_crit_completions())
        for index, a in enumerate(plan.activities, start=1)]
    methods = [node("course_completion_aggr_methd", index, leaves(
        ("course", COURSE_ID), ("criteriatype", kind), ("method", COMPLETION_AGGREGATION_ALL), ("value", None)))
        for index, kind in enumerate((None, COMPLETION_CRITERIA_ACTIVITY), start=1)]
    return E.course_completion(*criteria, *methods)


def gradebook_xml(plan: CoursePlan) -> etree._Element:
    """The course's top grade category and its course total; the activities' items are in their own folders."""
    stamp = plan.timestamp
    category = node("grade_category", COURSE_GRADE_CATEGORY, leaves(
        ("parent", None), ("depth", 1), ("path", f"/{COURSE_GRADE_CATEGORY}/"), ("fullname", "?"), ("aggregation", 13),
        ("keephigh", 0), ("droplow", 0), ("aggregateonlygraded", 1), ("aggregateoutcomes", 0), ("timecreated", stamp),
        ("timemodified", stamp), ("hidden", 0)))
    total = node("grade_item", 1, leaves(
        ("categoryid", None), ("itemname", None), ("itemtype", "course"), ("itemmodule", None),
        ("iteminstance", COURSE_GRADE_CATEGORY), ("itemnumber", None), ("iteminfo", None), ("idnumber", None),
        ("calculation", None), ("gradetype", 1), ("grademax", "100.00000"), ("grademin", "0.00000"), ("scaleid", None),
        ("outcomeid", None), ("gradepass", "0.00000"), ("multfactor", "1.00000"), ("plusfactor", "0.00000"),
        ("aggregationcoef", "0.00000"), ("aggregationcoef2", "0.00000"), ("weightoverride", 0), ("sortorder", 1),
        ("display", 0), ("decimals", None), ("hidden", 0), ("locked", 0), ("locktime", 0), ("needsupdate", 0),
        ("timecreated", stamp), ("timemodified", stamp)), E.grade_grades())
    return E.gradebook(E.attributes(), E.grade_categories(category), E.grade_items(total), E.grade_letters(),
                       E.grade_settings(E.grade_setting(E.name("minmaxtouse"), E.value("1"), id="")))


def root_entries(plan: CoursePlan) -> Iterator[ZipEntry]:
    """The backup's root files that hold nothing of ours but that restore expects to find."""
    files = {
        "roles.xml": E.roles_definition(), "scales.xml": E.scales_definition(), "outcomes.xml": E.outcomes_definition(),
        "groups.xml": E.groups(E.groupings()), "users.xml": E.users(), "grade_history.xml": E.grade_history(E.grade_grades()),
        "completion.xml": completion_xml(plan), "gradebook.xml": gradebook_xml(plan),
    }
    for name, root in files.items():
        yield ZipEntry(name, serialise(root))


def all_category_ids(plan: CoursePlan) -> list[int]:
    return [TOP_CATEGORY, *(plan.unit_category(u) for u in plan.job.units if u.quiz)]
