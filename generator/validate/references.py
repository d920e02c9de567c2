"""Validate stage: check that a manifest's identifiers and file references resolve inside the package."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final
from urllib.parse import unquote

from lxml import etree

from generator.diagnostics import Diagnostic, error, warning
from generator.validate.entries import MANIFEST
from generator.validate.manifest import ADLCP_12, ADLCP_2004, ManifestFormat
from generator.validate.safexml import source_line

XML_BASE: Final = "{http://www.w3.org/XML/1998/namespace}base"
_SCORM_TYPE: Final = {"scorm12": f"{{{ADLCP_12}}}scormtype", "scorm2004": f"{{{ADLCP_2004}}}scormType"}
_LOCATIONS: Final = (f"{{{ADLCP_12}}}location", f"{{{ADLCP_2004}}}location")
_REMOTE_SCHEMES: Final = ("http", "https")
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_UNLISTED_OK: Final = (".xsd", ".dtd")
"""SCORM packages carry their XSDs at the root without listing them; that is normal."""
_PATH_HINT: Final = "Use a path relative to the package root, with '/' separators and no '..' above the root."


@dataclass(frozen=True, slots=True)
class Reference:
    """One file reference in the manifest: a resource href, a file href or an adlcp:location."""

    owner: str
    """What holds it, for messages: `resource 'r1'`."""
    attribute: str
    """`href` or `adlcp:location`."""
    value: str
    """As written, before xml:base is applied."""
    target: str | None
    """The zip entry it names, after xml:base; None when it is a remote URL or unsafe."""
    remote: bool
    """An absolute http(s) URL."""
    problem: str | None
    """Why the value can never name a zip entry (absolute path, '..' above the root, other URL scheme)."""
    line: int | None
    is_sco_launch: bool
    """The href of a SCORM SCO resource: reported by the launch check (CUR413) rather than as CUR406."""

    def names(self) -> frozenset[str]:
        """Entry names this reference may mean: as written, and with %-escapes decoded."""
        return frozenset((self.target, unquote(self.target))) if self.target is not None else frozenset()


def check_manifest(root: etree._Element, fmt: ManifestFormat, files: frozenset[str], file: PurePosixPath,
                   label: str) -> Iterator[Diagnostic]:
    """Check identifiers, identifier references, file references and launch files of a manifest.

    Diagnostics: CUR406, CUR407, CUR408, CUR409, CUR413, CUR414.
    """
    references = list(collect_references(root, fmt))
    yield from check_identifiers(root, file)
    yield from check_identifier_refs(root, fmt, file)
    yield from check_files(references, fmt, files, file)
    yield from check_launches(root, fmt, files, file)
    yield from check_unreferenced(references, files, label)


def check_identifiers(root: etree._Element, file: PurePosixPath) -> Iterator[Diagnostic]:
    """Diagnostics: CUR408."""
    seen: dict[str, int | None] = {}
    for element in root.iter(etree.Element):
        ident = element.get("identifier")
        if ident is None:
            continue
        if ident in seen:
            yield error("CUR408", f"identifier '{ident}' is already used on line {seen[ident]}", file,
                        source_line(element), hint="Give every manifest, organization, item and resource its own "
                                                 "identifier.")
        else:
            seen[ident] = source_line(element)


def check_identifier_refs(root: etree._Element, fmt: ManifestFormat, file: PurePosixPath) -> Iterator[Diagnostic]:
    """Diagnostics: CUR407."""
    ns = fmt.namespace
    resources = _ids(root.iter(f"{{{ns}}}resource"))
    launchable = resources | _ids(m for m in root.iter(f"{{{ns}}}manifest") if m is not root)
    for item in root.iter(f"{{{ns}}}item"):
        ref = item.get("identifierref")
        if ref is not None and ref not in launchable:
            yield error("CUR407", f"item '{item.get('identifier')}' references '{ref}', but no resource has that "
                                  "identifier", file, source_line(item),
                        hint=f"Point identifierref at an existing resource ({_listing(resources)}) or add it.")
    for dependency in root.iter(f"{{{ns}}}dependency"):
        ref = dependency.get("identifierref")
        if ref is not None and ref not in resources:
            yield error("CUR407", f"dependency '{ref}' names no resource", file, source_line(dependency),
                        hint=f"Point identifierref at an existing resource ({_listing(resources)}) or add it.")
    for organizations in root.iter(f"{{{ns}}}organizations"):
        default = organizations.get("default")
        known = _ids(organizations.iter(f"{{{ns}}}organization"))
        if default is not None and default not in known:
            yield error("CUR407", f"default organization '{default}' does not exist", file,
                        source_line(organizations),
                        hint=f"Set default to an organization identifier ({_listing(known)}).")


def check_files(references: Iterable[Reference], fmt: ManifestFormat, files: frozenset[str],
                file: PurePosixPath) -> Iterator[Diagnostic]:
    """Diagnostics: CUR406, CUR409."""
    for ref in references:
        if not ref.value.strip():
            yield error("CUR406", f"{ref.attribute} of {ref.owner} is empty", file, ref.line,
                        hint="Name the file, relative to the package root.")
        elif ref.problem:
            yield error("CUR409", f"{ref.attribute} '{ref.value}' of {ref.owner} {ref.problem}", file, ref.line,
                        hint=_PATH_HINT)
        elif ref.remote:
            if fmt.is_cartridge:  # a cartridge must be self-contained; external pages are imswl web links
                yield error("CUR406", f"{ref.attribute} '{ref.value}' of {ref.owner} is a URL outside the package",
                            file, ref.line, hint="Put the file in the cartridge, or use a web link (imswl) resource.")
        elif not ref.is_sco_launch and not ref.names() & files:
            yield error("CUR406", f"{ref.attribute} '{ref.value}' of {ref.owner} names '{ref.target}', which is not "
                                  "in the package", file, ref.line,
                        hint="Add the file to the package or correct the path (paths are case-sensitive).")


def check_launches(root: etree._Element, fmt: ManifestFormat, files: frozenset[str],
                   file: PurePosixPath) -> Iterator[Diagnostic]:
    """Items launch resources with an href; every SCORM SCO has a launch file in the package.

    Diagnostics: CUR413.
    """
    if fmt.is_cartridge:  # cartridge items point at web links, topics and quizzes, which have no href
        return
    resources = {r.get("identifier"): r for r in root.iter(f"{{{fmt.namespace}}}resource")}
    for item in root.iter(f"{{{fmt.namespace}}}item"):
        resource = resources.get(item.get("identifierref"))
        if resource is not None and resource.get("href") is None and not _is_sco(resource, fmt):
            yield error("CUR413", f"item '{item.get('identifier')}' launches resource '{resource.get('identifier')}',"
                                  " which has no href", file, source_line(item),
                        hint="Add href=\"<start page>\" to the resource, or remove identifierref from the item.")
    for resource in resources.values():
        if not _is_sco(resource, fmt):
            continue
        href = resource.get("href")
        if href is None:
            yield error("CUR413", f"SCO resource '{resource.get('identifier')}' has no href", file,
                        source_line(resource),
                        hint="Add href=\"<start page>\" to the SCO resource, or mark it adlcp:scormtype=\"asset\".")
            continue
        ref = _reference(resource, "href", href, fmt)
        if ref.target is not None and not ref.names() & files:
            yield error("CUR413", f"launch file '{href}' of SCO resource '{resource.get('identifier')}' is not in the "
                                  "package", file, source_line(resource),
                        hint="Add the start page to the package or correct href (paths are case-sensitive).")


def check_unreferenced(references: Iterable[Reference], files: frozenset[str], label: str) -> Iterator[Diagnostic]:
    """Diagnostics: CUR414."""
    referenced = frozenset().union(*(ref.names() for ref in references))
    for name in sorted(files - referenced):
        if name != MANIFEST and not name.lower().endswith(_UNLISTED_OK):
            yield warning("CUR414", f"'{name}' is not referenced by any resource or file href in the manifest",
                          PurePosixPath(f"{label}/{name}"),
                          hint=f"List it as <file href=\"{name}\"/> in the resource that uses it, or remove it.")


def collect_references(root: etree._Element, fmt: ManifestFormat) -> Iterator[Reference]:
    """Every resource href, file href and adlcp:location, resolved against xml:base."""
    for resource in root.iter(f"{{{fmt.namespace}}}resource"):
        base = _base_of(resource)  # a 1000-lesson manifest has some 13 000 references: resolve each resource once
        owner = _owner(resource)
        href = resource.get("href")
        if href is not None:
            yield _reference(resource, "href", href, fmt, base, owner)
        for entry in resource.iterchildren(f"{{{fmt.namespace}}}file"):
            yield _reference(entry, "href", entry.get("href", ""), fmt, _with_base(base, entry),
                             owner if entry.get("identifier") is None else _owner(entry))
    for location in root.iter(*_LOCATIONS):
        yield _reference(location, "adlcp:location", (location.text or "").strip(), fmt)


def descriptor_entry(resource: etree._Element, fmt: ManifestFormat) -> str | None:
    """The zip entry of a cartridge resource's own XML file (web link, topic, QTI): its first .xml <file>."""
    for entry in resource.iterchildren(f"{{{fmt.namespace}}}file"):
        ref = _reference(entry, "href", entry.get("href", ""), fmt)
        if ref.target is not None and ref.target.lower().endswith(".xml"):
            return ref.target
    return None


