"""Validate stage: validate a whole package (zip safety, XML safety, official XSDs, integrity), ours or not."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final

from lxml import etree

from generator.diagnostics import Diagnostic, Severity, error, sort_key
from generator.validate.backup import MANIFEST as BACKUP_MANIFEST
from generator.validate.backup import BackupFindings, check_backup, check_members, is_backup
from generator.validate.entries import MANIFEST, Entries, check_entries, find_manifest, open_zip
from generator.validate.manifest import ManifestFormat, detect_format
from generator.validate.references import check_manifest, descriptor_entry
from generator.validate.safexml import parse_xml
from generator.validate.schemas import RESOURCE_SCHEMAS
from generator.validate.xsd import validate_tree

if TYPE_CHECKING:
    from generator.validate.memo import Passed

_IDREF = re.compile(r"IDREF '([^']*)' not found")
MAX_XML_BYTES: Final = 32 * 1024 * 1024
"""Largest manifest or descriptor read; a 1000-lesson programme's manifest is about 3 MB."""
MAX_DIAGNOSTICS: Final = 200
"""Diagnostics listed per package; the rest are counted by code in one summary."""


@dataclass(frozen=True, slots=True)
class PackageReport:
    """The outcome of validating one package."""

    path: Path
    format: str | None
    """`scorm12`, `scorm2004`, `imscp`, `cc11`, `cc13`, `mbz`, or None when not recognised."""
    version: str | None
    """Human readable, e.g. `SCORM 2004 4th Edition`, `IMS CC 1.1`."""
    resources: int
    """Number of <resource> elements in the manifest (activities, for a Moodle backup)."""
    diagnostics: tuple[Diagnostic, ...]
    xsd_checked: bool = True
    """False when validated without the official schemas: only the integrity checks ran."""

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error."""
        return not any(d.is_error for d in self.diagnostics)


@dataclass(frozen=True, slots=True)
class _Findings:
    format: ManifestFormat | None = None
    resources: int = 0


def validate_package(path: Path, schemas: Path | None) -> PackageReport:
    """Validate the package file at `path` against the official XSDs in `schemas` and for integrity.

    With `schemas` None only the integrity checks run (the report says `xsd_checked=False`).

    Diagnostics: CUR401, CUR402, CUR403, CUR404, CUR405, CUR406, CUR407, CUR408, CUR409, CUR410, CUR411,
    CUR412, CUR413, CUR414, CUR470-CUR474; for a Moodle backup (.mbz) CUR403 and CUR450-CUR458.
    """
    return _validate(path, path, path.name, schemas)


def validate_bytes(name: str, data: bytes, schemas: Path | None) -> PackageReport:
    """Validate a package held in memory; `name` is its file name, used in diagnostics.

    Diagnostics: as `validate_package`.
    """
    return _validate(Path(name), data, PurePosixPath(name).name, schemas)


def _validate(path: Path, source: Path | bytes, label: str, schemas: Path | None) -> PackageReport:
    diags: list[Diagnostic] = []
    if is_backup(source):
        return _backup_report(path, check_backup(source, label, diags), diags)
    archive = open_zip(source, label, diags)
    if archive is None:
        return _report(path, label, _Findings(), diags, schemas)
    with archive:
        report, _ = validate_zip(path, archive, label, schemas, diags, keep=_is_xml)
    return report


@dataclass(frozen=True, slots=True)
class ZipReading:
    """What validating a zip read, for other checks of the same bytes (the LMS rules) to reuse."""

    entries: Entries | None
    """The vetted entries, with the bytes kept while checking their CRCs; None when a size limit was exceeded."""
    parsed: dict[str, etree._ElementTree | None]
    """Entries parsed from their bytes (None: refused or not well-formed), by entry name."""


def validate_zip(path: Path, archive: zipfile.ZipFile, label: str, schemas: Path | None, diags: list[Diagnostic],
                 keep: Callable[[str], bool], passed: Passed | None = None) -> tuple[PackageReport, ZipReading]:
    """Validate an opened zip (`diags` holds what opening it said); `keep` names the entries whose bytes the
    caller will read again (see `check_entries`). Checks `passed` knows passed on the same inputs are skipped
    (the build's own packages, generator/validate/memo.py); `passed` learns those that pass now.

    Diagnostics: as `validate_package`.
    """
    entries = check_entries(archive, label, diags, keep, passed)
    parsed: dict[str, etree._ElementTree | None] = {}
    findings = _check_archive(archive, entries, label, schemas, diags, parsed, passed)
    return _report(path, label, findings, diags, schemas), ZipReading(entries, parsed)


def _is_xml(name: str) -> bool:
    return name.lower().endswith(".xml")


def _report(path: Path, label: str, findings: _Findings | BackupFindings | None, diags: list[Diagnostic],
            schemas: Path | None) -> PackageReport:
    if findings is None or isinstance(findings, BackupFindings):
        return _backup_report(path, findings, diags)
    fmt = findings.format
    return PackageReport(path, fmt.name if fmt else None, fmt.version if fmt else None, findings.resources,
                         tuple(_capped(sorted(_without_repeats(diags), key=sort_key), label)), schemas is not None)


def _backup_report(path: Path, backup: BackupFindings | None, diags: list[Diagnostic]) -> PackageReport:
    return PackageReport(path, "mbz" if backup else None,
                         f"Moodle {backup.backup_release or '?'} course backup" if backup else None,
                         backup.activities if backup else 0, tuple(_capped(sorted(diags, key=sort_key), path.name)))


def _capped(diags: list[Diagnostic], label: str) -> list[Diagnostic]:
    """The first MAX_DIAGNOSTICS, then one summary of the rest by code (a hostile package can yield millions)."""
    if len(diags) <= MAX_DIAGNOSTICS:
        return diags
    rest = diags[MAX_DIAGNOSTICS:]
    counts = ", ".join(f"{code} ×{n:,}" for code, n in sorted(Counter(d.code for d in rest).items()))
    summary = Diagnostic("CUR474", Severity.ERROR if any(d.is_error for d in rest) else Severity.WARNING,
                         f"{len(rest):,} more problems are not listed ({counts})", PurePosixPath(label), None,
                         hint="Fix the problems listed first; validate again to see the rest.")
    return [*diags[:MAX_DIAGNOSTICS], summary]


def _without_repeats(diags: list[Diagnostic]) -> list[Diagnostic]:
    # The XSDs type `identifier` as xs:ID and organizations/@default as xs:IDREF, so a duplicate or dangling id also
    # shows up as CUR405 (the IDREF one at the root element); CUR408/CUR407 say it more plainly, at the right line.
    # A missing schema folder would otherwise repeat the same CUR412 for every file.
    duplicates = {(d.file, d.line) for d in diags if d.code == "CUR408"}
    unresolved = " ".join(d.message for d in diags if d.code == "CUR407")
    return list(dict.fromkeys(d for d in diags if not _is_repeat(d, duplicates, unresolved)))


def _is_repeat(d: Diagnostic, duplicates: set[tuple[PurePosixPath | None, int | None]], unresolved: str) -> bool:
    if d.code != "CUR405":
        return False
    if "xs:ID" in d.message and (d.file, d.line) in duplicates:
        return True
    idref = _IDREF.search(d.message)
    return idref is not None and f"'{idref.group(1)}'" in unresolved


def _check_archive(archive: zipfile.ZipFile, entries: Entries | None, label: str, schemas: Path | None,
                   diags: list[Diagnostic], parsed: dict[str, etree._ElementTree | None],
                   passed: Passed | None = None) -> _Findings | BackupFindings | None:
    if entries is not None and MANIFEST not in entries.files and BACKUP_MANIFEST in entries.files:
        # A Moodle backup packed as a zip, which Moodle restores as well as its usual tar.gz.
        members = {name: data for name in sorted(entries.files - entries.damaged)
                   if (data := entries.read(archive, name, label, diags)) is not None}
        return check_members(members, label, diags)
    if entries is None or not find_manifest(entries, label, diags) or MANIFEST in entries.damaged:
        return _Findings()
    manifest_file = PurePosixPath(f"{label}/{MANIFEST}")
    if _too_large(archive, MANIFEST, manifest_file, diags):
        return _Findings()
    data = entries.read(archive, MANIFEST, label, diags)
    if data is None:
        return _Findings()
    tree = parsed[MANIFEST] = parse_xml(data, manifest_file, diags)
    if tree is None:
        return _Findings()
    root = tree.getroot()
    fmt = detect_format(root, manifest_file, diags)
    if fmt is None:
        return _Findings()
    if schemas is not None:
        _unless_passed(passed, diags, partial(validate_tree, tree, schemas, fmt.name, manifest_file, diags),
                       "xsd", fmt.name, data)
    references = partial(diags.extend, check_manifest(root, fmt, entries.files, manifest_file, label))
    _unless_passed(passed, diags, references, "references", label, fmt.name, data, *sorted(entries.files))
    _check_descriptors(archive, root, fmt, entries, label, schemas, diags, parsed, passed)
    return _Findings(fmt, sum(1 for _ in root.iter(f"{{{fmt.namespace}}}resource")))


def _unless_passed(passed: Passed | None, diags: list[Diagnostic], check: Callable[[], object], name: str,
                   *inputs: str | bytes) -> None:
    """Run `check` (which appends to `diags`) unless `passed` knows check `name` passed on these `inputs`, all it
    reads."""
    if passed is None:
        check()
        return
    fact = passed.fact(name, *inputs)
    if passed.already(fact):
        return
    before = len(diags)
    check()
    if len(diags) == before:
        passed.passed(fact)


def _too_large(archive: zipfile.ZipFile, name: str, file: PurePosixPath, diags: list[Diagnostic]) -> bool:
    size = archive.getinfo(name).file_size
    if size <= MAX_XML_BYTES:
        return False
    diags.append(error("CUR472", f"'{name}' is {size:,} bytes; XML files over {MAX_XML_BYTES:,} bytes are not read",
                       file, None, hint="Split the course into several packages; no LMS imports a manifest this large."))
    return True


def _check_descriptors(archive: zipfile.ZipFile, root: etree._Element, fmt: ManifestFormat, entries: Entries,
                       label: str, schemas: Path | None, diags: list[Diagnostic],
                       parsed: dict[str, etree._ElementTree | None], passed: Passed | None = None) -> None:
    # Cartridge web links, topics and quizzes are XML files of their own, each with an official schema.
    types = RESOURCE_SCHEMAS.get(fmt.name, {})
    done: set[str] = set()
    for resource in root.iter(f"{{{fmt.namespace}}}resource"):
        key = types.get(resource.get("type") or "")
        name = descriptor_entry(resource, fmt) if key else None
        if key is None or name is None or name in done or name not in entries.files or name in entries.damaged:
            continue
        done.add(name)
        file = PurePosixPath(f"{label}/{name}")
        if _too_large(archive, name, file, diags):
            continue
        data = entries.read(archive, name, label, diags)
        tree = parse_xml(data, file, diags) if data is not None else None
        if data is not None:
            parsed[name] = tree
        if tree is not None and data is not None and schemas is not None:
            _unless_passed(passed, diags, partial(validate_tree, tree, schemas, key, file, diags), "xsd", key, data)
