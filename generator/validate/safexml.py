"""Validate stage: parse untrusted XML with no DTD, no entity expansion and no network access."""

from __future__ import annotations

import io
import re
from pathlib import PurePosixPath
from typing import Final

from lxml import etree

from generator.diagnostics import Diagnostic, error

_HINT_DTD = ("Remove the <!DOCTYPE ...> declaration; package XML is validated against XSDs and must not declare "
             "a DTD or entities.")


MAX_ELEMENTS: Final = 100_000
"""A 1000-lesson programme's manifest has some 31 000 (2 300 for 73 lessons); parsed and schema-checked, an element costs about 2 KB."""


def parse_xml(data: bytes, file: PurePosixPath, diags: list[Diagnostic]) -> etree._ElementTree | None:
    """Parse `data`, refusing DTDs and entity declarations (XXE, billion laughs); None after appending CUR403.

    A document of more than MAX_ELEMENTS elements is refused (CUR473) after a streaming count that keeps
    no tree, so memory stays bounded whatever the document holds.
    Diagnostics: CUR403, CUR473.
    """
    if not _below_cap(data) and _count_elements(data) > MAX_ELEMENTS:
        diags.append(error("CUR473", f"XML has more than {MAX_ELEMENTS:,} elements and is not read further", file, None,
                           hint="Split the course into several packages; no LMS imports a manifest this large."))
        return None
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


def _below_cap(data: bytes) -> bool:
    """True when `data` cannot hold more than MAX_ELEMENTS elements, seen without parsing it.

    Every element starts with '<', which is the byte 0x3C in UTF-8 and the encodings allowed here, so the count of
    that byte bounds the element count. Other encodings may write '<' otherwise (UTF-7, EBCDIC), and a DTD's
    entities could add elements: those documents get the streaming count.
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return False
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data[start:start + 1] != b"<" or data[start + 1:start + 2] == b"\x00":
        return False  # UTF-16, UTF-32 or EBCDIC (where the DTD test above cannot see '<!ENTITY'), or no XML
    if _XML_DECLARATION.match(data, start):
        declaration = _DECLARATION.match(data, start)
        if declaration is None:
            return False  # longer than we look at: its encoding is unknown
        encoding = _ENCODING.search(declaration.group())
        if encoding is not None and not _ASCII_BASED.fullmatch(encoding.group(1)):
            return False
    return data.count(b"<") <= MAX_ELEMENTS


_XML_DECLARATION: Final = re.compile(rb"<\?xml\s")
_DECLARATION: Final = re.compile(rb"<\?xml\s[^<>]{0,500}\?>")
_ENCODING: Final = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_ASCII_BASED: Final = re.compile(rb"(?i)utf-?8|(us-)?ascii|iso-8859-\d{1,2}|windows-125\d|latin-?1")
"""Encodings that write '<' as the byte 0x3C (what libxml2 reads as UTF-8 when none is declared)."""


def _count_elements(data: bytes) -> int:
    """Elements in `data` up to MAX_ELEMENTS + 1, each dropped once counted; a syntax error ends the count."""
    count = 0
    events = etree.iterparse(io.BytesIO(data), events=("end",), resolve_entities=False, no_network=True,
                             load_dtd=False, huge_tree=False)
    try:
        for _, element in events:
            count += 1
            if count > MAX_ELEMENTS:
                break
            element.clear()
            while element.getprevious() is not None:
                parent = element.getparent()
                assert parent is not None
                del parent[0]
    except etree.XMLSyntaxError:
        pass  # the real parse below reports it, with the line
    return count


def source_line(element: etree._Element) -> int | None:
    """The 1-based line of `element` in its XML source, if lxml knows it."""
    line = element.sourceline
    return line if isinstance(line, int) else None


def _doctype_line(data: bytes) -> int | None:
    at = data.find(b"<!DOCTYPE")
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None
