"""Render stage: the data the self-assessment page works from (profile, targets, units), as JSON.

The page computes the gap analysis in the browser, offline, with the same rules as `curriculum profile`
(docs/profile.md): gap = target - rating (never below 0), weighted by the importance the chosen
country's practitioners gave the skill; units are recommended by the weighted gaps they close.
"""

from __future__ import annotations

from typing import Final

from markupsafe import Markup

from generator.model import Curriculum
from generator.numbers import plain_decimal
from generator.render.site import script_json

IMPORTANCE_WEIGHTS: Final = {"++": 1.5, "+": 1.0, "-": 0.75, "--": 0.5}
PAGE: Final = "self-assessment.html"
PAGE_ID: Final = "SELF-ASSESSMENT"


def package_name(course: Curriculum, lang: str | None) -> str:
    """File name of the self-assessment's own SCORM 1.2 package, which cartridge pages tell teachers to add."""
    assert course.programme is not None
    source = course.programme.languages[0]
    base = course.programme.id if lang in (None, source) else f"{course.programme.id}-{lang}"
    return f"{base}-self-assessment-scorm12.zip"


def self_assessment_data(course: Curriculum) -> Markup:
    assert course.programme is not None and course.competences is not None
    schedule = {s.code: list(s.months) for s in course.programme.units}
    data = {
        "programme": course.programme.id,
        "scale": [{"level": r.level, "label": r.label, "description": r.description}
                  for r in course.competences.rating_scale],
        "paths": [{"id": p.id, "title": p.title} for p in course.programme.career_paths],
        "weights": IMPORTANCE_WEIGHTS,
        "fields": [{"id": f.id, "title": f.title,
                    "skills": [{"id": s.id, "title": s.title, "importance": s.importance.model_dump(),
                                "targets": s.target_levels} for s in f.skills]}
                   for f in course.competences.activity_fields],
        "units": [{"code": u.code, "title": u.unit.title, "points": plain_decimal(u.unit.ecvet_points),
                   "months": schedule.get(u.code, []),
                   "skills": sorted({s for o in u.unit.learning_outcomes for s in o.skill_ids})}
                  for u in course.units_in_order()],
    }
    return script_json(data)
