"""Render stage: the 12-month timeline of the programme overview, laid out in Python for an inline SVG."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from generator.model import Programme, UnitSource
from generator.numbers import plain_decimal

LEFT, TOP, MONTH_WIDTH, ROW, BAR, BOTTOM = 52, 34, 56, 26, 18, 58


@dataclass(frozen=True, slots=True)
class MonthColumn:
    x: int
    label: str
    even: bool


@dataclass(frozen=True, slots=True)
class Bar:
    code: str
    x: int
    y: int
    width: int
    height: int
    label: str
    title: str
    capstone: bool


@dataclass(frozen=True, slots=True)
class Marker:
    x: int
    y: int
    label: str
    title: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    left: int
    top: int
    month_width: int
    rows_height: int
    months: tuple[MonthColumn, ...]
    bars: tuple[Bar, ...]
    meetings: tuple[Marker, ...]


def layout_timeline(programme: Programme, units: tuple[UnitSource, ...], gettext: Callable[[str], str]) -> Timeline:
    """One row per unit; a bar spans each run of consecutive months (a unit may pause and resume)."""
    by_code = {u.code: u for u in units}
    slots = [s for s in programme.units if s.code in by_code]
    rows_height = max(1, len(slots)) * ROW
    months = tuple(MonthColumn(LEFT + (m - 1) * MONTH_WIDTH, str(m), m % 2 == 0)
                   for m in range(1, programme.duration_months + 1))
    bars = []
    most = max((by_code[s.code].unit.ecvet_points for s in slots), default=Decimal(0))
    for row, slot in enumerate(slots):
        unit = by_code[slot.code].unit
        points = plain_decimal(unit.ecvet_points)
        for start, end in _runs(sorted(slot.months)):
            bars.append(Bar(slot.code, LEFT + (start - 1) * MONTH_WIDTH + 2, TOP + row * ROW + (ROW - BAR) // 2,
                            (end - start + 1) * MONTH_WIDTH - 4, BAR,
                            gettext("%(points)s pts") % {"points": points},
                            f"{slot.code} {unit.title}: " + gettext("%(points)s ECVET points") % {"points": points},
                            unit.ecvet_points == most and len(slot.months) > 2))
    marker_y = TOP + rows_height + 18
    meetings = tuple(Marker(LEFT + (m.month - 1) * MONTH_WIDTH + MONTH_WIDTH // 2, marker_y, m.place,
                            f"{m.title}, {m.place} ({m.country})") for m in programme.meetings)
    width = LEFT + programme.duration_months * MONTH_WIDTH + 12
    return Timeline(width, TOP + rows_height + BOTTOM, LEFT, TOP, MONTH_WIDTH, rows_height, months, tuple(bars),
                    meetings)


def _runs(months: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for month in months:
        if runs and month == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs
