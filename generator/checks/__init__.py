"""Check stage: every rule family, run in this order over the loaded curriculum."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Final

from generator.checks.content import check_bodies, check_outcome_wording
from generator.checks.coverage import check_outcomes_taught_and_assessed, check_skills_developed
from generator.checks.credits import check_credits, check_levels, check_rating_scale
from generator.checks.quizzes import check_quizzes
from generator.checks.references import (
    check_case_study_references,
    check_outcome_references,
    check_schedule_references,
    check_skill_references,
    check_unique_ids,
)
from generator.checks.schedule import check_schedule
from generator.checks.translations import check_translations
from generator.checks.validity import check_quiz_validity
from generator.diagnostics import Diagnostic, sort_key
from generator.load.project import load_project
from generator.mdmemo import keeping_html
from generator.model import Curriculum

if TYPE_CHECKING:
    from generator.cache import Cache

Check = Callable[[Curriculum], Iterator[Diagnostic]]

CHECKS: Final[tuple[Check, ...]] = (
    check_unique_ids,
    check_schedule_references,
    check_outcome_references,
    check_skill_references,
    check_case_study_references,
    check_outcomes_taught_and_assessed,
    check_skills_developed,
    check_credits,
    check_levels,
    check_rating_scale,
    check_schedule,
    check_bodies,
    check_outcome_wording,
    check_quizzes,
    check_quiz_validity,
    check_translations,
)


def run_checks(course: Curriculum) -> list[Diagnostic]:
    """Run every rule over an already loaded curriculum."""
    return [d for check in CHECKS for d in check(course)]


def check_project(root: Path) -> list[Diagnostic]:
    """Load and check the curriculum under `root`; return every diagnostic, sorted."""
    return check_sources(root)[0]


def check_sources(root: Path, cache: Cache | None = None, jobs: int = 1,
                  ) -> tuple[list[Diagnostic], list[PurePosixPath]]:
    """Like `check_project`, and also the source files that were checked (for per-file reports).

    With `cache`, bodies whose text is unchanged take their sanitised HTML from the build cache, as `build` does
    (generator/mdmemo.py), so both judge the same HTML; rendering every body is most of what checking costs.
    `jobs` > 1 loads in that many worker processes, as `build` does (generator/load/parallel.py).
    """
    with keeping_html(cache, root, in_memory=jobs > 1):
        course, diags = load_project(root, jobs)
        diags += run_checks(course)
    return sorted(diags, key=sort_key), course.source_files()
