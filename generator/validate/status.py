"""Validate stage helper: which official XSD sets exist on this machine, which one is used, and whether they verify."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.validate.schemas import LOOKUP_ORDER, SchemaLookup, find_schemas, lookup_candidates
from generator.validate.schemaset import (
    Verification,
    installed_set_path,
    installed_sets,
    is_schema_folder,
    lock_of_set,
    packaged_lock,
    verify_folder,
)


@dataclass(frozen=True, slots=True)
class SetStatus:
    """One place a schema set can be: a step of the lookup order, or another installed set."""

    label: str
    path: Path | None
    """None when that step names no folder (e.g. the variable is not set)."""
    verification: Verification | None
    """None when there is no schema folder there."""
    in_use: bool
    current: bool = True
    """False for a set installed by another version of the compiler (checked against its own lock)."""


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    lookup: SchemaLookup
    sets: tuple[SetStatus, ...]

    @property
    def ok(self) -> bool:
        """True when a set is found and the one in use matches the lock."""
        return any(s.in_use and s.verification is not None and s.verification.ok for s in self.sets)


def schema_status(explicit: Path | None = None) -> SchemaStatus:
    """Every step of the lookup order and every installed set, each verified against its lock."""
    lookup = find_schemas(explicit)
    sets = [_step(label, path, lookup) for label, path in zip(LOOKUP_ORDER, lookup_candidates(explicit), strict=True)
            if label != "--schemas" or path is not None]
    current = installed_set_path()
    for other in installed_sets():
        if other != current:
            own_lock = lock_of_set(other)
            verification = verify_folder(other, own_lock) if own_lock is not None else verify_folder(other)
            sets.append(SetStatus("installed by another version", other, verification, False, current=False))
    return SchemaStatus(lookup, tuple(sets))


def _step(label: str, path: Path | None, lookup: SchemaLookup) -> SetStatus:
    present = path is not None and is_schema_folder(path)
    verification = verify_folder(path, packaged_lock()) if present and path is not None else None
    return SetStatus(label, path, verification, lookup.path is not None and lookup.path == path)
