"""Reports: diagnostics as GitHub workflow annotations and as JUnit XML, for CI systems."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from lxml import etree

from generator.diagnostics import Diagnostic, Severity, sort_key

GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: Iterable[Diagnostic], prefix: PurePosixPath | None = None) -> str:
    """One `::error file=…,line=…::…` workflow command per diagnostic, so GitHub marks the lines."""
    lines = []
    for d in sorted(diags, key=sort_key):
        properties = [f"title={_escape_property(d.code)}"]
        if d.file is not None:
            path = prefix / d.file if prefix else d.file
            properties.insert(0, f"file={_escape_property(str(path))}")
            if d.line is not None:
                properties[1:1] = [f"line={d.line}", f"col={d.column or 1}"]
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        lines.append(f"::{GITHUB_LEVEL[d.severity]} {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Case:
    """One JUnit test case: a source file or a package, and what was found in it."""

    name: str
    diagnostics: tuple[Diagnostic, ...] = ()


def format_junit(suite: str, cases: Sequence[Case], strict: bool = False) -> str:
    """JUnit XML: a test case per file or package, failing on errors (and warnings when strict)."""
    suites = etree.Element("testsuites", name=suite)
    failures = 0
    suite_element = etree.SubElement(suites, "testsuite", name=suite)
    for case in cases:
        element = etree.SubElement(suite_element, "testcase", classname=suite, name=case.name)
        failing = [d for d in case.diagnostics if d.is_error or (strict and d.severity is Severity.WARNING)]
        if failing:
            failures += 1
            failure = etree.SubElement(element, "failure", type=failing[0].code,
                                       message=f"{len(failing)} problem{'s' if len(failing) != 1 else ''}: "
                                               f"{failing[0].code} {failing[0].message}")
            failure.text = "\n".join(_line(d) for d in failing)
        rest = [d for d in case.diagnostics if d not in failing]
        if rest:
            etree.SubElement(element, "system-out").text = "\n".join(_line(d) for d in rest)
    for element in (suites, suite_element):
        element.set("tests", str(len(cases)))
        element.set("failures", str(failures))
        element.set("errors", "0")
    return etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def _line(d: Diagnostic) -> str:
    where = f"{d.file}:{d.line}" if d.file and d.line else str(d.file or "<project>")
    return f"{where}: {d.severity.value} {d.code}: {d.message}" + (f" (hint: {d.hint})" if d.hint else "")


def cases_for_files(files: Iterable[PurePosixPath], diags: Sequence[Diagnostic]) -> list[Case]:
    """A case per source file, plus one for problems that belong to no file."""
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diags:
        by_file.setdefault(str(d.file) if d.file else "<project>", []).append(d)
    names = sorted({str(f) for f in files} | set(by_file))
    return [Case(name, tuple(by_file.get(name, ()))) for name in names]