def _reference(element: etree._Element, attribute: str, value: str, fmt: ManifestFormat, base: str | None = None,
               owner: str | None = None) -> Reference:
    """`base`: the element's xml:base, combined with its ancestors' (`_base_of`); `owner`: `_owner(element)`."""
    base = _base_of(element) if base is None else base
    resolve = _resolve if len(base) + len(value) <= MAX_REMEMBERED_CHARS else _resolve.__wrapped__
    target, remote, problem = resolve(base, value)
    return Reference(owner if owner is not None else _owner(element), attribute, value, target, remote, problem,
                     source_line(element), attribute == "href" and _is_sco(element, fmt))


MAX_REMEMBERED_CHARS = 1024
"""Longer references (only a hostile manifest has them) are resolved each time, so `_resolve`'s memo stays small."""


@functools.lru_cache(maxsize=4096)  # a resource's href is mostly also its first file's, a page's media recur
def _resolve(base: str, value: str) -> tuple[str | None, bool, str | None]:
    """(zip entry named, is a remote URL, why it can name no entry) of a reference under an xml:base."""
    resolved = _join(base, value.split("#", 1)[0].split("?", 1)[0])
    scheme = _scheme(resolved)
    target: str | None = None
    problem = None
    if len(scheme) == 1:
        problem = "starts with a drive letter"
    elif scheme and scheme not in _REMOTE_SCHEMES:
        problem = f"uses the '{scheme}:' scheme, which cannot name a file in the package"
    elif not scheme:
        target, problem = _normalise(resolved)
    return target, scheme in _REMOTE_SCHEMES, problem


