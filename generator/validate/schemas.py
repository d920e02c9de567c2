"""Validate stage: find the official XSDs and build each schema once, offline."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final

from lxml import etree

from generator.diagnostics import Diagnostic, error, warning
from generator.validate.schemaset import MARKERS, installed_set_path, is_schema_folder

if TYPE_CHECKING:  # xmlschema takes half a second to import: only files lxml rejects need it (validate/xsd.py)
    import xmlschema

ENV_VAR: Final = "CURRICULUM_SCHEMAS"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
MAX_SCHEMA_ERRORS: Final = 100
"""Schema errors reported per XML file; a badly broken file would otherwise bury everything else."""


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


LOOKUP_ORDER: Final = ("--schemas", f"${ENV_VAR}", "the installed set", "the development layout ../shared/schemas")
FIX_HINT: Final = ("Run `curriculum schemas install` (offline: `curriculum schemas install --from DIR|ZIP`), "
                   f"or pass --schemas DIR or set {ENV_VAR}.")


@dataclass(frozen=True, slots=True)
class SchemaLookup:
    """The outcome of looking for the official XSDs."""

    path: Path | None
    """The folder found, or None."""
    origin: str | None
    """Which step of LOOKUP_ORDER found it."""
    tried: tuple[str, ...]
    """Every folder looked at, in order."""
    problem: Diagnostic | None = None
    """CUR412 when a folder the user named (--schemas or the variable) is not a schema folder."""


def find_schemas(explicit: Path | None = None) -> SchemaLookup:
    """Look for the official XSDs in LOOKUP_ORDER: --schemas, $CURRICULUM_SCHEMAS, the installed set, ../shared/schemas.

    The first candidate that is set wins; a folder the user named must itself hold the schemas (CUR412),
    the installed set and the development layout count only when present.
    Diagnostics: CUR412.
    """
    tried: list[str] = []
    for origin, candidate, named in zip(LOOKUP_ORDER, lookup_candidates(explicit), (True, True, False, False), strict=True):
        if candidate is None:
            continue
        tried.append(str(candidate))
        if is_schema_folder(candidate):
            return SchemaLookup(candidate, origin, tuple(tried))
        if named:
            return SchemaLookup(None, origin, tuple(tried), error(
                "CUR412", f"{origin} names {candidate}, which is not an official schemas folder "
                          f"(it lacks {' or '.join(m + '/' for m in MARKERS)})",
                hint="Point it at a copy of the schema set (the layout of shared/schemas), or unset it to use the "
                     "installed set (curriculum schemas install)."))
    return SchemaLookup(None, None, tuple(tried))


def locate_schemas(explicit: Path | None = None) -> Path | None:
    """The official schemas folder `find_schemas` finds, or None."""
    return find_schemas(explicit).path


def describe_missing_schemas(explicit: Path | None = None) -> Diagnostic:
    """The CUR412 diagnostic to show when `locate_schemas` returns None.

    Diagnostics: CUR412.
    """
    lookup = find_schemas(explicit)
    if lookup.problem is not None:
        return lookup.problem
    return error("CUR412", f"no official schemas folder found (tried: {', '.join(lookup.tried) or 'nothing'})",
                 hint=FIX_HINT)


def not_validated(lookup: SchemaLookup, *, strict: bool) -> Diagnostic:
    """Build without schemas: CUR310, a warning (an error under --strict, when nothing is written).

    Diagnostics: CUR310.
    """
    tried = ", ".join(lookup.tried) or "nothing"
    if strict:
        return error("CUR310", f"no package was built: --strict requires XSD validation and no official schemas "
                               f"were found (tried: {tried})", hint=FIX_HINT)
    return warning("CUR310", "the packages were checked for integrity but NOT validated against the official XSDs: "
                             f"no schemas found (tried: {tried})", hint=FIX_HINT)


def xsd_not_checked(lookup: SchemaLookup) -> Diagnostic:
    """Validate without schemas: CUR415; the integrity checks ran, the XSD part did not.

    Diagnostics: CUR415.
    """
    return error("CUR415", f"XSD validation not checked: no official schemas found (tried: "
                           f"{', '.join(lookup.tried) or 'nothing'}); every integrity check ran",
                 hint=FIX_HINT[:-1] + "; or pass --no-xsd to check integrity only.")


def lookup_candidates(explicit: Path | None) -> tuple[Path | None, ...]:
    """The folders of LOOKUP_ORDER, in order; None where a step names none."""
    return explicit, _env_path(), installed_set_path(), _beside_checkout()


def load_schema(schemas: Path, key: str, diags: list[Diagnostic]) -> xmlschema.XMLSchemaBase | None:
    """Return the cached schema for recipe `key`, or None after appending CUR412.

    Diagnostics: CUR412.
    """
    import xmlschema

    try:
        return _build(schemas.resolve(), key)
    except (OSError, xmlschema.XMLSchemaException) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        diags.append(error("CUR412", f"cannot build the official schema '{RECIPES[key].root}' from '{schemas}': "
                                     f"{reason}",
                           hint="Check the set with `curriculum schemas status`; install a verified one with "
                                "`curriculum schemas install --force`."))
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
    import xmlschema

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
