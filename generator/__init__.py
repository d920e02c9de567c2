"""Curriculum-as-code compiler: load → check → render → package → validate → write."""

from generator.build import build_project
from generator.checks import check_project
from generator.load.project import load_project

__all__ = ["build_project", "check_project", "load_project"]
