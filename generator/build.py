"""Build: load → check → render → package → validate → write, accumulating diagnostics on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from lxml import etree

from generator.archive import ZipEntry, build_zip, source_date_epoch, write_atomically
from generator.checks import run_checks
from generator.diagnostics import Diagnostic, error, sort_key
from generator.formats.base import Job, Packager, Scope
from generator.formats.imscc import CommonCartridge11, CommonCartridge13
from generator.formats.imscp import ImsContentPackage
from generator.formats.scorm12 import Scorm12
from generator.formats.scorm2004 import Scorm2004
from generator.i18n import interface_languages
from generator.load.project import load_project
from generator.model import Curriculum
from generator.render.html import render_site
from generator.render.site import Site
from generator.validate import PackageReport, validate_bytes

PACKAGERS: Final[dict[str, Packager]] = {p.name: p for p in (
    Scorm12(), Scorm2004(), CommonCartridge11(), CommonCartridge13(), ImsContentPackage())}
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    path: Path
    packager: str
    label: str
    size: int
    sha256: str
    report: PackageReport


@dataclass(frozen=True, slots=True)
class BuildResult:
    packages: tuple[BuiltPackage, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def plan_jobs(course: Curriculum, formats: Sequence[str], scope: Scope,
              unit_codes: Sequence[str] = (), lang: str | None = None) -> list[tuple[Packager, Job]]:
    """Which packages to write: per unit where the format and scope allow, else one for the programme."""
    units = tuple(u for u in course.units_in_order() if not unit_codes or u.code in unit_codes)
    jobs = []
    for name in formats:
        packager = PACKAGERS[name]
        if scope in packager.scopes and scope == "unit":
            jobs += [(packager, Job(course, (unit,), "unit", lang)) for unit in units]
        else:
            jobs.append((packager, Job(course, units, "programme", lang)))
    return jobs


def package_name(packager: Packager, job: Job) -> str:
    return f"{job.ident}-{packager.name}{packager.extension}"


def package_bytes(packager: Packager, job: Job, site: Site, epoch: int | None) -> bytes:
    manifest = etree.tostring(packager.manifest(job, site), xml_declaration=True, encoding="UTF-8",
                              pretty_print=True)
    return build_zip([ZipEntry("imsmanifest.xml", manifest), *packager.entries(job, site)], epoch)


def build_project(root: Path, out: Path, formats: Sequence[str], scope: Scope, schemas: Path,
                  unit_codes: Sequence[str] = (), progress: Progress | None = None,
                  lang: str | None = None) -> BuildResult:
    """Check the curriculum, then write every requested package to `out`, each validated before it is written.

    `lang` sets the interface language (and the lessons' language where they are translated).
    Diagnostics: everything `check` reports, CUR301-CUR304, and CUR4xx from validation.
    """
    course, diags = load_project(root)
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
    jobs = plan_jobs(course, formats, scope, unit_codes, lang)
    sites: dict[tuple[str, tuple[str, ...]], Site] = {}
    epoch = source_date_epoch()
    built = []
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        diags.append(error("CUR302", f"cannot create the output folder {out}: {exc.strerror}",
                           hint="Choose a writable --out folder."))
        return BuildResult((), tuple(sorted(diags, key=sort_key)))
    for index, (packager, job) in enumerate(jobs, start=1):
        name = package_name(packager, job)
        if progress:
            progress(index, len(jobs), name)
        key = (packager.style, tuple(u.code for u in job.units))
        if key not in sites:
            sites[key] = render_site(course, packager.style, key[1], lang)
            diags += sites[key].diagnostics
        if sites[key].diagnostics:
            diags.append(error("CUR302", f"{name} was not written: a file it links to was refused", PurePosixPath(name),
                               hint="Run curriculum check; a linked file changed after it was checked."))
            continue
        data = package_bytes(packager, job, sites[key], epoch)
        report = validate_bytes(name, data, schemas)
        diags += report.diagnostics
        if not report.ok:
            diags.append(error("CUR302", f"{name} was not written: it failed validation", PurePosixPath(name),
                               hint="This is a bug in the compiler; please report it with the messages above."))
            continue
        try:
            path = write_atomically(out / name, data)
        except OSError as exc:
            diags.append(error("CUR302", f"cannot write {out / name}: {exc.strerror}", PurePosixPath(name),
                               hint="Check that the output folder is writable and the disk has space."))
            continue
        built.append(BuiltPackage(path, packager.name, packager.label, len(data), hashlib.sha256(data).hexdigest(),
                                  report))
    return BuildResult(tuple(built), tuple(sorted(diags, key=sort_key)))
