"""Package stage helper (Moodle backup): badges.xml — a badge per unit and one for the programme — and their images.

The images are drawn here — a medal in the unit's colour showing the unit's number, a star for the
programme — as palette PNGs written with zlib, so they are ours, small, and the same bytes on every build.
"""

from __future__ import annotations

import functools
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree
from markupsafe import escape

from generator.formats.moodle.files import FilePool
from generator.formats.moodle.plan import COURSE_CONTEXT, COURSE_ID, CoursePlan, Section, fit_name
from generator.formats.moodle.xml import E, leaves, node
from generator.numbers import plain_decimal

BADGE_TYPE_COURSE: Final = 2
BADGE_STATUS_ACTIVE: Final = 1
CRITERIA_OVERALL: Final = 0
CRITERIA_ACTIVITY: Final = 1
CRITERIA_COURSE: Final = 4
AGGREGATION_ALL: Final = 1
IMAGE_SIZES: Final = {"f1.png": 100, "f2.png": 35, "f3.png": 512}
"""The three sizes Moodle keeps of a badge image (badges/classes/badge.php, badges_process_badge_image)."""
PALETTE: Final = ((0x1F, 0x5F, 0x8B), (0x2E, 0x7D, 0x32), (0xB2, 0x4C, 0x00), (0x6A, 0x1B, 0x9A), (0x00, 0x69, 0x6F),
                  (0xAD, 0x14, 0x57), (0x45, 0x5A, 0x64), (0x8D, 0x6E, 0x00))
GOLD: Final = (0xC9, 0x9A, 0x2E)


@dataclass(frozen=True, slots=True)
class Badge:
    id: int
    name: str
    description: str
    caption: str
    colour: tuple[int, int, int]
    label: str
    """Digits drawn on the medal (the unit's number), or empty for a star."""
    section: Section | None
    """The unit's section, or None for the programme badge (awarded on course completion)."""


def plan_badges(plan: CoursePlan, gettext: Callable[[str], str]) -> list[Badge]:
    job = plan.job
    badges = []
    for index, section in enumerate((s for s in plan.sections if s.unit is not None), start=1):
        assert section.unit is not None
        unit = section.unit.unit
        outcomes = " ".join(f"{o.id}: {o.text}" for o in unit.learning_outcomes)
        description = gettext("Micro-credential for unit %(code)s \"%(title)s\" of the %(programme)s: "
                              "%(points)s ECVET points, EQF level %(level)s. Learning outcomes: %(outcomes)s") % {
            "code": unit.code, "title": unit.title, "programme": job.programme.title,
            "points": plain_decimal(unit.ecvet_points), "level": unit.eqf_level, "outcomes": outcomes}
        badges.append(Badge(index, fit_name(gettext("Unit %(code)s: %(title)s") % {"code": unit.code, "title": unit.title}),
                            description, gettext("Badge of unit %(code)s") % {"code": unit.code},
                            PALETTE[(index - 1) % len(PALETTE)], unit.code[1:], section))
    if job.scope == "unit":
        return badges  # the course is the unit: its badge already rewards completing it
    description = gettext("Awarded for completing the %(programme)s: %(points)s ECVET points, EQF level %(level)s.") % {
        "programme": job.programme.title, "points": plain_decimal(job.ecvet_points), "level": job.eqf_level}
    badges.append(Badge(len(badges) + 1, fit_name(job.programme.title), description,
                        gettext("Badge of the %(programme)s") % {"programme": job.programme.title}, GOLD, "", None))
    return badges


def badges_xml(plan: CoursePlan, badges: list[Badge], pool: FilePool) -> etree._Element:
    """badges.xml; the images go into the pool, in the course context's `badges/badgeimage` area."""
    issuer = ", ".join(p.name for p in plan.job.programme.partners) or plan.job.programme.title
    elements = []
    for badge in badges:
        for name, size in IMAGE_SIZES.items():
            pool.add(COURSE_CONTEXT, "badges", "badgeimage", badge.id, name,
                     badge_png(size, badge.colour, badge.label))
        elements.append(node("badge", badge.id, leaves(
            ("name", badge.name), ("description", badge.description), ("timecreated", plan.timestamp),
            ("timemodified", plan.timestamp), ("usercreated", None), ("usermodified", None), ("issuername", issuer),
            ("issuerurl", ""), ("issuercontact", ""), ("expiredate", None), ("expireperiod", None),
            ("type", BADGE_TYPE_COURSE), ("courseid", COURSE_ID),
            ("message", str(escape(plan.job.gettext("Congratulations! You earned the badge %(badge)s.")
                                   % {"badge": badge.name}))),
            ("messagesubject", plan.job.gettext("You earned a badge")), ("attachment", 1), ("notification", 0),
            ("status", BADGE_STATUS_ACTIVE), ("nextcron", None), ("version", plan.job.programme.version),
            ("language", plan.job.language), ("imageauthorname", ""), ("imageauthoremail", ""), ("imageauthorurl", ""),
            ("imagecaption", badge.caption)),
            E.criteria(*_criteria(badge)), E.alignments(), E.relatedbadges(), E.manual_awards()))
    return E.badges(*elements)


