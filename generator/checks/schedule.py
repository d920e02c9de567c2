"""Check stage: the 12-month schedule is consistent and every month has work."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic, error
from generator.model import Curriculum


def check_schedule(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR230, CUR231, CUR232."""
    programme, pos = course.programme, course.programme_positions
    if not programme or not pos:
        return
    duration = programme.duration_months
    busy: set[int] = set()
    for i, slot in enumerate(programme.units):
        for m, month in enumerate(slot.months):
            busy.add(month)
            if month > duration:
                yield error("CUR230", f"unit {slot.code} runs in month {month}, after the programme's {duration} months",
                            pos.file, pos.line("units", i, "months", m), hint=f"Use months 1 to {duration}.")
    for i, meeting in enumerate(programme.meetings):
        if meeting.month > duration:
            yield error("CUR230", f"meeting '{meeting.title}' is in month {meeting.month}, after the programme's {duration} months",
                        pos.file, pos.line("meetings", i, "month"), hint=f"Use months 1 to {duration}.")
    idle = [m for m in range(1, duration + 1) if m not in busy]
    if idle:
        yield error("CUR231", f"no unit runs in month{'s' if len(idle) > 1 else ''} {', '.join(map(str, idle))}",
                    pos.file, pos.line("units"), hint="Extend a unit into those months or shorten duration_months.")
    schedule = {s.code: tuple(sorted(s.months)) for s in programme.units}
    for unit in course.units:
        own = unit.unit.months
        if own is not None and unit.code in schedule and tuple(sorted(own)) != schedule[unit.code]:
            yield error("CUR232", f"unit {unit.code} says months {list(own)}, the programme schedules {list(schedule[unit.code])}",
                        unit.file, unit.positions.line("months"),
                        hint="Make them equal, or drop 'months' from unit.yaml and keep the programme's.")
