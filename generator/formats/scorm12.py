"""Package stage: SCORM 1.2 — each page a SCO, one package per unit or one for the programme."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from lxml import etree
from lxml.builder import ElementMaker

from generator.archive import ZipEntry
from generator.formats import _scorm
from generator.formats.base import Container, Job, Scope
from generator.formats.namespaces import ADLCP12, IMSCP12, IMSMD12, XML, XSI, schema_location
from generator.numbers import plain_decimal
from generator.render.html import Style
from generator.render.site import Site

E = ElementMaker(namespace=IMSCP12, nsmap={None: IMSCP12, "adlcp": ADLCP12, "imsmd": IMSMD12, "xsi": XSI})
CP = ElementMaker(namespace=IMSCP12)
"""Builds the elements below the root: declared once on the root, their namespaces need no map of their own, and
an element made with one costs twice as much (a 1000-lesson manifest has some 10 000)."""
MD = ElementMaker(namespace=IMSMD12)
ADL = ElementMaker(namespace=ADLCP12)
ADLCP_TYPE = f"{{{ADLCP12}}}scormtype"


class Scorm12:
    name: ClassVar[str] = "scorm12"
    label: ClassVar[str] = "SCORM 1.2"
    style: ClassVar[Style] = "package"
    extension: ClassVar[str] = ".zip"
    scopes: ClassVar[tuple[Scope, ...]] = ("unit", "programme")
    manifest_name: ClassVar[str] = "imsmanifest.xml"
    container: ClassVar[Container] = "zip"

    def manifest(self, job: Job, site: Site) -> etree._Element:
        nodes = _scorm.tree(job, site)
        org = f"ORG-{job.ident}"
        return E.manifest(
            E.metadata(E.schema("ADL SCORM"), E.schemaversion("1.2"), _imsmd(job)),
            E.organizations(E.organization(E.title(job.title),
                                           *_scorm.organization_items(CP, nodes, lambda node: _mastery(job, node)),
                                           identifier=org), default=org),
            E.resources(*_scorm.page_resources(CP, site, list(_scorm.launched_pages(nodes)), ADLCP_TYPE)),
            {"identifier": f"MANIFEST-{job.ident}", "version": job.programme.version,
             f"{{{XSI}}}schemaLocation": schema_location(IMSCP12, ADLCP12, IMSMD12)},
        )

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]:
        yield from _scorm.package_entries(job, site)


def _mastery(job: Job, node: _scorm.Node) -> list[etree._Element]:
    """The quiz's pass mark as the item's mastery score: the LMS then sets passed/failed from the score."""
    quiz = _scorm.quiz_of(job, node)
    return [ADL.masteryscore(str(quiz.pass_mark))] if quiz else []


def _langstring(value: str, lang: str) -> etree._Element:
    return MD.langstring(value, {f"{{{XML}}}lang": lang})


def _vocabulary(tag: str, value: str) -> etree._Element:
    return MD(tag, MD.source(_langstring("LOMv1.0", "x-none")), MD.value(_langstring(value, "x-none")))


def _imsmd(job: Job) -> etree._Element:
    """IMS Metadata 1.2.1 LOM (the binding SCORM 1.2 uses), with EQF, ECVET and the learning outcomes."""
    lang = job.language
    points = plain_decimal(job.ecvet_points)
    credit = [MD.description(_langstring(f"{points} ECVET points", lang))] if job.units else []
    classifications = [
        MD.classification(_vocabulary("purpose", "Educational Level"),
                          MD.taxonpath(MD.source(_langstring("European Qualifications Framework (EQF)", lang)),
                                       MD.taxon(MD.id(f"EQF{job.eqf_level}"),
                                                MD.entry(_langstring(f"EQF level {job.eqf_level}", lang)))),
                          *credit),
        *[MD.classification(_vocabulary("purpose", "Educational Objective"),
                            MD.taxonpath(MD.source(_langstring("Learning outcomes", lang)),
                                         MD.taxon(MD.id(o.id), MD.entry(_langstring(o.kind, lang)))),
                            MD.description(_langstring(o.text, lang)))
          for o in job.outcomes],
    ]
    return MD.lom(
        MD.general(MD.title(_langstring(job.title, lang)), MD.language(lang),
                   MD.description(_langstring(job.description, lang)),
                   *[MD.keyword(_langstring(k, lang)) for k in job.programme.keywords]),
        MD.lifecycle(MD.version(_langstring(job.programme.version, lang))),
        *([MD.educational(MD.typicallearningtime(MD.datetime(f"{job.workload_hours:04d}:00:00")))]
          if job.units else []),
        MD.rights(_vocabulary("cost", "no"), _vocabulary("copyrightandotherrestrictions", "yes"),
                  MD.description(_langstring(f"Licence: {job.programme.licence}", lang))),
        *classifications,
    )
