"""Export stage: the interface every export implements, and the file it hands to the write step."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar, Protocol

from generator.diagnostics import Diagnostic
from generator.model import Curriculum


@dataclass(frozen=True, slots=True)
class ExportFile:
    path: PurePosixPath
    """Relative to the output folder."""
    data: bytes


class Exporter(Protocol):
    name: ClassVar[str]
    """CLI value: `curriculum export moodle-csv`."""
    label: ClassVar[str]
    """Human name for summaries."""

    def files(self, course: Curriculum, diags: list[Diagnostic]) -> list[ExportFile]:
        """The files of this export for a curriculum that passed `check`; problems are appended to `diags`."""
        ...


def schedule(course: Curriculum) -> dict[str, tuple[int, ...]]:
    """Unit code -> months it runs in, from the programme schedule."""
    return {s.code: tuple(s.months) for s in course.programme.units} if course.programme else {}


def months_label(months: tuple[int, ...]) -> str:
    ordered = sorted(months)
    if not ordered:
        return ""
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"Months {ordered[0]}–{ordered[-1]}"
    return ("Month " if len(ordered) == 1 else "Months ") + ", ".join(map(str, ordered))