def _owner(element: etree._Element) -> str:
    """What holds a reference, for messages: the nearest element with an identifier."""
    holder = next((e for e in (element, *element.iterancestors()) if e.get("identifier") is not None), None)
    return f"{etree.QName(holder).localname} '{holder.get('identifier')}'" if holder is not None else "manifest"


def _base_of(element: etree._Element) -> str:
    # xml:base on manifest, resources and resource combine, outermost first, as RFC 3986 relative references.
    base = ""
    for holder in (*reversed(list(element.iterancestors())), element):
        base = _with_base(base, holder)
    return base


def _with_base(base: str, element: etree._Element) -> str:
    part = element.get(XML_BASE)
    return _join(base, part) if part else base


def _join(base: str, ref: str) -> str:
    if not base or ref.startswith("/") or _scheme(ref):
        return ref
    return base[: base.rfind("/") + 1] + ref


def _scheme(reference: str) -> str:
    match = _SCHEME.match(reference)
    return match.group(1).lower() if match else ""


def _normalise(path: str) -> tuple[str | None, str | None]:
    if "\\" in path:
        return None, "contains a backslash"
    if path.startswith("/"):
        return None, "is an absolute path"
    parts: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if not parts:
                return None, "points above the package root"
            parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    return "/".join(parts), None


def _is_sco(resource: etree._Element, fmt: ManifestFormat) -> bool:
    attribute = _SCORM_TYPE.get(fmt.name)
    return attribute is not None and (resource.get(attribute) or "").strip().lower() == "sco"


def _ids(elements: Iterable[etree._Element]) -> frozenset[str]:
    return frozenset(ident for e in elements if (ident := e.get("identifier")) is not None)


def _listing(ids: frozenset[str], limit: int = 5) -> str:
    shown = sorted(ids)[:limit]
    return ", ".join(shown) + (", ..." if len(ids) > limit else "") if shown else "none defined"
