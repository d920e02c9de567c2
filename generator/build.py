"""Build: load → check → render → package → validate → write, accumulating diagnostics on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from lxml import etree

from generator.archive import ZipEntry, build_tar_gz, build_zip, source_date_epoch, write_atomically, write_folder_atomically
from generator.cache import Cache, default_folder
from generator.checks import run_checks
from generator.diagnostics import Diagnostic, error, sort_key
from generator.formats.base import Job, Packager, Scope
from generator.formats.imscc import CommonCartridge11, CommonCartridge13
from generator.formats.imscp import ImsContentPackage
from generator.formats.moodle import MoodleBackup
from generator.formats.scorm12 import Scorm12
from generator.formats.scorm2004 import Scorm2004
from generator.formats.selfassessment import LABEL as SELF_ASSESSMENT_LABEL
from generator.formats.selfassessment import self_assessment_package
from generator.formats.site import NAME as SITE
from generator.formats.site import site_folder_name, static_site
from generator.i18n import interface_languages
from generator.lms import LMS_NAMES, Finding
from generator.load.project import load_project
from generator.mdmemo import keeping_html
from generator.model import Curriculum
from generator.parallel import (
    Planned,
    Settings,
    build_packages,
    findings_of,
    lms_findings,
    render_cached,
)
from generator.render.html import compile_templates_aside
from generator.render.site import Site
from generator.validate import PackageReport, find_schemas, not_validated, validate_bytes
from generator.workers import default_jobs

PACKAGERS: Final[dict[str, Packager]] = {p.name: p for p in (
    Scorm12(), Scorm2004(), CommonCartridge11(), CommonCartridge13(), ImsContentPackage(), MoodleBackup())}
FORMATS: Final = (*PACKAGERS, SITE)
"""Every --format value: the packagers, and the static site (a folder, not a package)."""
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    path: Path
    packager: str
    label: str
    size: int
    sha256: str
    report: PackageReport
    lms: tuple[Finding, ...] = ()
    """What the target LMSs will refuse or change in this package (generator/lms/rules.py)."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    packages: tuple[BuiltPackage, ...]
    diagnostics: tuple[Diagnostic, ...]
    site: Path | None = None
    """The static site's folder, when `site` was among the formats."""

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def plan_jobs(course: Curriculum, formats: Sequence[str], scope: Scope | None, unit_codes: Sequence[str] = (),
              lang: str | None = None, global_objectives: bool = False,
              site_url: str | None = None) -> list[tuple[Packager, Job]]:
    """Which packages to write: per unit where the format and scope allow, else one for the programme.

    Without a scope each format uses its own default (the first of its `scopes`).
    """
    units = tuple(u for u in course.units_in_order() if not unit_codes or u.code in unit_codes)
    jobs = []
    for name in formats:
        if name not in PACKAGERS:
            continue
        packager = PACKAGERS[name]
        chosen = scope or packager.scopes[0]
        if chosen in packager.scopes and chosen == "unit":
            jobs += [(packager, Job(course, (unit,), "unit", lang, global_objectives, site_url)) for unit in units]
        else:
            jobs.append((packager, Job(course, units, "programme", lang, global_objectives, site_url)))
    return jobs


def package_name(packager: Packager, job: Job) -> str:
    return f"{job.ident}-{packager.name}{packager.extension}"


