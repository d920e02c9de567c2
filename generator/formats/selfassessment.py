"""Package stage: the self-assessment as a SCORM 1.2 package of its own, one SCO, for an activity beside the course.

Moodle cannot keep the interactive page in a cartridge (it drops a page's scripts and never copies an
HTML file resource), but runs it as a SCORM activity, storing the answers in cmi.suspend_data with the
learner's progress. SCORM 1.2 because every LMS, Moodle first, supports it fully.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from generator.archive import ZipEntry, build_zip
from generator.formats.base import Job
from generator.formats.scorm12 import Scorm12
from generator.model import Curriculum
from generator.render.html import render_self_assessment
from generator.render.selfassessment import package_name

LABEL = "SCORM 1.2 (self-assessment)"


@dataclass(frozen=True, slots=True)
class SelfAssessmentPackage:
    name: str
    """File name, e.g. `cmp-self-assessment-scorm12.zip` (`cmp-de-self-assessment-scorm12.zip` with --lang de)."""
    data: bytes
    """The zip, not yet validated."""


def self_assessment_package(course: Curriculum, lang: str | None = None,
                            epoch: int | None = None) -> SelfAssessmentPackage | None:
    """The programme's self-assessment as a SCORM 1.2 zip; None when the programme has no competence profile.

    `course` must have passed `check`; `lang` is the interface language (default: the programme's
    source language); `epoch` the zip timestamp (`archive.source_date_epoch()`). Same input, same bytes.
    """
    if course.competences is None or course.programme is None:
        return None
    packager = Scorm12()
    job = Job(course, (), "self-assessment", lang)
    site = render_self_assessment(course, lang)
    manifest = etree.tostring(packager.manifest(job, site), xml_declaration=True, encoding="UTF-8", pretty_print=True)
    data = build_zip([ZipEntry("imsmanifest.xml", manifest), *packager.entries(job, site)], epoch)
    return SelfAssessmentPackage(package_name(course, lang), data)
