"""Validate stage: find the official XSDs and build each schema once, offline."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import Final

import xmlschema
from lxml import etree

from generator.diagnostics import Diagnostic, error

ENV_VAR: Final = "CURRICULUM_SCHEMAS"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
MAX_SCHEMA_ERRORS: Final = 100
"""Schema errors reported per XML file; a badly broken file would otherwise bury everything else."""
_MARKERS: Final = ("scorm12", "cc_1.1")


@dataclass(frozen=True, slots=True)
class SchemaRecipe:
    """How to build one official schema offline (see shared/schemas/README.md)."""

    root: str
    """Root XSD, relative to the schemas folder."""
    locations: tuple[tuple[str, str], ...] = ()
    """(namespace, XSD relative to the schemas folder): imported, and used when a remote import is blocked."""
    xsd11: bool = False
    """SCORM 1.2's imsmd breaks the XSD 1.0 Unique Particle Attribution rule; XSD 1.1 accepts it."""
    map_ims_xml: bool = False
    """SCORM 1.2's ims_xml.xsd binds the default namespace to the XML namespace, which no parser accepts."""


_LOM: Final = ("http://ltsc.ieee.org/xsd/LOM", "scorm2004_4th/lom.xsd")
_W3C_XML: Final = (XML_NS, "w3c/xml.xsd")

RECIPES: Final[dict[str, SchemaRecipe]] = {
    "scorm12": SchemaRecipe("scorm12/imscp_rootv1p1p2.xsd", (
        ("http://www.adlnet.org/xsd/adlcp_rootv1p2", "scorm12/adlcp_rootv1p2.xsd"),
        ("http://www.imsglobal.org/xsd/imsmd_rootv1p2p1", "scorm12/imsmd_rootv1p2p1.xsd"),
    ), xsd11=True, map_ims_xml=True),
    # CP 1.1.4 accepts extensions with processContents="lax": a namespace missing here is silently not checked.
    "scorm2004": SchemaRecipe("scorm2004_4th/imscp_v1p1.xsd", (
        _W3C_XML,
        ("http://www.adlnet.org/xsd/adlcp_v1p3", "scorm2004_4th/adlcp_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlseq_v1p3", "scorm2004_4th/adlseq_v1p3.xsd"),
        ("http://www.adlnet.org/xsd/adlnav_v1p3", "scorm2004_4th/adlnav_v1p3.xsd"),
        ("http://www.imsglobal.org/xsd/imsss", "scorm2004_4th/imsss_v1p0.xsd"),
        _LOM,
    )),
    "imscp": SchemaRecipe("imscp_1.1.4/imscp_v1p1.xsd", (_W3C_XML, _LOM)),
    "cc11": SchemaRecipe("cc_1.1/ccv1p1_imscp_v1p2_v1p0.xsd", ((XML_NS, "cc_1.1/xml.xsd"),)),
    "cc13": SchemaRecipe("cc_1.3/ccv1p3_imscp_v1p2_v1p0.xsd", (
        _W3C_XML,
        ("http://www.imsglobal.org/xsd/imsccv1p3/imsccauth_v1p3", "cc_1.3/ccv1p3_imsccauth_v1p3.xsd"),
        ("http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest", "cc_1.3/LOM/ccv1p3_lommanifest_v1p0.xsd"),
        ("http://ltsc.ieee.org/xsd/imsccv1p3/LOM/resource", "cc_1.3/LOM/ccv1p3_lomresource_v1p0.xsd"),
        ("http://www.imsglobal.org/xsd/imsccv1p3/imscsmd_v1p0", "cc_1.3/ccv1p3_imscsmd_v1p0.xsd"),
    )),
    "cc11-weblink": SchemaRecipe("cc_1.1/ccv1p1_imswl_v1p1.xsd"),
    "cc11-topic": SchemaRecipe("cc_1.1/ccv1p1_imsdt_v1p1.xsd"),
    "cc11-lti": SchemaRecipe("cc_1.1/imslticc_v1p0p1.xsd"),
    "cc13-weblink": SchemaRecipe("cc_1.3/ccv1p3_imswl_v1p3.xsd", (_W3C_XML,)),
    "cc13-topic": SchemaRecipe("cc_1.3/ccv1p3_imsdt_v1p3.xsd", (_W3C_XML,)),
    # No CC 1.3 QTI profile XSD exists; CC 1.3 QTI files use the same namespace and validate against CC 1.1's.
    "qti": SchemaRecipe("cc_1.1/ccv1p1_qtiasiv1p2p1_v1p0.xsd"),
}

