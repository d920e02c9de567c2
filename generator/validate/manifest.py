"""Validate stage: recognise a package format from its manifest's namespaces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final

from lxml import etree

from generator.diagnostics import Diagnostic, error
from generator.validate.safexml import source_line

ADLCP_12: Final = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
ADLCP_2004: Final = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSCP_114: Final = "http://www.imsglobal.org/xsd/imscp_v1p1"

NAMESPACES: Final[dict[str, tuple[str, str]]] = {
    "http://www.imsproject.org/xsd/imscp_rootv1p1p2": ("scorm12", "SCORM 1.2"),
    IMSCP_114: ("imscp", "IMS CP 1.1.4"),
    "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1": ("cc11", "IMS CC 1.1"),
    "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1": ("cc13", "IMS CC 1.3"),
}
"""Root namespace → (format, version). IMS CP 1.1.4 becomes SCORM 2004 when ADL's 2004 extensions show up."""

_EDITIONS: Final = (("4th", "SCORM 2004 4th Edition"), ("3rd", "SCORM 2004 3rd Edition"),
                    ("CAM 1.3", "SCORM 2004 2nd Edition"))


@dataclass(frozen=True, slots=True)
class ManifestFormat:
    """What a manifest claims to be."""

    name: str
    """`scorm12`, `scorm2004`, `imscp`, `cc11` or `cc13`."""
    version: str
    """Human readable, e.g. `SCORM 2004 4th Edition`."""
    namespace: str
    """Namespace of the content-packaging elements (manifest, item, resource, file...)."""

    @property
    def is_scorm(self) -> bool:
        return self.name in ("scorm12", "scorm2004")

    @property
    def is_cartridge(self) -> bool:
        return self.name in ("cc11", "cc13")


def detect_format(root: etree._Element, file: PurePosixPath, diags: list[Diagnostic]) -> ManifestFormat | None:
    """Recognise the package format from the manifest root's namespace; None after appending CUR404.

    Diagnostics: CUR404.
    """
    qname = etree.QName(root)
    known = NAMESPACES.get(qname.namespace or "")
    if known is None:
        found = f"namespace '{qname.namespace}'" if qname.namespace else "no namespace"
        diags.append(error("CUR404", f"manifest root <{qname.localname}> has {found}, which is no known package "
                                     "format", file, source_line(root),
                           hint="Use the root namespace of a supported format: " + ", ".join(
                               f"{version} '{ns}'" for ns, (_, version) in NAMESPACES.items()) + "."))
        return None
    name, version = known
    namespace = qname.namespace or ""
    if name == "imscp":
        schemaversion = _schemaversion(root, namespace)
        if "2004" in schemaversion or "CAM 1.3" in schemaversion or _uses_namespace(root, ADLCP_2004):
            return ManifestFormat("scorm2004", _scorm2004_edition(schemaversion), namespace)
    return ManifestFormat(name, version, namespace)


def _schemaversion(root: etree._Element, ns: str) -> str:
    return (root.findtext(f"{{{ns}}}metadata/{{{ns}}}schemaversion") or "").strip()


def _uses_namespace(root: etree._Element, namespace: str) -> bool:
    return any(namespace in element.nsmap.values() for element in root.iter(etree.Element))


def _scorm2004_edition(schemaversion: str) -> str:
    return next((version for marker, version in _EDITIONS if marker in schemaversion), "SCORM 2004")
