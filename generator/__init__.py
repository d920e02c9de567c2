"""Curriculum-as-code compiler: load → check → render → package → validate → write."""

from generator.checks import check_project
from generator.load.project import load_project

__all__ = ["check_project", "load_project"]
