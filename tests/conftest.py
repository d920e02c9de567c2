"""Shared fixtures: sample projects copied to a temp folder, with files replaced or removed.

Tests that need the official XSDs carry the `xsd` marker or live in a module that imports `SCHEMAS`
from helpers. Where no schema set is found (a fresh machine: no ../shared, nothing installed) they
are skipped with the command that fixes it; under CI=true they fail instead, so CI never goes green
without XSD validation.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from helpers import PROJECTS, SCHEMAS, SCHEMAS_FOUND, MakeProject

NO_SCHEMAS = ("the official XSDs are not on this machine (no ../shared/schemas beside the checkout, no installed set): "
              "run `curriculum schemas install` (offline: `--from DIR|ZIP`) to run the tests that need them")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if SCHEMAS_FOUND is not None or not _needs_schemas(item):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NO_SCHEMAS}; CI must run every XSD test", pytrace=False)
    pytest.skip(NO_SCHEMAS)


def _needs_schemas(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return item.get_closest_marker("xsd") is not None or getattr(module, "SCHEMAS", None) is SCHEMAS


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


@pytest.fixture(autouse=True)
def _own_build_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty build cache: no test sees entries another left (tests/test_cache.py shares on purpose)."""
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path_factory.mktemp("build-cache")))
