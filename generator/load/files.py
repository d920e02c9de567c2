"""Load stage: open an untrusted file only if it is a regular file, inside the project, and not too large.

A FIFO makes `open()` wait for a writer forever, a device such as /dev/zero never ends, and a symbolic
link can point anywhere on the machine (issue #17). Every source, linked file, ratings file and package
is read through here: the path is resolved, stat'ed before opening, opened without blocking and without
following a link, checked again on the open descriptor (the file may have been swapped in between) and read up
to a cap. A load reads many files of few folders, through one `ProjectFiles` that resolves each folder once.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
"""Resolved paths only are opened: a symbolic link at the last component was swapped in since, and is refused."""


class UnsafeFile(Exception):
    """A file that must not be read; `code`, `message` and `hint` become a Diagnostic at the I/O edge."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


class ProjectFiles:
    """Reads the files of one project for one load, resolving its root and each of its folders once.

    Resolving a path follows every symbolic link along it, one `lstat` per component. A file that is not itself a
    link resolves to its resolved folder plus its name, so only the folder needs resolving, once, and the file one
    `lstat`; a link is resolved in full. Either way the file is opened without following a link at its last
    component (O_NOFOLLOW), so a link swapped in after the check is refused, not followed. A folder resolved here
    is not resolved again until the next load (a new `ProjectFiles`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._real_root: Path | None = None
        self._folders: dict[str, tuple[str, bool]] = {}
        """A folder's path as asked for -> its resolved path, and whether that lies inside the root."""

    @property
    def real_root(self) -> Path:
        if self._real_root is None:
            self._real_root = self.root.resolve()
        return self._real_root

    def read(self, path: Path | str, max_bytes: int, shown: str | None = None) -> bytes:
        """The bytes of `path`, which must resolve inside the root (symlinks inside are fine); see
        `read_bytes_safely`."""
        name = shown or str(path)
        real, mode, inside = self._resolve_file(str(path))
        if not inside:
            raise UnsafeFile("CUR253", f"'{name}' resolves to {real}, outside the project",
                             "Copy the file into the project instead of linking to it.")
        return _read_real(real, os.stat(real).st_mode if mode is None else mode, max_bytes, name, self.real_root)

    def read_relative(self, rel: PurePosixPath, max_bytes: int) -> bytes:
        """`read` of the file at `rel` under the root, named by `rel`."""
        shown = str(rel)
        return self.read(os.path.join(self.root, shown), max_bytes, shown)

    def is_inside(self, folder: Path) -> bool:
        """Whether `folder` (after following symbolic links) lies inside the root."""
        try:
            return self._folder(str(folder))[1]
        except (OSError, RuntimeError):
            return False

    def _resolve_file(self, path: str) -> tuple[str, int | None, bool]:
        """`path` resolved as `Path.resolve(strict=True)` does; its mode when it is no symbolic link (from the one
        `lstat`); whether it lies inside the root."""
        folder, name = os.path.split(path)
        if name in ("", ".", ".."):
            return self._resolve_in_full(Path(path))
        real_folder, folder_inside = self._folder(folder)
        real = os.path.join(real_folder, name)
        mode = os.lstat(real).st_mode
        if stat.S_ISLNK(mode):
            return self._resolve_in_full(Path(real))
        # what a folder inside the root holds is inside it; a folder outside may still hold the root itself
        return real, mode, folder_inside or Path(real).is_relative_to(self.real_root)

    def _resolve_in_full(self, path: Path) -> tuple[str, None, bool]:
        real = path.resolve(strict=True)
        return str(real), None, real.is_relative_to(self.real_root)

    def _folder(self, folder: str) -> tuple[str, bool]:
        """Resolved once per folder (a failure is not kept: it raises each time)."""
        known = self._folders.get(folder)
        if known is None:
            real = Path(folder).resolve(strict=True)
            known = self._folders[folder] = (str(real), real.is_relative_to(self.real_root))
        return known


def read_bytes_safely(path: Path, max_bytes: int, root: Path | None = None, shown: str | None = None) -> bytes:
    """The bytes of `path`, or UnsafeFile; `root`: the path must resolve inside it (symlinks inside are fine).

    Raises FileNotFoundError, IsADirectoryError and other OSErrors as `open` does.
    """
    if root is not None:
        return ProjectFiles(root).read(path, max_bytes, shown)
    real = str(path.resolve(strict=True))
    return _read_real(real, os.stat(real).st_mode, max_bytes, shown or str(path))


def _read_real(real: str, mode: int, max_bytes: int, name: str, inside: Path | None = None) -> bytes:
    """Read the resolved path `real`, whose `mode` was just stat'ed; checked again on the open descriptor (its
    kind, and that it lies `inside` the project: a folder resolved earlier may have been swapped for a link)."""
    _require_regular(mode, name)
    descriptor = os.open(real, _READ_FLAGS)
    try:
        if inside is not None:
            _require_inside(descriptor, inside, name)
        status = os.fstat(descriptor)
        _require_regular(status.st_mode, name)
        if status.st_size > max_bytes:
            raise UnsafeFile("CUR110", f"'{name}' is {status.st_size} bytes; the limit is {max_bytes}",
                             "Split or shrink the file; files this large are not hand-written text.")
        chunks = []
        remaining = max_bytes + 1  # a file growing while it is read still stops at the cap
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise UnsafeFile("CUR110", f"'{name}' is larger than the limit of {max_bytes} bytes",
                         "Split or shrink the file; files this large are not hand-written text.")
    return data


def _require_inside(descriptor: int, inside: Path, name: str) -> None:
    """Where the kernel says the open file is (Linux's /proc/self/fd; elsewhere the check before opening stands)."""
    try:
        opened = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
    except OSError:
        return
    if opened.is_absolute() and not opened.is_relative_to(inside):
        raise UnsafeFile("CUR253", f"'{name}' resolves to {opened}, outside the project",
                         "Copy the file into the project instead of linking to it.")


def open_regular(path: Path, shown: str | None = None) -> BinaryIO:
    """`path` opened for reading if it is a regular file (after following links), else UnsafeFile or OSError."""
    name = shown or str(path)
    real = path.resolve(strict=True)
    _require_regular(os.stat(real).st_mode, name)
    descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        _require_regular(os.fstat(descriptor).st_mode, name)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def resolves_inside(path: Path, root: Path) -> bool:
    """Whether `path` (a file or folder, after following symbolic links) lies inside `root`."""
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def _require_regular(mode: int, name: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(name)
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise UnsafeFile("CUR252", f"'{name}' is {kind}, not a regular file",
                         "Replace it with an ordinary file; pipes, devices and sockets are never read.")
