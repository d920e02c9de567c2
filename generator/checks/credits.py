"""Check stage: ECVET points add up, EQF levels fit, the rating scale is sound."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic, error, warning
from generator.model import Curriculum


def check_credits(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR220."""
    programme, pos = course.programme, course.programme_positions
    if not programme or not pos or not course.units:
        return
    scheduled = {s.code for s in programme.units}
    total = sum((u.unit.ecvet_points for u in course.units if u.code in scheduled), start=programme.ecvet_points * 0)
    if total != programme.ecvet_points:
        parts = " + ".join(f"{u.code} {u.unit.ecvet_points}" for u in course.units_in_order() if u.code in scheduled)
        yield error("CUR220", f"the units' ECVET points add up to {total}, the programme declares {programme.ecvet_points}",
                    pos.file, pos.line("ecvet_points"),
                    hint=f"Adjust the units or the programme total ({parts}).")


def check_levels(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR221, CUR222."""
    if not course.programme:
        return
    level = course.programme.eqf_level
    for unit in course.units:
        line = unit.positions.line("eqf_level")
        if unit.unit.eqf_level > level:
            yield error("CUR221", f"unit {unit.code} is at EQF {unit.unit.eqf_level}, above the programme's EQF {level}",
                        unit.file, line, hint=f"Lower the unit to EQF {level} or below, or raise the programme level.")
        elif unit.unit.eqf_level < level - 1:
            yield warning("CUR222", f"unit {unit.code} is at EQF {unit.unit.eqf_level}, "
                                    f"more than one level below the programme's EQF {level}",
                          unit.file, line, hint="Check the level; a unit this far below rarely fits the qualification.")


def check_rating_scale(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR223, CUR224."""
    comp, pos = course.competences, course.competences_positions
    if not comp or not pos:
        return
    levels = [r.level for r in comp.rating_scale]
    if levels != list(range(len(levels))):
        yield error("CUR224", f"rating scale levels are {levels}; expected 0 to {len(levels) - 1} in order",
                    pos.file, pos.line("rating_scale"), hint="Number the levels 0, 1, 2, ... from lowest to highest.")
    top = max(levels)
    for f, field in enumerate(comp.activity_fields):
        for s, skill in enumerate(field.skills):
            for path, target in skill.target_levels.items():
                if target > top:
                    yield error("CUR223", f"skill '{skill.id}' targets level {target} for '{path}', above the scale's top level {top}",
                                pos.file, pos.line("activity_fields", f, "skills", s, "target_levels", path),
                                hint=f"Use a level from 0 to {top}.")