RESOURCE_SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "cc11": {
        "imswl_xmlv1p1": "cc11-weblink",
        "imsdt_xmlv1p1": "cc11-topic",
        "imsqti_xmlv1p2/imscc_xmlv1p1/assessment": "qti",
        "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank": "qti",
        "imsbasiclti_xmlv1p0": "cc11-lti",
    },
    "cc13": {
        "imswl_xmlv1p3": "cc13-weblink",
        "imsdt_xmlv1p3": "cc13-topic",
        "imsqti_xmlv1p2/imscc_xmlv1p3/assessment": "qti",
        "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank": "qti",
    },
}
"""Package format → resource type → recipe for the resource's own XML file."""


def locate_schemas(explicit: Path | None = None) -> Path | None:
    """Return the official schemas folder: `explicit` (--schemas), else $CURRICULUM_SCHEMAS, else ../shared/schemas.

    A candidate counts only if it holds `scorm12/` and `cc_1.1/`; the first one that does wins.
    """
    for candidate in (explicit, _env_path(), _beside_checkout()):
        if candidate is not None and all((candidate / marker).is_dir() for marker in _MARKERS):
            return candidate
    return None


def describe_missing_schemas(explicit: Path | None = None) -> Diagnostic:
    """The CUR412 diagnostic to show when `locate_schemas` returns None.

    Diagnostics: CUR412.
    """
    tried = [str(p) for p in (explicit, _env_path(), _beside_checkout()) if p is not None]
    return error("CUR412", f"no official schemas folder found (tried: {', '.join(tried) or 'nothing'})",
                 hint=f"Pass --schemas DIR or set {ENV_VAR} to a folder holding scorm12/ and cc_1.1/ "
                      "(see shared/schemas/README.md).")


def load_schema(schemas: Path, key: str, diags: list[Diagnostic]) -> xmlschema.XMLSchemaBase | None:
    """Return the cached schema for recipe `key`, or None after appending CUR412.

    Diagnostics: CUR412.
    """
    try:
        return _build(schemas.resolve(), key)
    except (OSError, xmlschema.XMLSchemaException) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        diags.append(error("CUR412", f"cannot build the official schema '{RECIPES[key].root}' from '{schemas}': "
                                     f"{reason}",
                           hint="Point --schemas or $CURRICULUM_SCHEMAS at an unmodified copy of shared/schemas."))
        return None


def check_schema(tree: etree._ElementTree, schema: xmlschema.XMLSchemaBase,
                 file: PurePosixPath) -> Iterator[Diagnostic]:
    """Yield one diagnostic per schema violation in `tree`, with the XML line.

    Diagnostics: CUR405.
    """
    for count, err in enumerate(schema.iter_errors(tree)):
        if count == MAX_SCHEMA_ERRORS:
            yield error("CUR405", f"more than {MAX_SCHEMA_ERRORS} schema errors; the rest are not shown", file,
                        hint="Fix the errors above first, then validate again.")
            return
        where = err.path or "/"
        reason = err.reason or err.message
        yield error("CUR405", f"{where}: {reason}", file, err.sourceline if isinstance(err.sourceline, int) else None,
                    hint=f"Make this element conform to the official schema {_schema_name(schema)}.")


@functools.lru_cache(maxsize=64)  # bounded: a few schema folders x 11 recipes
def _build(schemas: Path, key: str) -> xmlschema.XMLSchemaBase:
    recipe = RECIPES[key]
    cls = xmlschema.XMLSchema11 if recipe.xsd11 else xmlschema.XMLSchema10
    locations = [(ns, str(schemas / rel)) for ns, rel in recipe.locations] or None
    if recipe.map_ims_xml:
        return cls(str(schemas / recipe.root), locations=locations, allow="local",
                   uri_mapper=functools.partial(_map_ims_xml, schemas))
    return cls(str(schemas / recipe.root), locations=locations, allow="local")


def _map_ims_xml(schemas: Path, uri: str) -> str:
    # ims_xml.xsd is imported by relative location before `locations` is tried, so only a URI mapper avoids it.
    return (schemas / "w3c" / "xml.xsd").as_uri() if uri.endswith("/ims_xml.xsd") else uri


def _schema_name(schema: xmlschema.XMLSchemaBase) -> str:
    url = schema.url or ""
    return "/".join(url.rsplit("/", 2)[-2:]) if url else "schema"


def _env_path() -> Path | None:
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else None


def _beside_checkout() -> Path | None:
    package = files("generator")
    # Only a source checkout has a sibling shared/ folder; an installed wheel has none.
    return package.parent.parent / "shared" / "schemas" if isinstance(package, Path) else None
