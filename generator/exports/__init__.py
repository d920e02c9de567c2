"""Export stage: the competence framework and ECVET documents for other systems (load → check → export → write).

Exports are deterministic (same sources, same bytes; dates from programme.yaml, never the clock) and are
written only when `check` finds no errors, each file atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from generator.archive import write_atomically
from generator.checks import run_checks
from generator.diagnostics import Diagnostic, error, sort_key
from generator.exports.base import Exporter, ExportFile
from generator.exports.case import CasePackage
from generator.exports.ecvet import EcvetDocuments
from generator.exports.moodle import MoodleCsv
from generator.load.project import load_project
from generator.model import Curriculum

EXPORTERS: Final[dict[str, Exporter]] = {e.name: e for e in (MoodleCsv(), CasePackage(), EcvetDocuments())}

__all__ = ["EXPORTERS", "ExportFile", "ExportResult", "Exporter", "export_files", "export_project"]


@dataclass(frozen=True, slots=True)
class ExportResult:
    files: tuple[Path, ...]
    """Files written, in the order written."""
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def export_files(course: Curriculum, names: Sequence[str], diags: list[Diagnostic]) -> list[ExportFile]:
    """The files of the named exports for a checked curriculum; an export with errors contributes none.

    Diagnostics: CUR520, CUR521.
    """
    files: list[ExportFile] = []
    for name in names:
        found: list[Diagnostic] = []
        made = EXPORTERS[name].files(course, found)
        diags += found
        if not any(d.is_error for d in found):
            files += made
    return files


def export_project(root: Path, out: Path, names: Sequence[str]) -> ExportResult:
    """Check the curriculum under `root`, then write the named exports into `out`.

    Diagnostics: everything `check` reports, CUR301, CUR302, CUR520, CUR521.
    """
    course, diags = load_project(root)
    diags += run_checks(course)
    if any(d.is_error for d in diags):
        diags.append(error("CUR301", "nothing was exported because the sources have errors",
                           hint="Fix the errors above (curriculum check shows the same list), then export again."))
        return ExportResult((), tuple(sorted(diags, key=sort_key)))
    written = []
    for file in export_files(course, names, diags):
        target = out.joinpath(*file.path.parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            written.append(write_atomically(target, file.data))
        except OSError as exc:
            diags.append(error("CUR302", f"cannot write {target}: {exc.strerror}", PurePosixPath(file.path),
                               hint="Check that the output folder is writable and the disk has space."))
    return ExportResult(tuple(written), tuple(sorted(diags, key=sort_key)))
