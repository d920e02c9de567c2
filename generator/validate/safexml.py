"""Validate stage: parse untrusted XML with no DTD, no entity expansion and no network access."""

from __future__ import annotations

from pathlib import PurePosixPath

from lxml import etree

from generator.diagnostics import Diagnostic, error

_HINT_DTD = ("Remove the <!DOCTYPE ...> declaration; package XML is validated against XSDs and must not declare "
             "a DTD or entities.")


def parse_xml(data: bytes, file: PurePosixPath, diags: list[Diagnostic]) -> etree._ElementTree | None:
    """Parse `data`, refusing DTDs and entity declarations (XXE, billion laughs); None after appending CUR403.

    Diagnostics: CUR403.
    """
    # Entities are never expanded or fetched, and a document with a DOCTYPE is refused even if it parses.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
            diags.append(error("CUR403", f"XML declares a DTD or entities and is refused ({exc.msg})", file,
                               _doctype_line(data) or exc.lineno, hint=_HINT_DTD))
        else:
            diags.append(error("CUR403", f"XML is not well-formed: {exc.msg}", file, exc.lineno,
                               hint="Fix the XML syntax at this line (unclosed tag, stray '&' or '<', bad encoding)."))
        return None
    tree = root.getroottree()
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None:
        diags.append(error("CUR403", f"XML has a document type declaration (<!DOCTYPE {info.root_name} ...>), which "
                                     "is not allowed", file, _doctype_line(data), hint=_HINT_DTD))
        return None
    return tree


def source_line(element: etree._Element) -> int | None:
    """The 1-based line of `element` in its XML source, if lxml knows it."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def _doctype_line(data: bytes) -> int | None:
    at = data.find(b"<!DOCTYPE")
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None
