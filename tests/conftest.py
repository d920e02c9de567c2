"""Shared fixtures: sample projects copied to a temp folder, with files replaced or removed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import PROJECTS, MakeProject


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite golden files from current output.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """Copy a sample project (default `minimal`) and apply `files`: path -> new text, or None to delete."""

    def make(files: dict[str, str | bytes | None] | None = None, base: str = "minimal") -> Path:
        root = tmp_path / "project"
        shutil.copytree(PROJECTS / base, root)
        for rel, content in (files or {}).items():
            target = root / rel
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return root

    return make
