"""Helpers for tests that run the compiler as a new user would: a copy of the project, an empty HOME, no schemas."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO

NOT_COPIED = shutil.ignore_patterns(".git", "build", "dist", "node_modules", "__pycache__", "*.egg-info", ".pytest_cache",
                                    ".mypy_cache", ".ruff_cache", ".hypothesis", ".venv")


def copy_of_the_project(tmp_path: Path) -> Path:
    """The repository as a clone with nothing beside it (no ../shared)."""
    root = tmp_path / "clone" / "proj"
    shutil.copytree(REPO, root, ignore=NOT_COPIED)
    return root


def new_user_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a new user: an empty HOME, no data folders set, no schema variables."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_", "CURRICULUM_")) and k not in ("PYTHONPATH", "SOURCE_DATE_EPOCH")}
    return {**env, "HOME": str(home), **extra}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def python() -> str:
    return sys.executable
