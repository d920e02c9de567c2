"""Validate stage (LMS rules): what `build` says each target LMS will refuse or change, short or in detail."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from generator.diagnostics import count, to_json_obj
from generator.lms import Finding
from generator.lms.rules import LMS_LABELS

if TYPE_CHECKING:
    from generator.build import BuildResult, BuiltPackage


def _verdict(findings: Sequence[Finding]) -> str:
    refused = sorted({f.rule.code for f in findings if f.fails_import})
    changed = sorted({f.rule.code for f in findings if not f.fails_import})
    if refused:
        return f"refused ({' '.join(refused)})"
    if changed:
        return f"imported with changes ({' '.join(changed)})"
    return "imported as is"


def lms_summary(packages: Sequence[BuiltPackage], lms: Sequence[str]) -> str:
    """One line per package format: what each LMS does with packages of that format."""
    by_label: dict[str, list[BuiltPackage]] = {}
    for package in packages:
        by_label.setdefault(package.label, []).append(package)
    lines = ["What each LMS will do with them (details: --verbose, --diagnostics json, or "
             "curriculum validate --lms NAME):"]
    for label, group in by_label.items():
        name = f"{label} ({len(group)})" if len(group) > 1 else group[0].path.name
        verdicts = [f"{LMS_LABELS[target]}: {_verdict([f for p in group for f in p.lms if target in f.lms])}"
                    for target in lms]
        lines.append(f"  {name}: " + "; ".join(verdicts))
    return "\n".join(lines)


def lms_details(packages: Sequence[BuiltPackage]) -> str:
    """Every finding of every package, with its hint."""
    lines = []
    for package in packages:
        lines.append(f"{package.path.name}:")
        if not package.lms:
            lines.append("  imported as is by every LMS checked")
        for finding in package.lms:
            kind = "refused" if finding.fails_import else "changed"
            where = f" in {finding.hit.entry}" if finding.hit.entry else ""
            lines.append(f"  {finding.rule.code} {kind}{where}: {finding.message}\n    hint: {finding.rule.hint}")
    return "\n".join(lines)


def finding_json(finding: Finding) -> dict[str, object]:
    rule = finding.rule
    return {"code": rule.code, "rule": rule.id, "lms": list(finding.lms), "effect": rule.effect,
            "versions": rule.versions, "message": finding.message, "detail": finding.hit.detail,
            "entry": finding.hit.entry, "line": finding.hit.line, "hint": rule.hint,
            "source": {"repository": rule.source.repository, "file": rule.source.file,
                       "function": rule.source.function}}


def build_json(result: BuildResult) -> str:
    errors, warnings = count(result.diagnostics)
    return json.dumps({
        "diagnostics": [to_json_obj(d) for d in result.diagnostics], "errors": errors, "warnings": warnings,
        "packages": [{"path": str(p.path), "format": p.packager, "label": p.label, "size": p.size,
                      "sha256": p.sha256, "lms": [finding_json(f) for f in p.lms]} for p in result.packages],
        "site": str(result.site) if result.site else None,
    }, indent=2, ensure_ascii=False)
