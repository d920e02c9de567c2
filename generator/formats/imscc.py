"""Package stage: IMS Common Cartridge 1.1 (what Moodle restores) and 1.3 — the programme as one course.

Moodle turns the root item's children into course sections, the first one into section 0, so the
programme overview comes first and each unit follows as a section holding its description page,
lessons, case studies, further-reading web links and one discussion forum (see MOODLE.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from lxml import etree
from lxml.builder import ElementMaker

from generator.archive import ZipEntry
from generator.formats import _lom
from generator.formats._qti import QtiWriter
from generator.formats.base import Container, Job, Scope
from generator.formats.namespaces import (
    CC11,
    CC11_DT,
    CC11_LOM_MANIFEST,
    CC11_LOM_RESOURCE,
    CC11_WL,
    CC13,
    CC13_DT,
    CC13_LOM_MANIFEST,
    CC13_LOM_RESOURCE,
    CC13_WL,
    XSI,
    schema_location,
)
from generator.model import UnitSource
from generator.render.html import Style, online_self_assessment
from generator.render.site import Page, Site, relative_href


@dataclass(frozen=True, slots=True)
class _Profile:
    manifest_ns: str
    lom_ns: str
    resource_lom_ns: str
    weblink_ns: str
    topic_ns: str
    schemaversion: str
    weblink_type: str
    topic_type: str
    assessment_type: str
    bank_type: str


class _CommonCartridge:
    profile: ClassVar[_Profile]
    style: ClassVar[Style] = "cc"
    extension: ClassVar[str] = ".imscc"
    scopes: ClassVar[tuple[Scope, ...]] = ("programme",)
    manifest_name: ClassVar[str] = "imsmanifest.xml"
    container: ClassVar[Container] = "zip"

    def manifest(self, job: Job, site: Site) -> etree._Element:
        p = self.profile
        E = ElementMaker(namespace=p.manifest_ns, nsmap={None: p.manifest_ns, "lomimscc": p.lom_ns,
                                                          "lom": p.resource_lom_ns, "xsi": XSI})
        # items and resources: declared once on the root, their namespace needs no map of its own (twice as fast)
        C = ElementMaker(namespace=p.manifest_ns)
        media = [path for path in site.support_files() if path.startswith("media/")]
        overview = site.page(job.programme.id, "overview")
        general = [_page_item(C, overview, job.gettext("Programme overview"))]
        resources = [_page_resource(C, site, overview, media)]
        profile = next((p for p in site.pages if p.kind == "profile"), None)
        if profile:
            # Moodle keeps neither a page's scripts nor an HTML file resource (MOODLE.md): the cartridge
            # explains the self-assessment in a page and links to where the static site is hosted.
            general.append(_page_item(C, profile, job.gettext("Self-assessment: where do you stand?")))
            resources.append(_page_resource(C, site, profile, media))
            if job.site_url:
                general.append(E.item(E.title(job.gettext("Open the self-assessment")),
                                      identifier=f"ITEM-{_ONLINE_PROFILE}", identifierref=f"RES-{_ONLINE_PROFILE}"))
                resources.append(E.resource(E.file(href=_ONLINE_PROFILE_PATH), identifier=f"RES-{_ONLINE_PROFILE}",
                                            type=self.profile.weblink_type))
        sections = [E.item(E.title(job.gettext("Programme overview")), *general, identifier="SEC-overview")]
        for unit in job.units:
            items, unit_resources = self._unit(C, job, site, unit, media)
            sections.append(E.item(E.title(f"{unit.code} {unit.unit.title}"), *items, identifier=f"SEC-{unit.code}"))
            resources += unit_resources
        if any(unit.quiz for unit in job.units):
            resources.append(E.resource(E.file(href=BANK_PATH), identifier="RES-QUESTION-BANK",
                                        type=self.profile.bank_type))
        organization = E.organization(E.item(*sections, identifier="ROOT"), identifier=f"ORG-{job.ident}",
                                      structure="rooted-hierarchy")
        return E.manifest(
            # Moodle detects a cartridge from the first 500 bytes: the default namespace must come first.
            E.metadata(E.schema("IMS Common Cartridge"), E.schemaversion(p.schemaversion),
                       _lom.build_cc11_lom(job, p.lom_ns, "lomimscc") if p.schemaversion == "1.1.0"
                       else _lom.build_lom(job, p.lom_ns, "lomimscc", cartridge=True)),
            E.organizations(organization),
            E.resources(*resources),
            {"identifier": f"MANIFEST-{job.ident}",
             f"{{{XSI}}}schemaLocation": schema_location(p.manifest_ns, p.lom_ns, p.resource_lom_ns)},
        )

    def _unit(self, E: ElementMaker, job: Job, site: Site, unit: UnitSource, media: list[str],
              ) -> tuple[list[etree._Element], list[etree._Element]]:
        items, resources = [], []
        for page in site.pages_of(unit.code):
            if page.kind == "profile":
                continue  # in the programme overview section
            title = job.gettext("About this unit") if page.kind == "unit" else (
                job.gettext("Case study: %(title)s") % {"title": page.title} if page.kind == "case" else page.title)
            items.append(_page_item(E, page, title))
            resources.append(_page_resource(E, site, page, media))
        for index, reading in enumerate(unit.unit.further_reading, start=1):
            ident = f"WL-{unit.code}-{index:02d}"
            items.append(E.item(E.title(job.gettext("Further reading: %(title)s") % {"title": reading.title}),
                                identifier=f"ITEM-{ident}",
                                identifierref=f"RES-{ident}"))
            resources.append(E.resource(E.file(href=_weblink_path(unit, index)), identifier=f"RES-{ident}",
                                        type=self.profile.weblink_type))
        if unit.quiz:
            ident = f"QZ-{unit.code}"
            items.append(E.item(E.title(job.gettext("Quiz: %(title)s") % {"title": unit.quiz.title}),
                                identifier=f"ITEM-{ident}",
                                identifierref=f"RES-{ident}"))
            resources.append(E.resource(E.file(href=_quiz_path(unit)), identifier=f"RES-{ident}",
                                        type=self.profile.assessment_type))
        if unit.unit.discussion:
            ident = f"DT-{unit.code}"
            items.append(E.item(E.title(job.gettext("Discussion: %(title)s") % {"title": unit.unit.discussion.title}),
                                identifier=f"ITEM-{ident}",
                                identifierref=f"RES-{ident}"))
            resources.append(E.resource(E.file(href=_topic_path(unit)), identifier=f"RES-{ident}",
                                        type=self.profile.topic_type))
        return items, resources

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]:
        for path in sorted(site.files):
            yield ZipEntry(path, site.files[path])
        yield from _quiz_entries(job, site)
        p = self.profile
        W = ElementMaker(namespace=p.weblink_ns, nsmap={None: p.weblink_ns})
        online = online_self_assessment(job.site_url)
        if online and any(page.kind == "profile" for page in site.pages):
            yield ZipEntry(_ONLINE_PROFILE_PATH, _xml(W.webLink(W.title(job.gettext("Open the self-assessment")),
                                                                W.url(href=online, target="_blank"))))
        for unit in job.units:
            for index, reading in enumerate(unit.unit.further_reading, start=1):
                link = W.webLink(W.title(reading.title), W.url(href=reading.url, target="_blank"))
                yield ZipEntry(_weblink_path(unit, index), _xml(link))
            if unit.unit.discussion:
                T = ElementMaker(namespace=p.topic_ns, nsmap={None: p.topic_ns})
                topic = T.topic(T.title(unit.unit.discussion.title),
                                T.text(_topic_html(job, unit), texttype="text/html"))
                yield ZipEntry(_topic_path(unit), _xml(topic))


def quiz_entries_key(job: Job) -> tuple[object, ...]:
    """Where a rendering keeps the QTI files of `job` (`Site.derived`)."""
    return ("qti", tuple(unit.code for unit in job.units), job.language)


def quiz_inputs(job: Job) -> list[str]:
    """Everything the QTI files of `job` are made of besides the compiler: the interface language, and each unit's
    code and quiz (question texts are rendered without links, so nothing else of the curriculum reaches them)."""
    return [job.language, *(part for unit in job.units if unit.quiz
                            for part in (unit.code, unit.quiz.model_dump_json()))]


def _quiz_entries(job: Job, site: Site) -> list[ZipEntry]:
    """Each unit's quiz and the question bank as QTI; the same for every cartridge version, so made once per
    rendering and language."""
    key = quiz_entries_key(job)
    known = site.derived.get(key)
    if isinstance(known, list):
        return known
    qti = QtiWriter(job.gettext)
    quizzes = [unit.quiz for unit in job.units if unit.quiz]
    entries = [ZipEntry(_quiz_path(unit), _xml(qti.assessment(f"QZ-{unit.code}", unit.quiz)))
               for unit in job.units if unit.quiz]
    if quizzes:
        entries.append(ZipEntry(BANK_PATH, _xml(qti.bank("QUESTION-BANK", quizzes))))
    site.derived[key] = entries
    return entries


def _page_item(E: ElementMaker, page: Page, title: str) -> etree._Element:
    return E.item(E.title(title), identifier=f"ITEM-{page.id}", identifierref=f"RES-{page.id}")


def _page_resource(E: ElementMaker, site: Site, page: Page, media: list[str]) -> etree._Element:
    """The page and the media files it embeds, found as `Site.dependencies_of` finds them (`media`: the site's media
    files, sorted, listed once per manifest rather than once per page)."""
    html = site.files[page.path].decode("utf-8")
    files = [page.path, *(path for path in media if relative_href(page.path, path) in html)]
    return E.resource(*[E.file(href=path) for path in files], identifier=f"RES-{page.id}", type="webcontent",
                      href=page.path)


BANK_PATH = "quizzes/question-bank.xml"
_ONLINE_PROFILE = "WL-SELF-ASSESSMENT"
_ONLINE_PROFILE_PATH = "weblinks/self-assessment.xml"


def _quiz_path(unit: UnitSource) -> str:
    return f"quizzes/{unit.code}/assessment.xml"


def _weblink_path(unit: UnitSource, index: int) -> str:
    return f"weblinks/{unit.code}-{index:02d}.xml"


def _topic_path(unit: UnitSource) -> str:
    return f"discussions/{unit.code}.xml"


def _topic_html(job: Job, unit: UnitSource) -> str:
    from markupsafe import escape

    assert unit.unit.discussion is not None
    invitation = job.gettext("In this programme learners are also teachers: share what works in your cluster, and answer "
                             "at least one colleague from another country. (Unit %(code)s, %(programme)s)") % {
        "code": escape(unit.code), "programme": escape(job.programme.title)}
    return f"<p>{escape(unit.unit.discussion.prompt)}</p><p>{invitation}</p>"


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class CommonCartridge11(_CommonCartridge):
    name: ClassVar[str] = "cc11"
    label: ClassVar[str] = "IMS Common Cartridge 1.1"
    profile: ClassVar[_Profile] = _Profile(CC11, CC11_LOM_MANIFEST, CC11_LOM_RESOURCE, CC11_WL, CC11_DT, "1.1.0",
                                           "imswl_xmlv1p1", "imsdt_xmlv1p1", "imsqti_xmlv1p2/imscc_xmlv1p1/assessment",
                                           "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank")


class CommonCartridge13(_CommonCartridge):
    name: ClassVar[str] = "cc13"
    label: ClassVar[str] = "IMS Common Cartridge 1.3"
    profile: ClassVar[_Profile] = _Profile(CC13, CC13_LOM_MANIFEST, CC13_LOM_RESOURCE, CC13_WL, CC13_DT, "1.3.0",
                                           "imswl_xmlv1p3", "imsdt_xmlv1p3", "imsqti_xmlv1p2/imscc_xmlv1p3/assessment",
                                           "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank")
