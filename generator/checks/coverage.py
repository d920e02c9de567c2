"""Check stage: every outcome is taught and assessed; every skill is developed."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic, error, warning
from generator.model import Curriculum

OUTCOME_KINDS = ("knowledge", "skills", "competence")


def check_outcomes_taught_and_assessed(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR210, CUR211, CUR213, CUR214."""
    for unit in course.units:
        if not unit.lessons:
            yield error("CUR213", f"unit {unit.code} has no lessons", unit.file, unit.positions.line("code"),
                        hint=f"Add lessons as {unit.folder}/01-slug.md (docs/authoring.md, Lessons).")
        taught = {ref for lesson in unit.lessons for ref in lesson.meta.outcome_ids}
        assessed = set(unit.unit.assessment.outcome_ids)
        for i, outcome in enumerate(unit.unit.learning_outcomes):
            line = unit.positions.line("learning_outcomes", i, "id")
            if unit.lessons and outcome.id not in taught:
                yield error("CUR210", f"outcome '{outcome.id}' is taught by no lesson", unit.file, line,
                            hint=f"Add {outcome.id} to the outcome_ids of the lesson that teaches it.")
            if outcome.id not in assessed:
                yield error("CUR211", f"outcome '{outcome.id}' is not covered by the assessment of unit {unit.code}",
                            unit.file, line, hint=f"Add {outcome.id} to assessment.outcome_ids.")
        kinds = {o.kind for o in unit.unit.learning_outcomes}
        missing = [k for k in OUTCOME_KINDS if k not in kinds]
        if missing:
            yield warning("CUR214", f"unit {unit.code} has no {' or '.join(missing)} outcome", unit.file,
                          unit.positions.line("learning_outcomes"),
                          hint="ECVET units describe knowledge, skills and competence; add the missing kind.")


def check_skills_developed(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR212."""
    if not course.competences or not course.competences_positions or not course.units:
        return
    developed = {s for u in course.units for o in u.unit.learning_outcomes for s in o.skill_ids}
    pos = course.competences_positions
    for f, field in enumerate(course.competences.activity_fields):
        for s, skill in enumerate(field.skills):
            if skill.id not in developed:
                yield warning("CUR212", f"skill '{skill.id}' ({skill.title}) is developed by no learning outcome",
                              pos.file, pos.line("activity_fields", f, "skills", s, "id"),
                              hint=f"Add {skill.id} to the skill_ids of the outcome that develops it.")
