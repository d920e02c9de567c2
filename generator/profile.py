"""Profile: gap analysis of a learner's self-assessment against a career path's target profile.

The rules (docs/profile.md) are shared with the in-browser self-assessment page, which computes the
same numbers in JavaScript: change them in both places or in neither.
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from pydantic_core import ErrorDetails

from generator.diagnostics import Diagnostic, count, error, sort_key, to_json_obj, warning
from generator.load.files import UnsafeFile, read_bytes_safely
from generator.load.project import load_project
from generator.model import ActivityField, Competences, Curriculum, Programme, Skill
from generator.numbers import plain_decimal

Country = Literal["DE", "FR", "CH"]
COUNTRIES: Final = ("DE", "FR", "CH")
IMPORTANCE_WEIGHTS: Final[Mapping[str, float]] = MappingProxyType({"++": 1.5, "+": 1.0, "-": 0.75, "--": 0.5})
"""Every weight is a multiple of 1/4, so weighted gaps and their sums are exact in binary floating point,
in Python as in JavaScript."""
LARGEST_GAPS_SHOWN: Final = 10
BAR_WIDTH: Final = 20
MAX_LISTED: Final = 8
MAX_RATINGS_BYTES: Final = 1024 * 1024
"""A self-assessment of a few hundred skills is a few KB."""
MAX_DEPTH: Final = 32
"""Nesting of arrays and objects; the file needs 2 (json's parser recurses and ends in RecursionError)."""
MAX_DIGITS: Final = 18
"""Digits of a number; a rating is one or two (int() refuses over 4300 digits with a ValueError)."""
MAX_UNKNOWN_LISTED: Final = 20


class RatingsFile(BaseModel):
    """A self-assessment as saved by the self-assessment page or written by hand (JSON)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
    format: Literal["curriculum-self-assessment/1"] | None = None
    """Written by the self-assessment page, so a file can be recognised."""
    programme: str | None = None
    """Id of the programme whose profile was rated (the page writes it)."""
    career_path: Annotated[str, Field(min_length=1)] | None = None
    """Career path id from programme.yaml; `--path` overrides it."""
    country: Country | None = None
    """Country context that weights the gaps by the workshop importance; `--country` overrides it."""
    ratings: dict[str, StrictInt]
    """Skill id -> level on the rating scale."""
    taken: datetime.date | None = None
    """When the self-assessment was taken, YYYY-MM-DD."""


@dataclass(frozen=True, slots=True)
class Ratings:
    """A validated self-assessment: a level for every skill of the profile (unrated skills count as 0)."""

    career_path: str
    country: str | None
    levels: Mapping[str, int]
    taken: datetime.date | None
    file: PurePosixPath | None = None


@dataclass(frozen=True, slots=True)
class SkillGap:
    id: str
    title: str
    field_id: str
    rating: int
    target: int
    gap: int
    """max(0, target - rating)."""
    weight: float
    """Importance weight in the country context, 1.0 without one."""
    weighted_gap: float


@dataclass(frozen=True, slots=True)
class FieldSummary:
    id: str
    title: str
    mean_rating: float
    mean_target: float
    total_gap: int
    total_weighted_gap: float


@dataclass(frozen=True, slots=True)
class UnitRecommendation:
    code: str
    title: str
    ecvet_points: Decimal
    months: tuple[int, ...]
    skill_ids: tuple[str, ...]
    """Skills with a gap that the unit's outcomes develop, by id."""
    score: float
    """Sum of the weighted gaps of `skill_ids`."""


@dataclass(frozen=True, slots=True)
class Profile:
    career_path: str
    career_path_title: str
    country: str | None
    taken: datetime.date | None
    scale: tuple[tuple[int, str], ...]
    """(level, label) of the rating scale."""
    skills: tuple[SkillGap, ...]
    """Every skill, in profile order."""
    fields: tuple[FieldSummary, ...]
    largest_gaps: tuple[SkillGap, ...]
    """Skills with a gap, largest weighted gap first, then by skill id."""
    recommended_units: tuple[UnitRecommendation, ...]
    """Units that close at least one gap, highest score first, then in programme order."""


@dataclass(frozen=True, slots=True)
class SkillChange:
    id: str
    title: str
    field_id: str
    earlier: int
    later: int

    @property
    def change(self) -> int:
        return self.later - self.earlier


@dataclass(frozen=True, slots=True)
class Comparison:
    earlier_taken: datetime.date | None
    later_taken: datetime.date | None
    changes: tuple[SkillChange, ...]
    """Every skill, in profile order."""

    @property
    def improved(self) -> int:
        return sum(1 for c in self.changes if c.change > 0)

    @property
    def declined(self) -> int:
        return sum(1 for c in self.changes if c.change < 0)

    @property
    def unchanged(self) -> int:
        return sum(1 for c in self.changes if c.change == 0)


@dataclass(frozen=True, slots=True)
class ProfileReport:
    profile: Profile | None
    """None when the inputs have errors."""
    comparison: Comparison | None
    diagnostics: tuple[Diagnostic, ...]


# --- reading ratings ------------------------------------------------------------------------------

def read_ratings(path: Path, course: Curriculum, career_path: str | None = None,
                 country: str | None = None) -> tuple[Ratings | None, list[Diagnostic]]:
    """Read and validate a ratings file; `career_path` and `country` override what the file says.

    Diagnostics: CUR501-CUR507, CUR509, CUR510.
    """
    rel = PurePosixPath(path.as_posix())
    try:
        text = read_bytes_safely(path, MAX_RATINGS_BYTES, shown=str(rel)).decode("utf-8")
    except UnsafeFile as exc:
        code = "CUR510" if exc.code == "CUR110" else "CUR501"
        return None, [error(code, f"cannot read ratings file: {exc.message}", rel,
                            hint="Give the JSON file the self-assessment page saved.")]
    except (OSError, RuntimeError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else (
            "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc))
        return None, [error("CUR501", f"cannot read ratings file: {reason}", rel,
                            hint="Give the JSON file the self-assessment page saved.")]
    return parse_ratings(text, rel, course, career_path, country)


def parse_ratings(text: str, file: PurePosixPath | None, course: Curriculum, career_path: str | None = None,
                  country: str | None = None) -> tuple[Ratings | None, list[Diagnostic]]:
    """Validate ratings text against the curriculum's profile, rating scale and career paths.

    Diagnostics: CUR501-CUR507, CUR509, CUR510.
    """
    diags: list[Diagnostic] = []
    limit = _beyond_limits(text)
    if limit is not None:
        message, line = limit
        return None, [error("CUR510", f"ratings file {message}", file, line,
                            hint="Give the JSON file the self-assessment page saved; it is small and flat.")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [error("CUR501", f"ratings file is not valid JSON: {exc.msg}", file, exc.lineno, column=exc.colno,
                            hint='Write a JSON object such as {"career_path": "...", "ratings": {"F01.S01": 2}}.')]
    try:
        source = RatingsFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        shown = [_shape_error(e, text, file) for e in errors[:MAX_UNKNOWN_LISTED]]
        if len(errors) > MAX_UNKNOWN_LISTED:
            shown.append(error("CUR502", f"{len(errors) - MAX_UNKNOWN_LISTED:,} more problems are not listed", file,
                               hint="Give the JSON file the self-assessment page saved."))
        return None, shown
    chosen_path = career_path or source.career_path
    chosen_country = country or source.country
    if source.programme and course.programme and source.programme != course.programme.id:
        diags.append(warning("CUR509", f"the ratings were taken for programme '{source.programme}', not "
                                       f"'{course.programme.id}'", file, _line_of(text, '"programme"'),
                             hint="Check that you passed the right curriculum folder; skill ids may differ."))
    diags += _check_career_path(chosen_path, course, file, text)
    diags += _check_country(chosen_country, file)
    levels, level_diags = _check_levels(source.ratings, course, file, text)
    diags += level_diags
    if any(d.is_error for d in diags) or chosen_path is None:
        return None, diags
    return Ratings(chosen_path, chosen_country, MappingProxyType(levels), source.taken, file), diags


def _beyond_limits(text: str) -> tuple[str, int] | None:
    """Why `text` is too large, deep or long-numbered to parse safely, and the line; one linear pass."""
    if len(text) > MAX_RATINGS_BYTES:
        return f"is {len(text):,} characters; the limit is {MAX_RATINGS_BYTES:,}", 1
    depth, digits, line, in_string, escaped = 0, 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            in_string, escaped = (not (char == '"' and not escaped), char == "\\" and not escaped)
            continue
        digits = digits + 1 if char.isdigit() else 0
        if digits > MAX_DIGITS:
            return f"holds a number of more than {MAX_DIGITS} digits", line
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return f"nests arrays or objects more than {MAX_DEPTH} deep", line
        elif char in "]}":
            depth -= 1
        elif char == '"':
            in_string = True
    return None


def _shape_error(err: ErrorDetails, text: str, file: PurePosixPath | None) -> Diagnostic:
    loc = tuple(str(part) for part in err["loc"])
    where = ".".join(loc) or "(top level)"
    if loc[:1] == ("ratings",) and len(loc) == 2:
        return error("CUR505", f"rating of '{loc[1]}' is not a whole number: {err['msg']}", file,
                     _line_of(text, f'"{loc[1]}"'), hint="Use a whole number on the rating scale, e.g. 2.")
    if loc == ("country",):
        return error("CUR507", f"country '{err.get('input')}' is not one of {', '.join(COUNTRIES)}", file,
                     _line_of(text, '"country"'), hint="Use DE, FR or CH, or leave the country out.")
    kind = {"missing": "missing field", "extra_forbidden": "unknown field"}.get(str(err["type"]), "wrong value")
    return error("CUR502", f"{kind} '{where}': {err['msg']}", file, _line_of(text, f'"{loc[-1]}"') if loc else None,
                 hint="The file holds career_path, country (optional), ratings and taken (optional).")


def _check_career_path(path: str | None, course: Curriculum, file: PurePosixPath | None, text: str) -> list[Diagnostic]:
    known = [p.id for p in course.programme.career_paths] if course.programme else []
    if path is None:
        return [error("CUR503", "no career path given", file, hint=f"Add \"career_path\" or use --path: {', '.join(known)}.")]
    if path not in known:
        return [error("CUR503", f"unknown career path '{path}'", file, _line_of(text, '"career_path"'),
                      hint=f"Known career paths: {', '.join(known)}.")]
    return []


def _check_country(country: str | None, file: PurePosixPath | None) -> list[Diagnostic]:
    if country is None or country in COUNTRIES:
        return []
    return [error("CUR507", f"country '{country}' is not one of {', '.join(COUNTRIES)}", file,
                  hint="Use DE, FR or CH, or leave the country out.")]


def _check_levels(ratings: Mapping[str, int], course: Curriculum, file: PurePosixPath | None,
                  text: str) -> tuple[dict[str, int], list[Diagnostic]]:
    skills = course.skills()
    top = _top_level(course)
    diags: list[Diagnostic] = []
    unknown = [skill_id for skill_id in ratings if skill_id not in skills]
    for skill_id in unknown[:MAX_UNKNOWN_LISTED]:  # each looks up its line: keep a hostile file from stalling
        diags.append(error("CUR504", f"unknown skill '{skill_id[:60]}'", file, _line_of(text, f'"{skill_id}"'),
                           hint="Skill ids are listed in curriculum/competences.yaml, e.g. F01.S01."))
    if len(unknown) > MAX_UNKNOWN_LISTED:
        diags.append(error("CUR504", f"{len(unknown) - MAX_UNKNOWN_LISTED:,} more unknown skills are not listed", file,
                           hint="Is this the self-assessment of another programme?"))
    for skill_id, level in ratings.items():
        if skill_id not in skills:
            continue
        if not 0 <= level <= top:
            diags.append(error("CUR505", f"rating {level} of '{skill_id}' is outside the rating scale 0-{top}", file,
                               _line_of(text, f'"{skill_id}"'), hint=f"Use a level from 0 to {top}."))
    missing = [s for s in skills if s not in ratings]
    if missing:
        listed = ", ".join(missing[:MAX_LISTED]) + (f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else "")
        diags.append(warning("CUR506", f"{len(missing)} skill(s) not rated, counted as 0: {listed}", file,
                             hint="Rate every skill for a complete profile."))
    return {s: ratings.get(s, 0) for s in skills}, diags


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _top_level(course: Curriculum) -> int:
    return max((r.level for r in course.competences.rating_scale), default=0) if course.competences else 0


# --- analysis -------------------------------------------------------------------------------------

def analyse(course: Curriculum, ratings: Ratings) -> Profile:
    """The gap analysis of validated ratings: per skill, per activity field, largest gaps, recommended units."""
    competences, programme = _parts(course)
    skills = tuple(_skill_gap(f, s, ratings) for f in competences.activity_fields for s in f.skills)
    gaps = tuple(sorted((g for g in skills if g.gap > 0), key=lambda g: (-g.weighted_gap, g.id)))
    titles = {p.id: p.title for p in programme.career_paths}
    return Profile(ratings.career_path, titles.get(ratings.career_path, ratings.career_path), ratings.country,
                   ratings.taken, tuple((r.level, r.label) for r in competences.rating_scale), skills,
                   tuple(_field_summary(f, [g for g in skills if g.field_id == f.id]) for f in competences.activity_fields),
                   gaps, recommend_units(course, gaps))


def _parts(course: Curriculum) -> tuple[Competences, Programme]:
    if course.competences is None or course.programme is None:
        raise ValueError("analyse() needs a curriculum whose programme and competences loaded")
    return course.competences, course.programme


def _skill_gap(field: ActivityField, skill: Skill, ratings: Ratings) -> SkillGap:
    rating = ratings.levels.get(skill.id, 0)
    target = skill.target_levels.get(ratings.career_path, 0)
    gap = max(0, target - rating)
    weight = IMPORTANCE_WEIGHTS[getattr(skill.importance, ratings.country)] if ratings.country else 1.0
    return SkillGap(skill.id, skill.title, field.id, rating, target, gap, weight, gap * weight)


def _field_summary(field: ActivityField, gaps: list[SkillGap]) -> FieldSummary:
    count = len(gaps) or 1
    return FieldSummary(field.id, field.title, sum(g.rating for g in gaps) / count, sum(g.target for g in gaps) / count,
                        sum(g.gap for g in gaps), sum(g.weighted_gap for g in gaps))


def recommend_units(course: Curriculum, gaps: Iterable[SkillGap]) -> tuple[UnitRecommendation, ...]:
    """Units whose outcomes develop skills with a gap, by the sum of those weighted gaps, ties in programme order."""
    by_id = {g.id: g for g in gaps if g.gap > 0}
    schedule = {s.code: s.months for s in course.programme.units} if course.programme else {}
    ranked: list[tuple[float, int, UnitRecommendation]] = []
    for position, source in enumerate(course.units_in_order()):
        closes = tuple(sorted({s for o in source.unit.learning_outcomes for s in o.skill_ids if s in by_id}))
        if not closes:
            continue
        score = sum(by_id[s].weighted_gap for s in closes)
        months = tuple(schedule.get(source.code, source.unit.months or ()))
        ranked.append((score, position, UnitRecommendation(source.code, source.unit.title, source.unit.ecvet_points,
                                                           months, closes, score)))
    return tuple(r for _, _, r in sorted(ranked, key=lambda r: (-r[0], r[1])))


def compare(course: Curriculum, earlier: Ratings, later: Ratings) -> Comparison:
    """Per skill, the level in the earlier and in the later self-assessment."""
    competences, _ = _parts(course)
    changes = tuple(SkillChange(s.id, s.title, f.id, earlier.levels.get(s.id, 0), later.levels.get(s.id, 0))
                    for f in competences.activity_fields for s in f.skills)
    return Comparison(earlier.taken, later.taken, changes)


def profile_project(root: Path, ratings_path: Path, career_path: str | None = None, country: str | None = None,
                    compare_path: Path | None = None) -> ProfileReport:
    """Load the curriculum under `root`, read the ratings (and an earlier file to compare) and analyse them.

    Diagnostics: CUR1xx from loading, CUR501-CUR508.
    """
    course, diags = load_project(root)
    if any(d.is_error for d in diags) or course.competences is None or course.programme is None:
        return ProfileReport(None, None, tuple(sorted(diags, key=sort_key)))
    ratings, found = read_ratings(ratings_path, course, career_path, country)
    diags += found
    earlier = None
    if compare_path is not None:
        earlier, found = read_ratings(compare_path, course, career_path or (ratings.career_path if ratings else None))
        diags += found
        if earlier and ratings and earlier.taken and ratings.taken and earlier.taken > ratings.taken:
            diags.append(warning("CUR508", f"the earlier self-assessment ({earlier.taken}) is dated after the later one "
                                           f"({ratings.taken})", earlier.file,
                                 hint="Give the earlier file to --compare and the later one to --ratings."))
    if ratings is None or any(d.is_error for d in diags):
        return ProfileReport(None, None, tuple(sorted(diags, key=sort_key)))
    comparison = compare(course, earlier, ratings) if earlier else None
    return ProfileReport(analyse(course, ratings), comparison, tuple(sorted(diags, key=sort_key)))


# --- presenting -----------------------------------------------------------------------------------

def profile_json(report: ProfileReport) -> dict[str, object]:
    """The report as JSON-ready data: the same numbers the self-assessment page computes."""
    profile, comparison = report.profile, report.comparison
    errors, warnings = count(report.diagnostics)
    data: dict[str, object] = {
        "profile": None if profile is None else {
            "career_path": profile.career_path, "career_path_title": profile.career_path_title,
            "country": profile.country, "taken": _date(profile.taken),
            "scale": [{"level": level, "label": label} for level, label in profile.scale],
            "skills": [_skill_json(g) for g in profile.skills],
            "fields": [{"id": f.id, "title": f.title, "mean_rating": f.mean_rating, "mean_target": f.mean_target,
                        "total_gap": f.total_gap, "total_weighted_gap": f.total_weighted_gap} for f in profile.fields],
            "largest_gaps": [g.id for g in profile.largest_gaps],
            "recommended_units": [{"code": u.code, "title": u.title, "ecvet_points": float(u.ecvet_points),
                                   "months": list(u.months), "skill_ids": list(u.skill_ids), "score": u.score}
                                  for u in profile.recommended_units]},
        "comparison": None if comparison is None else {
            "earlier_taken": _date(comparison.earlier_taken), "later_taken": _date(comparison.later_taken),
            "improved": comparison.improved, "declined": comparison.declined, "unchanged": comparison.unchanged,
            "changes": [{"id": c.id, "field_id": c.field_id, "earlier": c.earlier, "later": c.later, "change": c.change}
                        for c in comparison.changes]},
        "diagnostics": [to_json_obj(d) for d in report.diagnostics],
        "errors": errors,
        "warnings": warnings,
    }
    return data


def _skill_json(gap: SkillGap) -> dict[str, object]:
    return {"id": gap.id, "title": gap.title, "field_id": gap.field_id, "rating": gap.rating, "target": gap.target,
            "gap": gap.gap, "weight": gap.weight, "weighted_gap": gap.weighted_gap}


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def format_profile(report: ProfileReport) -> str:
    """The report as a plain-text table for a terminal."""
    profile = report.profile
    if profile is None:
        return ""
    top = max((level for level, _ in profile.scale), default=1) or 1
    lines = [f"Competence profile against: {profile.career_path_title} ({profile.career_path})"
             + (f", weighted for {profile.country}" if profile.country else "")
             + (f", self-assessment of {profile.taken}" if profile.taken else ""),
             "Scale: " + ", ".join(f"{level} {label}" for level, label in profile.scale),
             "", f"Activity fields   # rating  - gap to target  . rest of the scale (0-{top})"]
    width = max((len(f.title) for f in profile.fields), default=0)
    width = min(width, 48)
    for f in profile.fields:
        lines.append(f"  {f.id} {_clip(f.title, width):<{width}}  [{_bar(f.mean_rating, f.mean_target, top)}]  "
                     f"{f.mean_rating:.1f} / {f.mean_target:.1f}  gap {f.total_gap}")
    lines += ["", f"Largest gaps (weighted{' for ' + profile.country if profile.country else ''}):"]
    for g in profile.largest_gaps[:LARGEST_GAPS_SHOWN]:
        lines.append(f"  {g.id}  {g.rating} -> {g.target}  gap {g.gap} x {g.weight:g} = {g.weighted_gap:g}  {_clip(g.title, 70)}")
    if not profile.largest_gaps:
        lines.append("  none: every rating meets the target profile")
    lines += ["", "Recommended units:"]
    for u in profile.recommended_units:
        lines.append(f"  {u.code}  {_clip(u.title, 48):<48}  {plain_decimal(u.ecvet_points)} ECVET points  {_months(u.months):<12}"
                     f"  closes {', '.join(u.skill_ids)} (score {u.score:g})")
    if not profile.recommended_units:
        lines.append("  none")
    if report.comparison:
        lines += ["", *_format_comparison(report.comparison)]
    return "\n".join(lines)


def _format_comparison(comparison: Comparison) -> list[str]:
    since = f" since {comparison.earlier_taken}" if comparison.earlier_taken else ""
    lines = [f"Change{since}: {comparison.improved} skill(s) up, {comparison.declined} down, {comparison.unchanged} unchanged"]
    for c in comparison.changes:
        if c.change:
            lines.append(f"  {c.id}  {c.earlier} -> {c.later}  {c.change:+d}  {_clip(c.title, 70)}")
    return lines


def _bar(rating: float, target: float, top: int) -> str:
    held = math.floor(rating / top * BAR_WIDTH + 0.5)
    aimed = math.floor(target / top * BAR_WIDTH + 0.5)
    return "#" * held + "-" * max(0, aimed - held) + "." * (BAR_WIDTH - max(held, aimed))


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _months(months: tuple[int, ...]) -> str:
    if not months:
        return ""
    ordered = sorted(months)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"months {ordered[0]}-{ordered[-1]}"
    return ("month " if len(ordered) == 1 else "months ") + ",".join(map(str, ordered))
