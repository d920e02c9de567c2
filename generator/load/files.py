"""Load stage: open an untrusted file only if it is a regular file, inside the project, and not too large.

A FIFO makes `open()` wait for a writer forever, a device such as /dev/zero never ends, and a symbolic
link can point anywhere on the machine (issue #17). Every source, linked file, ratings file and package
is read through here: the path is resolved, stat'ed before opening, opened without blocking, checked
again on the open descriptor (the file may have been swapped in between) and read up to a cap.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class UnsafeFile(Exception):
    """A file that must not be read; `code`, `message` and `hint` become a Diagnostic at the I/O edge."""

    def __init__(self, code: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint


def read_bytes_safely(path: Path, max_bytes: int, root: Path | None = None, shown: str | None = None) -> bytes:
    """The bytes of `path`, or UnsafeFile; `root`: the path must resolve inside it (symlinks inside are fine).

    Raises FileNotFoundError, IsADirectoryError and other OSErrors as `open` does.
    """
    name = shown or str(path)
    real = path.resolve(strict=True)
    if root is not None and not real.is_relative_to(root.resolve()):
        raise UnsafeFile("CUR253", f"'{name}' resolves to {real}, outside the project",
                         "Copy the file into the project instead of linking to it.")
    _require_regular(os.stat(real).st_mode, name)
    descriptor = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
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
