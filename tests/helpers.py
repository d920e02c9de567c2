"""Small helpers shared by tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator import check_project
from generator.validate import find_schemas

TESTS = Path(__file__).parent
PROJECTS = TESTS / "projects"
REPO = TESTS.parent
SHARED = REPO.parent / "shared"
SCHEMAS_FOUND = find_schemas().path
"""The official XSDs, as `curriculum` finds them: ../shared/schemas in our CI, else an installed set; None when absent."""
SCHEMAS = SCHEMAS_FOUND or SHARED / "schemas"
"""What tests pass as the schemas folder; conftest skips (fails under CI=true) the tests that need it when it is absent."""

MakeProject = Callable[..., Path]


def found(root: Path, code: str | None = None) -> list[tuple[str, str, int | None]]:
    """(code, file, line) of every diagnostic, optionally only one code."""
    return [(d.code, str(d.file), d.line) for d in check_project(root) if code is None or d.code == code]


def codes(root: Path) -> list[str]:
    return [d.code for d in check_project(root)]
