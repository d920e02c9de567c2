"""Package stage helper: the organization tree and resources shared by SCORM 1.2, SCORM 2004 and IMS CP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree
from lxml.builder import ElementMaker

from generator.archive import ZipEntry
from generator.formats.base import Job
from generator.model import Quiz
from generator.render.site import Page, Site

SHARED = "RES-SHARED"


@dataclass(frozen=True, slots=True)
class Node:
    """An item of the organization: a page to launch, or a folder of further nodes."""

    ident: str
    title: str
    page: Page | None = None
    children: tuple[Node, ...] = ()


def item_id(ident: str) -> str:
    return f"ITEM-{ident}"


def resource_id(ident: str) -> str:
    return f"RES-{ident}"


def tree(job: Job, site: Site) -> tuple[Node, ...]:
    """Unit scope: the overview, then the unit's pages. Programme scope: the overview, then one folder per unit.
    Self-assessment scope: the self-assessment alone."""
    def unit_nodes(code: str) -> tuple[Node, ...]:
        return tuple(Node(p.id, item_title(job, p), p) for p in site.pages_of(code))

    if job.scope == "self-assessment":
        return tuple(Node(p.id, item_title(job, p), p) for p in site.pages if p.kind == "profile")

    overview = site.page(job.programme.id, "overview")
    first = Node(overview.id, job.gettext("Programme overview"), overview)  # in every package, unit ones too
    if job.scope == "unit":
        return (first, *unit_nodes(job.units[0].code))
    folders = tuple(Node(f"UNIT-{u.code}", f"{u.code} {u.unit.title}", None, unit_nodes(u.code)) for u in job.units)
    return (first, *folders)


def quiz_of(job: Job, node: Node) -> Quiz | None:
    """The quiz a node launches, if it launches one."""
    if not node.page or node.page.kind != "quiz":
        return None
    return next((u.quiz for u in job.units if u.code == node.page.unit_code), None)


def item_title(job: Job, page: Page) -> str:
    if page.kind == "unit":
        return job.gettext("About this unit")
    if page.kind == "case":
        return job.gettext("Case study: %(title)s") % {"title": page.title}
    if page.kind == "profile":
        return job.gettext("Self-assessment: where do you stand?")
    return page.title


def organization_items(E: ElementMaker, nodes: tuple[Node, ...],
                       extra: Callable[[Node], list[etree._Element]] = lambda node: []) -> list[etree._Element]:
    items = []
    for node in nodes:
        attributes = {"identifier": item_id(node.ident)}
        if node.page:
            attributes["identifierref"] = resource_id(node.page.id)
        items.append(E.item(E.title(node.title), *organization_items(E, node.children, extra), *extra(node),
                            **attributes))
    return items


def launched_pages(nodes: tuple[Node, ...]) -> Iterator[Page]:
    for node in nodes:
        if node.page:
            yield node.page
        yield from launched_pages(node.children)


def page_resources(E: ElementMaker, site: Site, pages: list[Page], type_attribute: str | None = None,
                   ) -> list[etree._Element]:
    """One resource per page, each depending on the shared assets resource; then the shared resource.

    `type_attribute` is the SCORM version's adlcp type attribute: pages are SCOs, the shared files an asset.
    """
    def kind(value: str) -> dict[str, str]:
        return {type_attribute: value} if type_attribute else {}

    resources = [
        E.resource(E.file(href=page.path), E.dependency(identifierref=SHARED), identifier=resource_id(page.id),
                   type="webcontent", href=page.path, **kind("sco"))
        for page in pages
    ]
    shared = E.resource(*[E.file(href=path) for path in site.support_files()], identifier=SHARED, type="webcontent",
                        **kind("asset"))
    return [*resources, shared]


def package_entries(job: Job, site: Site) -> Iterator[ZipEntry]:
    """Every file a SCORM or IMS CP package carries besides its manifest."""
    yield from site_entries(site, list(launched_pages(tree(job, site))))


def site_entries(site: Site, pages: list[Page]) -> Iterator[ZipEntry]:
    wanted = {p.path for p in pages} | set(site.support_files())
    for path in sorted(wanted):
        yield ZipEntry(path, site.files[path])