def _criteria(badge: Badge) -> list[etree._Element]:
    base = badge.id * 10
    overall = node("criterion", base, leaves(("badgeid", badge.id), ("criteriatype", CRITERIA_OVERALL),
                                             ("method", AGGREGATION_ALL), ("description", ""),
                                             ("descriptionformat", 1)), E.parameters())
    if badge.section is None:
        params = [node("parameter", base * 100 + 1, leaves(("critid", base + 1), ("name", f"course_{COURSE_ID}"),
                                                           ("value", COURSE_ID), ("criteriatype", CRITERIA_COURSE)))]
        kind = CRITERIA_COURSE
    else:
        params = [node("parameter", base * 100 + index, leaves(
            ("critid", base + 1), ("name", f"module_{a.cmid}"), ("value", a.cmid), ("criteriatype", CRITERIA_ACTIVITY)))
            for index, a in enumerate(badge.section.activities, start=1)]
        kind = CRITERIA_ACTIVITY
    specific = node("criterion", base + 1, leaves(("badgeid", badge.id), ("criteriatype", kind),
                                                  ("method", AGGREGATION_ALL), ("description", ""),
                                                  ("descriptionformat", 1)), E.parameters(*params))
    return [overall, specific]


# --- the image --------------------------------------------------------------------------------------------

def badge_png(size: int, colour: tuple[int, int, int], label: str = "") -> bytes:
    """A `size`×`size` medal: a dark rim, a disc in `colour`, a light ring, and `label`'s digits in white (a white
    star when empty); transparent corners."""
    rim = tuple(c * 6 // 10 for c in colour)
    ring = tuple(255 - (255 - c) // 3 for c in colour)
    palette = [(0, 0, 0), rim, colour, ring, (255, 255, 255)]
    rows = b"".join(b"\x00" + row for row in _medal_mask(size, label))
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 3, 0, 0, 0))
            + _chunk(b"PLTE", bytes(v for rgb in palette for v in rgb))
            + _chunk(b"tRNS", b"\x00")
            + _chunk(b"IDAT", zlib.compress(rows, 9))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=64)
def _medal_mask(size: int, label: str) -> tuple[bytes, ...]:
    """Palette index per pixel, row by row, filled span by span (scanlines); drawn once per size and label.

    Indexes: 0 transparent, 1 rim, 2 disc, 3 ring, 4 star. Coordinates run from -0.5 to 0.5 across the image.
    """
    star = _star(0.30, 0.13)
    digits = _segments(label)
    rows = []
    for y in range(size):
        v = (y + 0.5) / size - 0.5
        row = bytearray(size)
        for radius, index in ((0.48, 1), (0.43, 2), (0.39, 3), (0.36, 2)):
            if abs(v) < radius:
                half = math.sqrt(radius * radius - v * v)
                _fill(row, size, -half, half, index)
        if label:
            for left, top, right, bottom in digits:
                if top <= v <= bottom:
                    _fill(row, size, left, right, 4)
        else:
            crossings = sorted(x1 + (v - y1) * (x2 - x1) / (y2 - y1) for (x1, y1), (x2, y2)
                               in zip(star, star[1:] + star[:1], strict=True) if (y1 > v) != (y2 > v))
            for left, right in zip(crossings[::2], crossings[1::2], strict=True):  # even-odd rule
                _fill(row, size, left, right, 4)
        rows.append(bytes(row))
    return tuple(rows)


def _fill(row: bytearray, size: int, left: float, right: float, index: int) -> None:
    """Set the pixels whose centres lie between `left` and `right` (image coordinates) to `index`."""
    first = max(0, math.ceil((left + 0.5) * size - 0.5))
    last = min(size - 1, math.floor((right + 0.5) * size - 0.5))
    if last >= first:
        row[first:last + 1] = bytes([index]) * (last - first + 1)


SEGMENTS: Final = {"0": "abcdef", "1": "bc", "2": "abdeg", "3": "abcdg", "4": "bcfg", "5": "acdfg", "6": "acdefg",
                   "7": "abc", "8": "abcdefg", "9": "abcdfg"}
"""Seven-segment digits: a top, b/c right, d bottom, e/f left, g middle."""


def _segments(label: str, width: float = 0.16, height: float = 0.30, thick: float = 0.045,
              gap: float = 0.05) -> list[tuple[float, float, float, float]]:
    """Rectangles (left, top, right, bottom) drawing `label` in seven-segment digits, centred."""
    total = len(label) * width + max(len(label) - 1, 0) * gap
    rectangles = []
    for n, char in enumerate(label):
        x, y, mid = -total / 2 + n * (width + gap), -height / 2, 0.0
        shapes = {"a": (x, y, x + width, y + thick), "d": (x, -y - thick, x + width, -y),
                  "g": (x, mid - thick / 2, x + width, mid + thick / 2),
                  "b": (x + width - thick, y, x + width, mid), "c": (x + width - thick, mid, x + width, -y),
                  "f": (x, y, x + thick, mid), "e": (x, mid, x + thick, -y)}
        rectangles += [shapes[segment] for segment in SEGMENTS.get(char, "")]
    return rectangles


def _star(outer: float, inner: float) -> list[tuple[float, float]]:
    return [((outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
             -(outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5)) for i in range(10)]
