"""Package stage: IMS Content Packaging 1.1.4 — plain web pages for LMSs that take content packages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from lxml import etree
from lxml.builder import ElementMaker

from generator.archive import ZipEntry
from generator.formats import _lom, _scorm
from generator.formats.base import Container, Job, Scope
from generator.formats.namespaces import IMSCP, LOM, XSI, schema_location
from generator.render.html import Style
from generator.render.site import Site

E = ElementMaker(namespace=IMSCP, nsmap={None: IMSCP, "xsi": XSI})
CP = ElementMaker(namespace=IMSCP)
"""Builds the elements below the root: declared once on the root, their namespaces need no map of their own, and
an element made with one costs twice as much (a 1000-lesson manifest has some 10 000)."""


class ImsContentPackage:
    name: ClassVar[str] = "imscp"
    label: ClassVar[str] = "IMS Content Packaging 1.1.4"
    style: ClassVar[Style] = "package"
    extension: ClassVar[str] = ".zip"
    scopes: ClassVar[tuple[Scope, ...]] = ("unit", "programme")
    manifest_name: ClassVar[str] = "imsmanifest.xml"
    container: ClassVar[Container] = "zip"

    def manifest(self, job: Job, site: Site) -> etree._Element:
        nodes = _scorm.tree(job, site)
        org = f"ORG-{job.ident}"
        return E.manifest(
            E.metadata(E.schema("IMS Content"), E.schemaversion("1.1.4"), _lom.build_lom(job, LOM, "lom")),
            E.organizations(E.organization(E.title(job.title), *_scorm.organization_items(CP, nodes),
                                           identifier=org), default=org),
            E.resources(*_scorm.page_resources(CP, site, list(_scorm.launched_pages(nodes)))),
            {"identifier": f"MANIFEST-{job.ident}", "version": job.programme.version,
             f"{{{XSI}}}schemaLocation": schema_location(IMSCP, LOM)},
        )

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]:
        yield from _scorm.package_entries(job, site)
