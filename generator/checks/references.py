"""Check stage: identifiers are unique and every reference resolves."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath

from generator.diagnostics import Diagnostic, error
from generator.model import Curriculum


def check_unique_ids(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR201."""
    seen: dict[tuple[str, str], tuple[PurePosixPath, int | None]] = {}

    def claim(kind: str, ident: str, file: PurePosixPath, line: int | None) -> Iterator[Diagnostic]:
        first = seen.get((kind, ident))
        if first:
            yield error("CUR201", f"{kind} id '{ident}' is already used in {first[0]}:{first[1] or 1}", file, line,
                        hint=f"Give this {kind} a different id.")
        else:
            seen[(kind, ident)] = (file, line)

    for unit in course.units:
        yield from claim("unit", unit.code, unit.file, unit.positions.line("code"))
        for i, outcome in enumerate(unit.unit.learning_outcomes):
            yield from claim("outcome", outcome.id, unit.file, unit.positions.line("learning_outcomes", i, "id"))
        for lesson in unit.lessons:
            yield from claim("lesson", lesson.id, lesson.file, lesson.positions.line("id"))
        if unit.quiz and unit.quiz_positions:
            for q, question in enumerate(unit.quiz.questions):
                yield from claim("question", question.id, unit.quiz_positions.file,
                                 unit.quiz_positions.line("questions", q, "id"))
    for case in course.case_studies:
        yield from claim("case study", case.id, case.file, case.positions.line("id"))
    if course.competences and course.competences_positions:
        pos = course.competences_positions
        for f, field in enumerate(course.competences.activity_fields):
            yield from claim("activity field", field.id, pos.file, pos.line("activity_fields", f, "id"))
            for s, skill in enumerate(field.skills):
                yield from claim("skill", skill.id, pos.file, pos.line("activity_fields", f, "skills", s, "id"))
    yield from _check_page_ids(course)
    if course.programme and course.programme_positions:
        pos = course.programme_positions
        for i, path in enumerate(course.programme.career_paths):
            yield from claim("career path", path.id, pos.file, pos.line("career_paths", i, "id"))
        for i, slot in enumerate(course.programme.units):
            yield from claim("scheduled unit", slot.code, pos.file, pos.line("units", i, "code"))


def _check_page_ids(course: Curriculum) -> Iterator[Diagnostic]:
    """Lessons, case studies, units and quizzes become items of one package: their ids must differ across kinds.

    Two ids of the same kind are reported by `check_unique_ids` already.
    """
    pages: list[tuple[str, str, str, PurePosixPath, int | None]] = []  # (id, kind, what, file, line)
    if course.programme and course.programme_positions:
        pos = course.programme_positions
        pages.append((course.programme.id, "programme", "the programme", pos.file, pos.line("id")))
    pages.append(("SELF-ASSESSMENT", "profile", "the self-assessment", PurePosixPath("curriculum/competences.yaml"), None))
    for unit in course.units:
        line = unit.positions.line("code")
        pages.append((unit.code, "unit", f"unit {unit.code}", unit.file, line))
        pages.append((f"{unit.code}-QUIZ", "quiz", f"the quiz of unit {unit.code}", unit.file, line))
        pages += [(lesson.id, "lesson", f"lesson {lesson.id}", lesson.file, lesson.positions.line("id"))
                  for lesson in unit.lessons]
    pages += [(case.id, "case", f"case study {case.id}", case.file, case.positions.line("id"))
              for case in course.case_studies]
    first: dict[str, tuple[str, str, PurePosixPath]] = {}
    for ident, kind, what, file, line in pages:
        owner = first.setdefault(ident, (kind, what, file))
        if owner[0] != kind:
            yield error("CUR201", f"id '{ident}' of {what} is also the id of {owner[1]} ({owner[2]})", file, line,
                        hint="Packages hold every page under its id; give this one an id of its own.")


