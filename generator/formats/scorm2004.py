"""Package stage: SCORM 2004 4th Edition — SCOs with flow/choice sequencing and outcomes as objectives.

Each unit's learning outcomes become objectives (objective id = outcome id) on every SCO that teaches
them; the SCOs report them through cmi.objectives.n.*. Only with `Job.global_objectives` is each one
mapped to a global objective (imsss:mapInfo) so mastery is shared across SCOs and packages: Moodle
refuses any package carrying mapInfo (rule `moodle-scorm2004-mapinfo`, generator/lms/rules.py).
Sequencing stays simple (flow and choice), as Moodle implements only part of SCORM 2004 sequencing.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import ClassVar

from lxml import etree
from lxml.builder import ElementMaker

from generator.archive import ZipEntry
from generator.formats import _lom, _scorm
from generator.formats.base import Container, Job, Scope
from generator.formats.namespaces import ADLCP, ADLNAV, ADLSEQ, IMSCP, IMSSS, LOM, XSI, schema_location
from generator.render.html import Style
from generator.render.site import Site

NSMAP = {None: IMSCP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV, "imsss": IMSSS, "xsi": XSI}
E = ElementMaker(namespace=IMSCP, nsmap=NSMAP)
CP = ElementMaker(namespace=IMSCP)
"""Builds the elements below the root: declared once on the root, their namespaces need no map of their own, and
an element made with one costs twice as much (a 1000-lesson manifest has some 10 000)."""
SS = ElementMaker(namespace=IMSSS)
ADLCP_TYPE = f"{{{ADLCP}}}scormType"


class Scorm2004:
    name: ClassVar[str] = "scorm2004"
    label: ClassVar[str] = "SCORM 2004 4th Edition"
    style: ClassVar[Style] = "package"
    extension: ClassVar[str] = ".zip"
    scopes: ClassVar[tuple[Scope, ...]] = ("unit", "programme")
    manifest_name: ClassVar[str] = "imsmanifest.xml"
    container: ClassVar[Container] = "zip"

    def manifest(self, job: Job, site: Site) -> etree._Element:
        nodes = _scorm.tree(job, site)
        org = f"ORG-{job.ident}"
        organization = E.organization(
            E.title(job.title),
            *_scorm.organization_items(CP, nodes, lambda node: _sequencing(job, node)),
            SS.sequencing(SS.controlMode(choice="true", flow="true")),
            identifier=org,
        )
        return E.manifest(
            E.metadata(E.schema("ADL SCORM"), E.schemaversion("2004 4th Edition"),
                       _lom.build_lom(job, LOM, "lom")),
            E.organizations(organization, default=org),
            E.resources(*_scorm.page_resources(CP, site, list(_scorm.launched_pages(nodes)), ADLCP_TYPE)),
            {"identifier": f"MANIFEST-{job.ident}", "version": job.programme.version,
             f"{{{XSI}}}schemaLocation": schema_location(IMSCP, ADLCP, ADLSEQ, ADLNAV, IMSSS, LOM)},
        )

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]:
        yield from _scorm.package_entries(job, site)


def _sequencing(job: Job, node: _scorm.Node) -> list[etree._Element]:
    if node.children:  # a unit folder: let the learner move through it in order or pick freely
        return [SS.sequencing(SS.controlMode(choice="true", flow="true"))]
    quiz = _scorm.quiz_of(job, node)
    if quiz and node.page:
        return [_quiz_sequencing(job, node.page.id, node.page.outcome_ids, quiz.pass_mark)]
    if not node.page or not node.page.outcome_ids or node.page.kind != "lesson":
        return []
    objectives = [
        SS.objective(
            *_map_info(job, outcome, readSatisfiedStatus="true", writeSatisfiedStatus="true"),
            objectiveID=outcome,
        )
        for outcome in node.page.outcome_ids
    ]
    return [SS.sequencing(
        SS.objectives(SS.primaryObjective(objectiveID=f"{node.page.id}.done"), *objectives),
        SS.deliveryControls(completionSetByContent="true", objectiveSetByContent="false"),
    )]


def _quiz_sequencing(job: Job, ident: str, outcomes: tuple[str, ...], pass_mark: int) -> etree._Element:
    """The quiz is satisfied by its score; each outcome's result is written to the shared global objective."""
    measure = str(Decimal(pass_mark) / 100)
    objectives = [
        SS.objective(
            SS.minNormalizedMeasure(measure),
            *_map_info(job, outcome, readSatisfiedStatus="false", writeSatisfiedStatus="true",
                       writeNormalizedMeasure="true"),
            satisfiedByMeasure="true", objectiveID=outcome,
        )
        for outcome in outcomes
    ]
    return SS.sequencing(
        SS.objectives(SS.primaryObjective(SS.minNormalizedMeasure(measure), objectiveID=f"{ident}.passed",
                                          satisfiedByMeasure="true"), *objectives),
        SS.deliveryControls(completionSetByContent="true", objectiveSetByContent="true"),
    )


def _map_info(job: Job, outcome: str, **flags: str) -> list[etree._Element]:
    """The outcome's global objective mapping, only when asked for: it makes Moodle refuse the package."""
    if not job.global_objectives:
        return []
    return [SS.mapInfo(targetObjectiveID=job.global_objective(outcome), **flags)]
