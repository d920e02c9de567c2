"""Command line: thin click commands over the library; the only module that prints or exits."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from generator.diagnostics import CODES, Diagnostic, count, format_json, format_text, sort_key, summary

FORMATS = ("text", "json")


def report(diags: Sequence[Diagnostic], *, strict: bool, output_format: str) -> None:
    """Print diagnostics (text to stderr, JSON to stdout) and exit 0, or 1 on errors (or warnings if strict)."""
    diags = sorted(diags, key=sort_key)
    if output_format == "json":
        click.echo(format_json(diags))
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
@click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any warning).")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: file:line:col lines on stderr; json: one JSON document on stdout.")
@click.option("--list-codes", is_flag=True, help="List every diagnostic code with its meaning and exit.")
def check(root: Path, strict: bool, output_format: str, list_codes: bool) -> None:
    """Check the curriculum sources under ROOT (default: .) without writing anything.

    Reports every problem at once, as `file:line:col: error|warning CODE message`, each with a
    hint. Exit status: 0 clean, 1 problems, 2 usage error.

    \b
    Examples:
      curriculum check
      curriculum check path/to/curriculum --strict
      curriculum check --format json > diagnostics.json
    """
    if list_codes:
        for code, meaning in CODES.items():
            click.echo(f"{code}  {meaning}")
        return
    from generator.checks import check_project

    report(check_project(root), strict=strict, output_format=output_format)


def main() -> None:
    cli(prog_name="curriculum")