def check_schedule_references(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR202, CUR203."""
    if not course.programme or not course.programme_positions:
        return
    known = {u.code for u in course.units}
    scheduled = {s.code for s in course.programme.units}
    for i, slot in enumerate(course.programme.units):
        if slot.code not in known:
            yield error("CUR202", f"the programme schedules unit '{slot.code}', but no modules/*/unit.yaml has that code",
                        course.programme_positions.file, course.programme_positions.line("units", i, "code"),
                        hint=f"Create the unit or remove it from 'units'. Known units: {_listing(known)}.")
    for unit in course.units:
        if unit.code not in scheduled:
            yield error("CUR203", f"unit '{unit.code}' is not in the programme's 'units' list", unit.file,
                        unit.positions.line("code"),
                        hint=f"Add '- {{code: {unit.code}, months: [..]}}' to 'units' in curriculum/programme.yaml.")


def check_outcome_references(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR204, CUR206, CUR209."""
    owner = {o.id: u.code for u in course.units for o in u.unit.learning_outcomes}
    for unit in course.units:
        own = [o.id for o in unit.unit.learning_outcomes]
        for lesson in unit.lessons:
            for i, ref in enumerate(lesson.meta.outcome_ids):
                line = lesson.positions.line("outcome_ids", i)
                if ref not in owner:
                    yield error("CUR204", f"lesson '{lesson.id}' references unknown outcome '{ref}'", lesson.file, line,
                                hint=f"unit {unit.code} defines {_listing(own)}; add {ref} to its outcomes or fix the reference.")
                elif owner[ref] != unit.code:
                    yield error("CUR209", f"lesson '{lesson.id}' of unit {unit.code} references outcome '{ref}' of unit {owner[ref]}",
                                lesson.file, line, hint=f"A lesson teaches its own unit's outcomes: {_listing(own)}.")
        for i, ref in enumerate(unit.unit.assessment.outcome_ids):
            if ref not in own:
                yield error("CUR206", f"assessment of unit {unit.code} covers unknown outcome '{ref}'", unit.file,
                            unit.positions.line("assessment", "outcome_ids", i),
                            hint=f"unit {unit.code} defines {_listing(own)}.")


def check_skill_references(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR205, CUR208."""
    skills = course.skills()
    if course.competences is None:
        return
    for unit in course.units:
        for o, outcome in enumerate(unit.unit.learning_outcomes):
            for s, ref in enumerate(outcome.skill_ids):
                if ref not in skills:
                    yield error("CUR205", f"outcome '{outcome.id}' references unknown skill '{ref}'", unit.file,
                                unit.positions.line("learning_outcomes", o, "skill_ids", s),
                                hint=f"Skills are defined in curriculum/competences.yaml ({_near(ref, skills)}).")
    if not course.programme or not course.competences_positions:
        return
    paths = [p.id for p in course.programme.career_paths]
    pos = course.competences_positions
    for f, field in enumerate(course.competences.activity_fields):
        for s, skill in enumerate(field.skills):
            line = pos.line("activity_fields", f, "skills", s, "target_levels")
            for missing in (p for p in paths if p not in skill.target_levels):
                yield error("CUR208", f"skill '{skill.id}' has no target level for career path '{missing}'",
                            pos.file, line, hint=f"Add '{missing}: <level>' to its target_levels.")
            for unknown in sorted(set(skill.target_levels) - set(paths)):
                yield error("CUR208", f"skill '{skill.id}' sets a target for unknown career path '{unknown}'",
                            pos.file, pos.line("activity_fields", f, "skills", s, "target_levels", unknown),
                            hint=f"Career paths in curriculum/programme.yaml: {_listing(paths)}.")


def check_case_study_references(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR207."""
    known = {u.code for u in course.units}
    for case in course.case_studies:
        for i, ref in enumerate(case.meta.unit_ids):
            if ref not in known:
                yield error("CUR207", f"case study '{case.id}' serves unknown unit '{ref}'", case.file,
                            case.positions.line("unit_ids", i), hint=f"Known units: {_listing(known)}.")


def _listing(items: object) -> str:
    values = sorted(items) if not isinstance(items, list) else items  # type: ignore[call-overload]
    if not values:
        return "none"
    shown = ", ".join(values[:8])
    return shown + (f" … ({len(values)} in all)" if len(values) > 8 else "")


def _near(ref: str, known: Mapping[str, object]) -> str:
    prefix = ref.split(".")[0]
    same_field = sorted(k for k in known if k.startswith(prefix + "."))
    return f"{prefix} has {_listing(same_field)}" if same_field else f"fields: {_listing({k[:3] for k in known})}"
