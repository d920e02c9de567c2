"""Validate stage: XSD validation, fast where possible (libxml2 through lxml), xmlschema where it is needed.

libxml2 validates a 1000-item manifest in milliseconds; xmlschema (pure Python) takes seconds and half a second
just to import. So every file is first validated with lxml; only a file lxml rejects (or a schema lxml cannot
compile) goes to xmlschema, which gives the verdict and the diagnostics (path, reason, line) users already know.
A valid package therefore never imports xmlschema.

SCORM 1.2's imsmd schema breaks XSD 1.0's Unique Particle Attribution rule (shared/schemas/README.md, quirk 2),
so libxml2 cannot compile it as written. In memory only, its `grp.any` wildcard is narrowed from `##any` to
`##other`: that removes the ambiguity and only ever rejects more (an imsmd element in the wildcard's place), so a
manifest this variant accepts is accepted by the official XSD 1.1 reading too, and one it rejects goes to
xmlschema, which reads the schema as written. The files on disk are never changed.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePosixPath
from typing import Final

from lxml import etree

from generator.diagnostics import Diagnostic
from generator.validate.schemas import RECIPES, XML_NS, SchemaRecipe

IMSMD_12: Final = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
XS: Final = "http://www.w3.org/2001/XMLSchema"
_REMOTE: Final = (
    ("http://www.w3.org/2001/xml.xsd", "w3c/xml.xsd"),
    ("http://www.imsglobal.org/xsd/w3/2001/xml.xsd", "w3c/xml.xsd"),
)
_CC13_PREFIX: Final = "http://www.imsglobal.org/profile/cc/ccv1p3/"


def validate_tree(tree: etree._ElementTree, schemas: Path, key: str, file: PurePosixPath,
                  diags: list[Diagnostic]) -> None:
    """Append one CUR405 per violation of recipe `key`'s schema in `tree` (CUR412 if the schema cannot be built).

    Diagnostics: CUR405, CUR412.
    """
    fast = lxml_schema(schemas.resolve(), key)
    if fast is not None and fast.validate(tree):
        return
    from generator.validate.schemas import check_schema, load_schema  # xmlschema: imported only when needed

    schema = load_schema(schemas, key, diags)
    if schema is not None:
        diags.extend(check_schema(tree, schema, file))


def lxml_verdict(tree: etree._ElementTree, schemas: Path, key: str) -> bool | None:
    """lxml's verdict alone (True = valid), or None when libxml2 cannot compile the schema; for tests."""
    fast = lxml_schema(schemas.resolve(), key)
    return None if fast is None else bool(fast.validate(tree))


@functools.lru_cache(maxsize=64)  # a few schema folders x the recipes; compiled once per process
def lxml_schema(schemas: Path, key: str) -> etree.XMLSchema | None:
    """The recipe's schema compiled by libxml2, offline; None if libxml2 cannot compile it (xmlschema will)."""
    recipe = RECIPES[key]
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemas(schemas))
    try:
        driver = etree.fromstring(_driver(schemas, recipe), parser, base_url=(schemas / "driver.xsd").as_uri())
        return etree.XMLSchema(driver)
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError):
        return None


def _driver(schemas: Path, recipe: SchemaRecipe) -> bytes:
    """An in-memory schema importing the root and every `locations` namespace (lxml has no `locations`)."""
    root_ns = _target_namespace(schemas / recipe.root)
    imports = [(root_ns, schemas / recipe.root), *((ns, schemas / rel) for ns, rel in recipe.locations)]
    if recipe.map_ims_xml:  # ims_xml.xsd is unparsable (quirk 1): import the W3C schema first, as the mapper does
        imports.insert(0, (XML_NS, schemas / "w3c" / "xml.xsd"))
    lines = [f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>' for ns, path in imports]
    return (f'<xs:schema xmlns:xs="{XS}" elementFormDefault="qualified">' + "".join(lines) + "</xs:schema>").encode()


def _target_namespace(path: Path) -> str:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.parse(str(path), parser).getroot().get("targetNamespace", "")


class _LocalSchemas(etree.Resolver):
    """Maps the remote schema locations of the official XSDs to the local copies; refuses any other URL."""

    def __init__(self, schemas: Path) -> None:
        super().__init__()
        self.schemas = schemas

    def resolve(self, system_url: str, public_id: str, context: object):  # type: ignore[no-untyped-def,override]
        url = system_url or ""
        local = self._local(url)
        if local is not None:
            return self.resolve_filename(str(local), context)  # type: ignore[attr-defined]
        if url.endswith("imsmd_rootv1p2p1.xsd"):
            return self.resolve_string(_imsmd_for_xsd10(self.schemas), context, base_url=url)
        if url.startswith(("http:", "https:", "ftp:")):
            return self.resolve_string(b"", context, base_url=url)  # never the network: an empty document fails the import
        return None

    def _local(self, url: str) -> Path | None:
        for remote, rel in _REMOTE:
            if url == remote:
                return self.schemas / rel
        if url.endswith("/ims_xml.xsd"):
            return self.schemas / "w3c" / "xml.xsd"
        if url.startswith(_CC13_PREFIX):
            return self.schemas / "cc_1.3" / url.removeprefix(_CC13_PREFIX)
        return None


def _imsmd_for_xsd10(schemas: Path) -> bytes:
    data = (schemas / "scorm12" / "imsmd_rootv1p2p1.xsd").read_bytes()
    return data.replace(b'<xsd:any namespace="##any" processContents="strict"',
                        b'<xsd:any namespace="##other" processContents="strict"')
