"""Curriculum-as-code compiler: load → check → render → package → validate → write."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.build import build_project
    from generator.checks import check_project
    from generator.load.project import load_project

__all__ = ["build_project", "check_project", "load_project"]
_HOMES = {"build_project": "generator.build", "check_project": "generator.checks", "load_project": "generator.load.project"}


def __getattr__(name: str) -> object:
    # imported on first use: `curriculum check` needs neither the packagers nor the validators (0.13 s to import)
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'generator' has no attribute {name!r}")
