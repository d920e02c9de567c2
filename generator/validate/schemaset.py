"""Validate stage helper: the pinned official XSD set (its lock file), where sets are installed, and verifying them."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Final

import platformdirs

from generator.diagnostics import Diagnostic, error

APP_NAME: Final = "curriculum-compiler"
LOCK_NAME: Final = "schemas.lock.json"
"""Kept inside every installed set too, so `schemas status` can verify a set that an older version installed."""
MARKERS: Final = ("scorm12", "cc_1.1")
"""Folders that make a folder count as a schema set when it is looked up."""


@dataclass(frozen=True, slots=True)
class Source:
    """A pinned public location: `url` with `{member}` per file, or one `archive` holding every member."""

    name: str
    about: str
    url: str | None = None
    archive: str | None = None
    archive_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class LockedFile:
    path: str
    """Path inside the schema set, e.g. `scorm12/imscp_rootv1p1p2.xsd`."""
    sha256: str
    source: str
    member: str
    """Path of the file at its source: appended to the source URL, or the member inside its archive."""


@dataclass(frozen=True, slots=True)
class Lock:
    sources: dict[str, Source]
    files: tuple[LockedFile, ...]

    @property
    def set_id(self) -> str:
        """Names the installed folder; changes whenever any locked file changes."""
        digest = hashlib.sha256("".join(f"{f.path}\0{f.sha256}\n" for f in self.files).encode())
        return f"official-{digest.hexdigest()[:12]}"


@dataclass(frozen=True, slots=True)
class Verification:
    """How a folder compares with a lock: every locked file present with the locked SHA-256, or not."""

    folder: Path
    checked: int
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return not self.diagnostics


def parse_lock(text: str) -> Lock:
    data = json.loads(text)
    sources = {name: Source(name, s["about"], s.get("url"), s.get("archive"), s.get("sha256"))
               for name, s in data["sources"].items()}
    locked = tuple(LockedFile(path, f["sha256"], f["source"], f["member"]) for path, f in sorted(data["files"].items()))
    return Lock(sources, locked)


@functools.cache
def packaged_lock() -> Lock:
    """The lock this version of the compiler installs and expects."""
    return parse_lock(files("generator.validate").joinpath(LOCK_NAME).read_text(encoding="utf-8"))


def packaged_lock_text() -> str:
    return files("generator.validate").joinpath(LOCK_NAME).read_text(encoding="utf-8")


def data_folder() -> Path:
    """Where installed sets live: the user's data folder (e.g. $XDG_DATA_HOME/curriculum-compiler/schemas)."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "schemas"


def installed_set_path() -> Path:
    """Where the set of the packaged lock is (or would be) installed."""
    return data_folder() / packaged_lock().set_id


def installed_sets() -> list[Path]:
    """Every installed set, current or left by another version; temporary install folders are not sets."""
    folder = data_folder()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def is_schema_folder(folder: Path) -> bool:
    return all((folder / marker).is_dir() for marker in MARKERS)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def mismatch(path: str, expected: str, actual: str, where: str) -> Diagnostic:
    """The CUR416 diagnostic for a file whose bytes differ from the lock.

    Diagnostics: CUR416.
    """
    return error("CUR416", f"{path} from {where} does not match the lock: expected SHA-256 {expected}, got {actual}",
                 hint="The file was changed or damaged on the way; nothing was installed from it. Use an unmodified "
                      "copy (curriculum schemas install, or --from a verified folder).")


def verify_folder(folder: Path, lock: Lock | None = None) -> Verification:
    """Compare every file the lock names with the bytes in `folder`.

    Diagnostics: CUR416, CUR418.
    """
    lock = lock or packaged_lock()
    diags: list[Diagnostic] = []
    for locked in lock.files:
        try:
            data = (folder / locked.path).read_bytes()
        except OSError as exc:
            diags.append(error("CUR418", f"{locked.path} is missing from {folder} ({exc.strerror})",
                               hint="Install the set again: curriculum schemas install --force."))
            continue
        actual = sha256_of(data)
        if actual != locked.sha256:
            diags.append(mismatch(locked.path, locked.sha256, actual, str(folder)))
    return Verification(folder, len(lock.files), tuple(diags))


def lock_of_set(folder: Path) -> Lock | None:
    """The lock a set was installed with (kept inside it), or None when it has none or it is unreadable."""
    try:
        return parse_lock((folder / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