def write_if_changed(path: Path, data: bytes) -> Path:
    """Write `data` atomically unless the file already holds exactly these bytes (an incremental build)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return path
    except OSError:
        pass
    return write_atomically(path, data)


def package_bytes(packager: Packager, job: Job, site: Site, epoch: int | None) -> bytes:
    manifest = etree.tostring(packager.manifest(job, site), xml_declaration=True, encoding="UTF-8",
                              pretty_print=True)
    entries = [ZipEntry(packager.manifest_name, manifest), *packager.entries(job, site)]
    if packager.container == "tar.gz":
        return build_tar_gz(entries, epoch, first=packager.manifest_name)
    return build_zip(entries, epoch)


def build_project(root: Path, out: Path, formats: Sequence[str], scope: Scope | None, schemas: Path | None,
                  unit_codes: Sequence[str] = (), progress: Progress | None = None,
                  lang: str | None = None, *, strict: bool = False, global_objectives: bool = False,
                  site_url: str | None = None, lms: Sequence[str] = LMS_NAMES, jobs: int | None = None,
                  cache: bool = True) -> BuildResult:
    """Check the curriculum, then write every requested package to `out`, each validated before it is written.

    `lang` sets the interface language (and the lessons' language where they are translated). With
    `schemas` None the packages get every integrity check but no XSD validation, and CUR310 says so
    once (an error under `strict`, and then nothing is written).
    `global_objectives` maps SCORM 2004 objectives to global ones (Moodle then refuses the packages).
    `site_url` (else programme.yaml's `site_url`) is where the static site is hosted: cartridges link there.
    Each package's `lms` findings say what the LMSs in `lms` will refuse or change.
    With `scorm12` among the formats, the self-assessment is also written as a SCORM 1.2 package of its own;
    with `site`, the static site is written as a folder.
    `jobs` worker processes package in parallel (default: one per core; 1 builds in this process); with `cache`,
    unchanged units, Markdown, files and packages come from the build cache (docs/building.md), and a package
    whose bytes did not change is not written again. Either way the bytes are those of a clean sequential build.
    Diagnostics: everything `check` reports, CUR301-CUR304, CUR310, and CUR4xx from validation.
    """
    store = Cache(default_folder()) if cache else None
    jobs = default_jobs() if jobs is None else jobs
    with keeping_html(store, root, in_memory=jobs > 1):
        compiled = compile_templates_aside() if jobs > 1 else None  # on another core while this one loads
        try:
            course, diags = load_project(root, jobs)
        finally:  # even when the load fails: the child waits to send them
            if compiled is not None:
                compiled()
        diags += run_checks(course)
    unknown = sorted(set(unit_codes) - {u.code for u in course.units})
    diags += [error("CUR303", f"--unit {code}: no unit has that code", None,
                    hint=f"Known units: {', '.join(u.code for u in course.units_in_order())}.") for code in unknown]
    if lang is not None and lang not in interface_languages():
        diags.append(error("CUR304", f"--lang {lang}: the interface is not translated into '{lang}'", None,
                           hint=f"Available: {', '.join(interface_languages())}. Add generator/locale/{lang}/"
                                "LC_MESSAGES/messages.po to translate it."))
    if any(d.is_error for d in diags):
        diags.append(error("CUR301", "no package was built because the sources have errors",
                           hint="Fix the errors above (curriculum check shows the same list), then build again."))
        return BuildResult((), tuple(sorted(diags, key=sort_key)))
    if schemas is None:
        diags.append(not_validated(find_schemas(), strict=strict))
        if strict:
            return BuildResult((), tuple(sorted(diags, key=sort_key)))
    assert course.programme is not None
    site_url = site_url or course.programme.site_url
    plan = [Planned(packager, job, package_name(packager, job))
            for packager, job in plan_jobs(course, formats, scope, unit_codes, lang, global_objectives, site_url)]
    epoch = source_date_epoch()
    built = []
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        diags.append(error("CUR302", f"cannot create the output folder {out}: {exc.strerror}",
                           hint="Choose a writable --out folder."))
        return BuildResult((), tuple(sorted(diags, key=sort_key)))
    extra = "scorm12" in formats and not unit_codes and course.competences is not None
    total = len(plan) + extra
    settings = Settings(schemas, epoch, lang, store.folder if store else None, site_url, tuple(lms))
    finished = 0

    def done(name: str) -> None:
        nonlocal finished
        finished += 1
        if progress:
            progress(finished, total, name)

    outputs = build_packages(course, plan, settings, jobs, done)
    for planned, output in zip(plan, outputs, strict=True):
        diags += [d for d in output.refused if d not in diags]  # once per rendering, not once per package
        if output.refused:
            diags.append(error("CUR302", f"{output.name} was not written: a file it links to was refused",
                               PurePosixPath(output.name),
                               hint="Run curriculum check; a linked file changed after it was checked."))
            continue
        package = _write_package(out, output.name, output.data, planned.packager.name, planned.packager.label,
                                 output.report, output.findings(), diags)
        if package:
            built.append(package)
    standalone = self_assessment_package(course, lang, epoch) if extra else None
    if standalone is not None:
        done(standalone.name)
        report = validate_bytes(standalone.name, standalone.data, schemas)
        findings = findings_of(lms_findings(standalone.data, standalone.name, lms, store)) if report.ok else ()
        package = _write_package(out, standalone.name, standalone.data, "scorm12", SELF_ASSESSMENT_LABEL, report,
                                 findings, diags)
        if package:
            built.append(package)
    site = _write_site(out, course, lang, diags, store) if SITE in formats else None
    if store is not None:
        store.prune()
    return BuildResult(tuple(built), tuple(sorted(diags, key=sort_key)), site)


def _write_package(out: Path, name: str, data: bytes, packager: str, label: str, report: PackageReport,
                   findings: tuple[Finding, ...], diags: list[Diagnostic]) -> BuiltPackage | None:
    diags += report.diagnostics
    if not report.ok:
        diags.append(error("CUR302", f"{name} was not written: it failed validation", PurePosixPath(name),
                           hint="This is a bug in the compiler; please report it with the messages above."))
        return None
    try:
        path = write_if_changed(out / name, data)
    except OSError as exc:
        diags.append(error("CUR302", f"cannot write {out / name}: {exc.strerror}", PurePosixPath(name),
                           hint="Check that the output folder is writable and the disk has space."))
        return None
    return BuiltPackage(path, packager, label, len(data), hashlib.sha256(data).hexdigest(), report,
                        findings)


def _write_site(out: Path, course: Curriculum, lang: str | None, diags: list[Diagnostic],
                store: Cache | None) -> Path | None:
    name = site_folder_name(course, lang)
    pages = render_cached(course, "package", None, lang, None, store)
    try:
        return write_folder_atomically(out / name, static_site(course, lang, pages))
    except OSError as exc:
        diags.append(error("CUR302", f"cannot write the site folder {out / name}: {exc.strerror}", PurePosixPath(name),
                           hint="Check that the output folder is writable and the disk has space."))
        return None
