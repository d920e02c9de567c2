"""New programme: copy the starter programme in generator/scaffold/ into a folder (`curriculum init`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from typing import Final

from generator.archive import write_atomically
from generator.diagnostics import Diagnostic, error

DOT_PREFIX: Final = "dot-"
"""Scaffold names starting with this become dot files: setuptools' package-data globs skip hidden files."""
_PLACEHOLDERS: Final = ("__PROGRAMME_ID__", "__PROGRAMME_TITLE__")


@dataclass(frozen=True, slots=True)
class InitResult:
    files: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]


def init_project(target: Path, force: bool = False) -> InitResult:
    """Write a new programme into `target` that passes `check --strict` and builds.

    Refuses a folder that is not empty unless `force`; then files of the same name are replaced.
    Diagnostics: CUR311, CUR312.
    """
    if target.exists() and not target.is_dir():
        return InitResult((), (error("CUR312", f"{target} exists and is not a folder", hint="Choose another DIR."),))
    if target.is_dir() and any(target.iterdir()) and not force:
        return InitResult((), (error("CUR311", f"{target} is not empty; nothing was written",
                                     hint="Choose an empty or new folder, or pass --force to write the new "
                                          "programme's files into it (files of the same name are replaced)."),))
    written = []
    ident, title = _programme_names(target)
    try:
        for relative, source in sorted(_scaffold_files(files("generator").joinpath("scaffold"), PurePosixPath())):
            data = source.read_bytes()
            if relative == PurePosixPath("curriculum/programme.yaml"):
                data = data.replace(_PLACEHOLDERS[0].encode(), ident.encode())
                data = data.replace(_PLACEHOLDERS[1].encode(), json.dumps(title, ensure_ascii=False).encode())
            path = target.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            written.append(write_atomically(path, data))
    except OSError as exc:
        return InitResult(tuple(written), (error("CUR312", f"cannot write the new programme into {target}: "
                                                           f"{exc.strerror or exc}",
                                                 hint="Check that the folder is writable and the disk has space."),))
    return InitResult(tuple(written), ())


def _scaffold_files(folder: Traversable, prefix: PurePosixPath) -> list[tuple[PurePosixPath, Traversable]]:
    found = []
    for entry in folder.iterdir():
        name = "." + entry.name[len(DOT_PREFIX):] if entry.name.startswith(DOT_PREFIX) else entry.name
        if entry.is_dir():
            found += _scaffold_files(entry, prefix / name)
        elif entry.is_file() and not name.endswith((".pyc", ".pyo")):
            found.append((prefix / name, entry))
    return found


def _programme_names(target: Path) -> tuple[str, str]:
    """The programme's id and title from the folder's name, e.g. `green-skills` -> ("green-skills", "Green Skills")."""
    name = target.resolve().name
    ident = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")[:64]
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", ident):
        ident = "my-programme"
    title = " ".join(word.capitalize() for word in re.split(r"[-_.\s]+", ident) if word)
    return ident, title
