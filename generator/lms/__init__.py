"""Validate stage (LMS rules): what Moodle, Canvas or any LMS will refuse or change in a package, from one rule table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.diagnostics import Diagnostic, error, warning
from generator.lms.package import PackageView, open_view, read_by_rules, vetted_view
from generator.lms.rules import LMS_LABELS, LMS_NAMES, RULES, Hit, Rule
from generator.validate.backup import is_backup
from generator.validate.entries import open_zip
from generator.validate.memo import Passed
from generator.validate.package import PackageReport, validate_bytes, validate_zip

__all__ = ["LMS_LABELS", "LMS_NAMES", "RULES", "Finding", "Rule", "check_lms", "inspect_bytes", "lms_diagnostics"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that applies to one package, for the LMSs asked about."""

    rule: Rule
    lms: tuple[str, ...]
    hit: Hit

    @property
    def fails_import(self) -> bool:
        return self.rule.effect == "import fails"

    @property
    def message(self) -> str:
        who = ", ".join(LMS_LABELS[name] for name in self.lms)
        return f"{who}: {self.rule.behaviour} ({self.hit.detail}; {self.rule.id}, see {self.rule.source})"

    def diagnostic(self, label: str) -> Diagnostic:
        file = PurePosixPath(f"{label}/{self.hit.entry}" if self.hit.entry else label)
        make = error if self.fails_import else warning
        return make(self.rule.code, self.message, file, self.hit.line, hint=self.rule.hint)


def check_lms(source: Path | bytes, label: str, lms: Sequence[str]) -> tuple[Finding, ...]:
    """Every rule of the table for the LMSs in `lms` that applies to the package (a path or its bytes).

    Untrusted input: entries are vetted, XML is parsed without DTDs, entities or network.
    Diagnostics (through `Finding.diagnostic`): CUR430-CUR449.
    """
    with open_view(source, label) as view:
        return _findings(view, lms)


def inspect_bytes(name: str, data: bytes, schemas: Path | None, lms: Sequence[str],
                  passed: Passed | None = None) -> tuple[PackageReport, tuple[Finding, ...]]:
    """`validate_bytes(name, data, schemas)` and `check_lms(data, name, lms)` in one pass over the package.

    The zip is opened once and its entries vetted once; the bytes read while checking CRCs (within a budget)
    and the manifest and descriptors `validate` parsed are what the rules then read. With `passed` (the build's
    own packages), validation skips the checks that passed before on the same inputs (`validate_zip`).
    Diagnostics: as `validate_bytes`, then (through `Finding.diagnostic`) CUR430-CUR449.
    """
    if not lms and passed is None:  # no rule is asked about: nothing to share
        return validate_bytes(name, data, schemas), ()
    label = PurePosixPath(name).name
    diags: list[Diagnostic] = []
    archive = None if is_backup(data) else open_zip(data, label, diags)
    if archive is None:  # a Moodle backup, or no zip at all: nothing to share
        return validate_bytes(name, data, schemas), check_lms(data, name, lms)
    with archive:
        report, reading = validate_zip(Path(name), archive, label, schemas, diags, keep=read_by_rules, passed=passed)
        return report, _findings(vetted_view(archive, name, reading.entries, reading.parsed, passed), lms)


def _findings(view: PackageView, lms: Sequence[str]) -> tuple[Finding, ...]:
    wanted = tuple(name for name in LMS_NAMES if name in lms)
    findings = []
    for rule in RULES:
        asked = tuple(name for name in wanted if name in rule.lms)
        if asked and rule.applies_to(view):
            findings += [Finding(rule, asked, hit) for hit in rule.check(view)]
    return tuple(findings)


def lms_diagnostics(findings: Sequence[Finding], label: str) -> list[Diagnostic]:
    return [finding.diagnostic(label) for finding in findings]
