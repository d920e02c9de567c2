"""Command line: thin click commands over the library; the only module that prints or exits."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from generator.diagnostics import CODES, Diagnostic, count, format_json, format_text, sort_key, summary
from generator.reports import Case, cases_for_files, format_github, format_junit

if TYPE_CHECKING:
    from generator.validate.schemaset import Verification

FORMATS = ("text", "json", "github", "junit")
FORMAT_HELP = ("text: file:line:col lines on stderr; json: one JSON document on stdout; github: workflow "
               "annotations that mark the lines of a pull request; junit: a JUnit XML report on stdout.")


def report(diags: Sequence[Diagnostic], *, strict: bool, output_format: str, root: Path | None = None,
           cases: Sequence[Case] | None = None, suite: str = "curriculum") -> None:
    """Print diagnostics in the chosen format and exit 0, or 1 on errors (or on warnings if strict)."""
    diags = sorted(diags, key=sort_key)
    if output_format == "json":
        click.echo(format_json(diags))
    elif output_format == "github":
        prefix = _relative_to_cwd(root) if root else None
        if diags:
            click.echo(format_github(diags, prefix))
        click.echo(summary(diags), err=True)
    elif output_format == "junit":
        click.echo(format_junit(suite, cases if cases is not None else cases_for_files([], diags), strict), nl=False)
    else:
        for d in diags:
            click.echo(format_text(d), err=True)
        if diags:
            click.echo(summary(diags), err=True)
    errors, warnings = count(diags)
    sys.exit(1 if errors or (strict and warnings) else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="curriculum-compiler")
def cli() -> None:
    """Compile a curriculum written in Markdown and YAML into SCORM and Common Cartridge packages.

    \b
    Example:
      curriculum check            # check the curriculum in the current folder
    """


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path), default=".")
@click.option("--force", is_flag=True, help="Write into a folder that is not empty (files of the same name are replaced).")
def init(directory: Path, force: bool) -> None:
    """Start a new programme in DIRECTORY (default: .), created if needed.

    Writes programme.yaml, a small competence profile, one unit with two lessons and a quiz, a
    case study, a .gitignore, and the GitHub workflow and pre-commit configuration of docs/ci.md.
    It passes `curriculum check --strict` and builds as it is; then make it yours. Refuses a
    folder that is not empty unless --force.

    \b
    Examples:
      curriculum init green-skills && cd green-skills && curriculum build
      curriculum init --force .
    """
    from generator.starter import init_project

    result = init_project(directory, force)
    if result.diagnostics:
        report(result.diagnostics, strict=False, output_format="text")
    click.echo(f"Wrote a new programme with {len(result.files)} files to {directory}. Next:", err=True)
    if directory != Path("."):
        click.echo(f"  cd {directory}", err=True)
    click.echo("  curriculum check --strict && curriculum build", err=True)


@cli.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any warning).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help=FORMAT_HELP)
@click.option("--list-codes", is_flag=True, help="List every diagnostic code with its meaning and exit.")
@click.option("--no-cache", is_flag=True,
              help="Render every Markdown body afresh instead of taking unchanged ones from the build cache.")
def check(root: Path, strict: bool, output_format: str, list_codes: bool, no_cache: bool) -> None:
    """Check the curriculum sources under ROOT (default: .) without writing anything.

    Reports every problem at once, as `file:line:col: error|warning CODE message`, each with a
    hint. Exit status: 0 clean, 1 problems, 2 usage error.

    \b
    Examples:
      curriculum check
      curriculum check path/to/curriculum --strict
      curriculum check --format json > diagnostics.json
      curriculum check --format github        # in a GitHub Actions step
      curriculum check --format junit > check.xml
    """
    if list_codes:
        for code, meaning in CODES.items():
            click.echo(f"{code}  {meaning}")
        return
    from generator.cache import Cache, default_folder
    from generator.checks import check_sources
    from generator.workers import default_jobs

    diags, files = check_sources(root, None if no_cache else Cache(default_folder()), default_jobs())
    report(diags, strict=strict, output_format=output_format, root=root, cases=cases_for_files(files, diags),
           suite="curriculum check")


def _relative_to_cwd(root: Path) -> PurePosixPath | None:
    """Annotations name files from the repository root, where CI runs; ROOT may be a subfolder of it."""
    try:
        relative = root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return None
    return PurePosixPath(relative.as_posix()) if relative.parts else None


def _find_schemas_or_exit(schemas: Path | None, output_format: str) -> Path | None:
    """The schemas folder, or None when there is none anywhere; exits when a folder the user named is wrong."""
    from generator.validate import find_schemas

    lookup = find_schemas(schemas)
    if lookup.problem is not None:
        report([lookup.problem], strict=False, output_format=output_format)
    return lookup.path


def _progress_printer() -> Callable[[int, int, str], None] | None:
    if not sys.stderr.isatty():
        return None  # CI logs want the summary, not a line per package

    def show(index: int, total: int, name: str) -> None:
        click.echo(f"\r[{index}/{total}] {name:<60}", err=True, nl=index == total)

    return show


SCHEMAS_OPTION = click.option(
    "--schemas", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
    help="Folder of the official ADL/IMS XSDs (default: $CURRICULUM_SCHEMAS, then the set `curriculum schemas "
         "install` installed, then ../shared/schemas beside a checkout).")


def _lms_names(value: str, param_hint: str) -> tuple[str, ...]:
    from generator.lms import LMS_NAMES

    chosen = tuple(dict.fromkeys(name.strip().lower() for name in value.split(",") if name.strip()))
    unknown = [name for name in chosen if name not in LMS_NAMES]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown LMS {', '.join(unknown) or '(none)'}; choose from {', '.join(LMS_NAMES)}",
                                 param_hint=param_hint)
    return chosen


def _site_url(value: str | None) -> str | None:
    import re

    from generator.model import SITE_URL_PATTERN

    if value is not None and not re.fullmatch(SITE_URL_PATTERN, value):
        raise click.BadParameter(f"{value!r} is not an http:// or https:// address", param_hint="--site-url")
    return value.rstrip("/") if value else None


@cli.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--format", "formats", default="scorm12,scorm2004,cc11,cc13,imscp,mbz", show_default=True,
              help="Comma-separated formats: scorm12, scorm2004, cc11, cc13, imscp, mbz (a Moodle course backup), and "
                   "site (the programme as a static web site, a folder). With scorm12, the self-assessment is also "
                   "written as a SCORM 1.2 package of its own.")
@click.option("--scope", type=click.Choice(["unit", "programme"]), default=None,
              help="One package per unit, or one for the whole programme (default: per unit for SCORM and IMS CP, "
                   "the programme for a Moodle backup). Common Cartridges always hold the programme (one course).")
@click.option("--unit", "units", multiple=True, metavar="CODE", help="Only this unit (repeatable), e.g. --unit U03.")
@click.option("--lang", default=None, metavar="LANG",
              help="Interface language of the packages: en, de, fr, sv, fi or lt; lessons translated into it are used too.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: ROOT/build); packages are written atomically (temporary file, then rename).")
@click.option("--site-url", default=None, metavar="URL",
              help="Where the static site (--format site) is hosted, e.g. https://example.org/cmp; the cartridges "
                   "link to the self-assessment there. Default: site_url in programme.yaml.")
@click.option("--global-objectives", is_flag=True,
              help="SCORM 2004: map each outcome to a global objective (imsss:mapInfo), shared across SCOs. "
                   "Moodle refuses such packages; use it only for LMSs that support global objectives.")
@click.option("--lms", "lms", default="moodle,canvas,generic", show_default=True, metavar="NAMES",
              help="The LMSs to report losses for: moodle, canvas, generic (comma-separated).")
@click.option("--verbose", "-v", is_flag=True, help="Say in detail what each LMS will refuse or change in each package.")
@SCHEMAS_OPTION
@click.option("--strict", is_flag=True,
              help="Treat warnings as errors: exit 1 on any warning, and build nothing without the official XSDs.")
@click.option("--diagnostics", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How problems are reported; json also lists each package with what each LMS will lose.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: one per CPU core); --jobs 1 builds in one process. Same bytes either way.")
@click.option("--no-cache", is_flag=True,
              help="Build everything from scratch, ignoring the build cache ($CURRICULUM_CACHE, else the user cache "
                   "folder); the packages are the same bytes as with it.")
def build(root: Path, formats: str, scope: str | None, units: tuple[str, ...], lang: str | None, out: Path | None,
          site_url: str | None, global_objectives: bool, lms: str, verbose: bool, schemas: Path | None,
          strict: bool, output_format: str, jobs: int | None, no_cache: bool) -> None:
    """Check ROOT (default: .) and build validated packages into --out.

    Refuses to build when `check` finds errors. Every package is validated against the official
    XSDs before it is written; a summary lists packages, sizes and where they are. Without the
    XSDs (see `curriculum schemas status`) the packages still get every integrity check and are
    written, with a warning that they were not XSD-validated; under --strict that is an error.

    \b
    Examples:
      curriculum build
      curriculum build --format mbz                       # the Moodle course (backup to restore)
      curriculum build --format cc11                      # the Moodle course as a cartridge
      curriculum build --format scorm2004 --unit U03
      curriculum build --format scorm12 --scope programme --out dist/
      curriculum build --lang de                          # German interface
      curriculum build --lang sv --format cc11            # the Moodle course for Swedish partners
      curriculum build --format site --site-url https://example.org/cmp
    """
    from generator.build import FORMATS as BUILD_FORMATS
    from generator.build import build_project
    from generator.lms.report import build_json, lms_details, lms_summary

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in BUILD_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown format {', '.join(unknown) or '(none)'}; choose from "
                                 f"{', '.join(BUILD_FORMATS)}", param_hint="--format")
    targets = _lms_names(lms, "--lms")
    found = _find_schemas_or_exit(schemas, output_format)
    result = build_project(root, out or root / "build", chosen, scope, found,  # type: ignore[arg-type]
                           units, _progress_printer(), lang, strict=strict, global_objectives=global_objectives,
                           site_url=_site_url(site_url), lms=targets, jobs=jobs, cache=not no_cache)
    for package in result.packages:  # on stderr, so a json or junit report on stdout stays clean
        click.echo(f"{package.path}  {package.label}  {package.size / 1024:.0f} KiB  "
                   f"{package.report.resources} resources", err=True)
    if result.packages:
        checked = f"validated against the official XSDs in {found}" if found else "NOT validated against the official XSDs"
        click.echo(f"{len(result.packages)} package(s) written to {result.packages[0].path.parent}, {checked}", err=True)
    if result.site:
        click.echo(f"static site written to {result.site} (open index.html, or publish the folder)", err=True)
    if result.packages:
        click.echo(lms_details(result.packages) if verbose else lms_summary(result.packages, targets), err=True)
    if output_format == "json":
        click.echo(build_json(result))
        errors, warnings = count(result.diagnostics)
        sys.exit(1 if errors or (strict and warnings) else 0)
    report(result.diagnostics, strict=strict, output_format=output_format, root=root)


@cli.command()
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@SCHEMAS_OPTION
@click.option("--no-xsd", is_flag=True,
              help="Run only the integrity checks, without the official XSDs (otherwise missing XSDs fail the run).")
@click.option("--lms", "lms", default=None, metavar="NAMES",
              help="Also check what these LMSs refuse (errors) or change (warnings) on import: moodle, canvas, "
                   "generic (comma-separated). `curriculum check --list-codes` lists the rules, CUR430-CUR449.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: a summary line per package, then file:line problems; " + FORMAT_HELP.split("; ", 1)[1])
def validate(packages: tuple[Path, ...], schemas: Path | None, no_xsd: bool, lms: str | None,
             output_format: str) -> None:
    """Validate any SCORM 1.2, SCORM 2004, IMS CP or Common Cartridge 1.1/1.3 package.

    Detects the format from the manifest, validates the manifest and every resource XML file
    against the official XSDs (offline; nothing is fetched), and checks integrity: files exist,
    references resolve, ids are unique, no unsafe paths, no XML entities, sound zip CRCs.
    Without the XSDs the integrity checks still run, the XSD part is reported "not checked" and
    the exit status is 1, unless --no-xsd asks for integrity checks only.
    Exit status: 0 valid, 1 any error, 2 usage error.

    \b
    Examples:
      curriculum validate build/*.zip build/*.imscc
      curriculum validate course.imscc --schemas /opt/ims-schemas --format json
      curriculum validate build/*.zip build/*.imscc --lms moodle   # would Moodle refuse or change them?
    """
    import dataclasses
    import json

    from generator.diagnostics import to_json_obj
    from generator.lms import RULES, check_lms, lms_diagnostics
    from generator.validate import find_schemas, validate_package, xsd_not_checked

    LMS_CODES = {rule.code for rule in RULES}  # noqa: N806 - a constant of this command
    targets = _lms_names(lms, "--lms") if lms is not None else ()
    found = None if no_xsd else _find_schemas_or_exit(schemas, output_format)
    reports = [validate_package(path, found) for path in packages]
    if targets:
        reports = [dataclasses.replace(r, diagnostics=tuple(sorted(
            (*r.diagnostics, *lms_diagnostics(check_lms(r.path, r.path.name, targets), r.path.name)), key=sort_key)))
            for r in reports]
    diags = [d for r in reports for d in r.diagnostics]
    if found is None and not no_xsd:
        diags.append(xsd_not_checked(find_schemas(schemas)))
    if output_format == "json":
        click.echo(json.dumps({"packages": [{
            "path": str(r.path), "format": r.format, "version": r.version, "resources": r.resources,
            "xsd": "checked" if r.xsd_checked else "not checked",
            "errors": count(r.diagnostics)[0], "warnings": count(r.diagnostics)[1],
            "diagnostics": [to_json_obj(d) for d in sorted(r.diagnostics, key=sort_key)]} for r in reports],
            "diagnostics": [to_json_obj(d) for d in diags if d.code == "CUR415"]},  # about the run, not a package
            indent=2, ensure_ascii=False))
        errors, _ = count(diags)
        sys.exit(1 if errors else 0)
    for r in reports:
        errors, warnings = count(r.diagnostics)
        lms_errors = [d.code for d in r.diagnostics if d.is_error and d.code in LMS_CODES]
        refused = " ".join(sorted(set(lms_errors)))
        state = "INVALID" if errors > len(lms_errors) else (
            f"valid, but refused on import ({refused})" if refused else "valid")
        state += "" if r.xsd_checked else " (XSD not checked)"
        click.echo(f"{r.path}: {state}  {r.version or 'unknown format'}, {r.resources} resources, "
                   f"{errors} errors, {warnings} warnings", err=True)
    cases = [Case(r.path.name, r.diagnostics) for r in reports]
    cases += [Case("official schemas", (d,)) for d in diags if d.code == "CUR415"]
    report(diags, strict=False, output_format=output_format, cases=cases, suite="curriculum validate")


@cli.group()
def schemas() -> None:
    """Install and inspect the official ADL/IMS XSDs that packages are validated against.

    \b
    They are looked up in this order: --schemas DIR, $CURRICULUM_SCHEMAS, the set installed
    here, then ../shared/schemas beside a checkout of the compiler.
    """


@schemas.command("install")
@click.option("--from", "source", type=click.Path(exists=True, path_type=Path), default=None, metavar="DIR|ZIP",
              help="Install from a local copy (a folder or a zip with the layout of shared/schemas), e.g. offline.")
@click.option("--base-url", envvar="CURRICULUM_SCHEMAS_URL", default=None, metavar="URL",
              help="Download every file from this mirror (same layout) instead of the pinned public locations "
                   "[env: CURRICULUM_SCHEMAS_URL].")
@click.option("--force", is_flag=True, help="Download and install again even when a verified set is installed.")
def schemas_install(source: Path | None, base_url: str | None, force: bool) -> None:
    """Install the official XSD set into the user's data folder, every file verified by SHA-256.

    The files and their hashes are pinned in the compiler (a lock file). The set is assembled in
    a temporary folder and renamed into place only when every file verifies, so a failed,
    partial or tampered download never replaces a good set.

    \b
    Examples:
      curriculum schemas install
      curriculum schemas install --from ~/Downloads/schemas.zip      # no internet access
      curriculum schemas install --base-url https://mirror.example.org/curriculum-schemas/
    """
    from generator.validate.install import install_schemas

    result = install_schemas(source, base_url, force)
    if result.already_installed:
        click.echo(f"The official schemas are already installed and verified: {result.path}", err=True)
    elif result.ok:
        click.echo(f"Installed and verified the official schemas from {result.origin} in {result.path}", err=True)
    else:
        click.echo(f"Nothing was installed from {result.origin}; any set installed before is unchanged.", err=True)
    report(result.diagnostics, strict=False, output_format="text")


@schemas.command("status")
@SCHEMAS_OPTION
def schemas_status(schemas: Path | None) -> None:
    """Say which schema sets exist, where, whether each matches the lock, and which one is used.

    Exit status: 0 when the set in use verifies, 1 when there is none or it does not verify.
    """
    from generator.validate.status import schema_status

    status = schema_status(schemas)
    for entry in status.sets:
        click.echo(f"{'*' if entry.in_use else ' '} {entry.label:<42} {entry.path or '(not set)'}")
        click.echo(f"    {_verification_text(entry.verification, entry.current)}")
    if status.lookup.path is not None:
        click.echo(f"In use: {status.lookup.path} ({status.lookup.origin})")
    else:
        click.echo("In use: none; packages are not XSD-validated. Run `curriculum schemas install`.")
    if status.ok:
        sys.exit(0)
    from generator.validate import describe_missing_schemas

    in_use = [d for s in status.sets if s.in_use and s.verification for d in s.verification.diagnostics]
    report(in_use or [describe_missing_schemas(schemas)], strict=False, output_format="text")


def _verification_text(verification: Verification | None, current: bool) -> str:
    if verification is None:
        return "no schema set here"
    against = "the lock of this version" if current else "the lock it was installed with"
    if verification.ok:
        return f"verified: all {verification.checked} files match {against}"
    return f"DOES NOT VERIFY: {len(verification.diagnostics)} of {verification.checked} files differ from {against}"


EXPORT_TARGETS = ("moodle-csv", "case", "ecvet", "all")


@cli.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--ratings", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Self-assessment JSON file, as the self-assessment page saves it.")
@click.option("--path", "career_path", default=None, metavar="PATH",
              help="Career path id from programme.yaml; overrides the file's career_path.")
@click.option("--country", type=click.Choice(["DE", "FR", "CH"]), default=None,
              help="Weight the gaps by the importance this country's practitioners gave each skill; overrides the file.")
@click.option("--compare", "compare_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="An earlier self-assessment: show what changed since.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a table on stdout, problems on stderr; json: one JSON document on stdout.")
def profile(root: Path, ratings: Path, career_path: str | None, country: str | None, compare_path: Path | None,
            output_format: str) -> None:
    """Compare a self-assessment with a career path's target profile (docs/profile.md).

    Shows per activity field the mean rating against the mean target, the largest gaps and the
    units that close them, with their ECVET points and months. Exit status: 0 done, 1 errors in
    the ratings or the curriculum, 2 usage error.

    \b
    Examples:
      curriculum profile --ratings me.json
      curriculum profile --ratings me.json --path technology-scout --country FR
      curriculum profile --ratings june.json --compare january.json --format json
    """
    import json

    from generator.profile import format_profile, profile_json, profile_project

    result = profile_project(root, ratings, career_path, country, compare_path)
    if output_format == "json":
        click.echo(json.dumps(profile_json(result), indent=2, ensure_ascii=False))
        sys.exit(1 if count(result.diagnostics)[0] else 0)
    if result.profile is not None:
        click.echo(format_profile(result))
    report(result.diagnostics, strict=False, output_format="text")


@cli.command()
@click.argument("target", type=click.Choice(EXPORT_TARGETS))
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: ROOT/build); files are written atomically.")
@click.option("--diagnostics", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How problems are reported.")
def export(target: str, root: Path, out: Path | None, output_format: str) -> None:
    """Export the competence framework or ECVET documents of ROOT (default: .) for other systems.

    \b
    moodle-csv  competency framework for Moodle (Site administration > Competencies > Import)
    case        1EdTech CASE 1.0 package (CFPackage JSON)
    ecvet       one printable HTML unit description per unit, and a learning-agreement template
    all         all of them

    Refuses to export when `check` finds errors. Output is deterministic.

    \b
    Examples:
      curriculum export moodle-csv
      curriculum export all --out dist/
    """
    from generator.exports import EXPORTERS, export_project

    result = export_project(root, out or root / "build", list(EXPORTERS) if target == "all" else [target])
    if output_format == "text":
        for path in result.files:
            click.echo(str(path), err=True)
        if result.files:
            click.echo(f"{len(result.files)} file(s) exported", err=True)
    report(result.diagnostics, strict=False, output_format=output_format, root=root)


@cli.command()
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to serve on; 0 picks a free one.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Keep the default: the preview has no access control, so another address "
                   "lets anyone who can reach this machine read the curriculum.")
def preview(root: Path, port: int, host: str) -> None:
    """Serve the rendered programme of ROOT (default: .) and reload open pages as its sources change.

    Listens on 127.0.0.1 only, unless --host says otherwise. Watches curriculum/, modules/ and
    case_studies/; after each change it loads, checks and re-renders what changed, and each open
    page whose output changed reloads. Errors appear in every page (which keeps showing the last
    version without errors) and here. Nothing is written to disk. Stop it with Ctrl-C.

    \b
    Examples:
      curriculum preview                 # then open http://127.0.0.1:8000/
      curriculum preview path/to/curriculum --port 8080
    """
    from generator.preview import Update, open_preview

    def show(update: Update) -> None:
        if update.diagnostics_changed:
            for d in update.diagnostics:
                click.echo(format_text(d), err=True)
            click.echo(summary(update.diagnostics), err=True)
        elif update.changed:
            click.echo(f"{len(update.changed)} file(s) changed", err=True)

    try:
        server = open_preview(root, host, port)
    except OSError as exc:
        raise click.BadParameter(f"cannot listen on {host}:{port}: {exc.strerror}", param_hint="--port/--host") from exc
    show(server.initial)
    click.echo(f"Previewing {root} at {server.url} (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever(show)
    except KeyboardInterrupt:
        click.echo("Preview stopped.", err=True)


def main() -> None:
    cli(prog_name="curriculum")
