"""Validate stage (LMS rules): a read-only view of any package, ours or not, for the rules to look at."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final, TypeVar, cast

from lxml import etree

from generator.diagnostics import Diagnostic
from generator.validate.backup import is_backup
from generator.validate.entries import MANIFEST, Entries, check_entries, open_zip, read_entry
from generator.validate.memo import Passed
from generator.validate.safexml import parse_xml

CC_NAMESPACES: Final = {
    "http://www.imsglobal.org/xsd/imscc/imscp_v1p1": "1.0",
    "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1": "1.1",
    "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1": "1.2",
    "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1": "1.3",
}
SCORM12_NS: Final = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
IMSCP_NS: Final = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP_2004: Final = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSSS: Final = "http://www.imsglobal.org/xsd/imsss"
QTI: Final = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
HTML_SUFFIXES: Final = (".html", ".htm", ".xhtml")
_T = TypeVar("_T")


@dataclass
class PackageView:
    """What the rules may look at: entry names, the manifest (raw head and parsed) and other entries on demand."""

    label: str
    is_zip: bool = False
    names: frozenset[str] = frozenset()
    manifest_name: str | None = None
    """Where imsmanifest.xml is: at the root, in a folder, or None."""
    head: bytes = b""
    """The manifest's first 500 bytes, as Moodle's cartridge detection reads them."""
    root: etree._Element | None = None
    _archive: zipfile.ZipFile | None = None
    _entries: Entries | None = None
    _parsed: Mapping[str, etree._ElementTree | None] = field(default_factory=dict)
    """Entries `validate` already parsed from their bytes, shared rather than parsed again."""
    _cache: dict[str, etree._Element | None] = field(default_factory=dict)
    _texts: dict[str, str | None] = field(default_factory=dict)
    _utf8: set[str] = field(default_factory=set)
    """Entries whose bytes are valid UTF-8, so their text encodes back to the very same bytes."""
    _derived: dict[str, tuple[etree._Element | None, bool, object]] = field(default_factory=dict)
    """What the rules ask for again and again (the kind, the launched pages), computed once per manifest."""
    is_backup: bool = False
    """A Moodle course backup (.mbz, gzip-compressed tar): Moodle's own format, not a content package."""
    passed: Passed | None = None
    """Facts about entries known from an earlier validation of the same bytes (the build's own packages)."""

    @property
    def kind(self) -> str | None:
        """`scorm12`, `scorm2004`, `imscp`, `cc1.0` … `cc1.3`, `mbz`, or None when the manifest is unknown or unreadable."""
        return self.once("kind", self._kind)  # every rule asks; telling SCORM 2004 from IMS CP walks the manifest

    def once(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()`, remembered under `key` for as long as the view shows the same manifest."""
        known = self._derived.get(key)
        if known is not None and known[0] is self.root and known[1] == self.is_backup:
            return cast(_T, known[2])
        value = compute()
        self._derived[key] = (self.root, self.is_backup, value)
        return value

    def _kind(self) -> str | None:
        if self.is_backup:
            return "mbz"
        if self.root is None:
            return None
        ns = etree.QName(self.root).namespace or ""
        if ns in CC_NAMESPACES:
            return f"cc{CC_NAMESPACES[ns]}"
        if ns == SCORM12_NS:
            return "scorm12"
        if ns == IMSCP_NS:
            version = self.root.findtext(f"{{{ns}}}metadata/{{{ns}}}schemaversion") or ""
            uses_2004 = any(ADLCP_2004 in e.nsmap.values() for e in self.root.iter(etree.Element))
            return "scorm2004" if "2004" in version or "CAM 1.3" in version or uses_2004 else "imscp"
        return None

    @property
    def namespace(self) -> str:
        return (etree.QName(self.root).namespace or "") if self.root is not None else ""

    def resources(self) -> Iterator[etree._Element]:
        if self.root is not None:
            yield from self.root.iter(f"{{{self.namespace}}}resource")

    def resource_files(self, resource: etree._Element) -> list[str]:
        """The resource's href and file hrefs, as entry names (xml:base ignored; our rules only need the paths)."""
        hrefs = [resource.get("href") or ""] + [f.get("href") or "" for f in resource.iter(f"{{{self.namespace}}}file")]
        return list(dict.fromkeys(_clean(h) for h in hrefs if h))

    def text(self, name: str) -> str | None:
        """An entry as text (UTF-8, undecodable bytes replaced), or None when missing or unreadable."""
        if self._archive is None or name not in self.names:
            return None
        if name not in self._texts:
            data = self._read(name)
            self._texts[name] = _decoded(data, name, self._utf8) if data is not None else None
        return self._texts[name]

    def xml(self, name: str) -> etree._Element | None:
        """An entry parsed as untrusted XML (no DTD, no entities, no network), cached."""
        if name not in self._cache:
            data = self.text(name)
            if data is not None and name in self._utf8 and name in self._parsed:
                tree = self._parsed[name]  # the same bytes `validate` parsed
            else:
                tree = parse_xml(data.encode("utf-8"), PurePosixPath(name), []) if data is not None else None
            self._cache[name] = tree.getroot() if tree is not None else None
        return self._cache[name]

    def _read(self, name: str) -> bytes | None:
        assert self._archive is not None
        if self._entries is not None:
            return self._entries.read(self._archive, name, self.label, [])
        return read_entry(self._archive, name, self.label, [])


def _decoded(data: bytes, name: str, utf8: set[str]) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")
    utf8.add(name)
    return text


def _clean(href: str) -> str:
    return href.split("#")[0].split("?")[0].removeprefix("./")


def read_by_rules(name: str) -> bool:
    """Entries the rules may read: the manifest, QTI and other XML, and web pages."""
    return name.lower().endswith((".xml", *HTML_SUFFIXES))


@contextmanager
def open_view(source: Path | bytes, label: str) -> Iterator[PackageView]:
    """Open a package (path or bytes) as a PackageView; the zip stays open until the block ends."""
    ignored: list[Diagnostic] = []  # `validate` reports damage and unsafe entries; the rules only skip them
    if is_backup(source):
        yield PackageView(label, is_backup=True)
        return
    archive = open_zip(source, label, ignored)
    if archive is None:
        yield PackageView(label)
        return
    with archive:
        yield vetted_view(archive, label, check_entries(archive, label, ignored, keep=read_by_rules))


def vetted_view(archive: zipfile.ZipFile, label: str, entries: Entries | None,
                parsed: Mapping[str, etree._ElementTree | None] | None = None,
                passed: Passed | None = None) -> PackageView:
    """The view of a zip whose entries `check_entries` vetted; `parsed` holds entries already parsed from their
    bytes (by `validate`, in the same pass), which the view then does not parse again; `passed`, what is known
    about entries from an earlier validation (generator/validate/memo.py)."""
    if entries is None:
        return PackageView(label, True, passed=passed)
    names = entries.files - entries.damaged
    manifest = MANIFEST if MANIFEST in names else next(
        (n for n in sorted(names) if PurePosixPath(n).name == MANIFEST), None)
    view = PackageView(label, True, frozenset(names), manifest, _archive=archive, _entries=entries,
                       _parsed=parsed or {}, passed=passed)
    if manifest is not None:
        data = entries.read(archive, manifest, label, [])
        if data is not None:
            view.head = data[:500]
            tree = view._parsed[manifest] if manifest in view._parsed else parse_xml(data, PurePosixPath(manifest), [])
            view.root = tree.getroot() if tree is not None else None
    return view
