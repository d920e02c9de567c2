"""Build cache: content-addressed entries (rendered units, deflated files, validated packages) on disk.

Every key is a SHA-256 over everything that shapes the entry, the compiler's own files included (`compiler_digest`),
so an entry is never stale: a changed input gives another key. An entry file is a magic, the SHA-256 of its payload
and the payload; one that does not check out (truncated, edited, from another version) is deleted and treated as a
miss. Entries are written to a temporary file and renamed, so concurrent writers (parallel builds) and interrupted
builds leave whole entries or none. `prune` keeps the folder under a size bound, dropping the least recently used.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MAGIC: Final = b"CURCACHE1\n"
DEFAULT_LIMIT: Final = 1 << 30
"""Bytes kept after a build (1 GiB): a 1000-lesson programme in every format and scope needs about a third."""
ENV_VAR: Final = "CURRICULUM_CACHE"
APP_NAME: Final = "curriculum-compiler"
_LENGTH: Final = struct.Struct("<Q")


def digest(*parts: str | bytes) -> str:
    """SHA-256 over `parts`, each length-prefixed so that no two different sequences collide."""
    return _fed(hashlib.sha256(), parts).hexdigest()


class Salted:
    """`digest(*salt, *parts)` for many `parts`, with the salt hashed once: for keys taken in hot loops (one per
    Markdown body, one per zip entry)."""

    def __init__(self, *salt: str | bytes) -> None:
        self._salted = _fed(hashlib.sha256(), salt)

    def __call__(self, *parts: str | bytes) -> str:
        return _fed(self._salted.copy(), parts).hexdigest()

    def hasher(self, *parts: str | bytes, then: int) -> hashlib._Hash:
        """The hash after `parts`, ready for a last part of `then` bytes that the caller streams into it."""
        hashed = _fed(self._salted.copy(), parts)
        hashed.update(_LENGTH.pack(then))
        return hashed


def _fed(hashed: hashlib._Hash, parts: tuple[str | bytes, ...]) -> hashlib._Hash:
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hashed.update(_LENGTH.pack(len(data)))
        hashed.update(data)
    return hashed


SHAPING_LIBRARIES: Final = ("markdown", "jinja2", "markupsafe", "lxml", "babel", "pyyaml", "pydantic", "nh3",
                             "xmlschema")
"""Libraries whose version can change what a page or package holds, or a validation's verdict (xmlschema judges
what libxml2 rejects; libxml2's own version is added apart: lxml may be linked against another one)."""


@functools.cache
def compiler_digest() -> str:
    """Digest of every file of the installed compiler (code, templates, static files, locale catalogues), the
    Python version and the versions of the libraries that shape the output."""
    import sys
    from importlib import metadata

    versions = []
    for name in SHAPING_LIBRARIES:
        try:
            versions.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} absent")
    from lxml import etree

    versions.append(f"libxml2 {etree.LIBXML_VERSION}")
    return digest(package_digest(Path(__file__).resolve().parent), sys.version, *versions)


def package_digest(package: Path) -> str:
    parts: list[str | bytes] = []
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            parts += (path.relative_to(package).as_posix(), path.read_bytes())
    return digest(*parts)


@functools.lru_cache(maxsize=8)
def folder_digest(folder: Path) -> str:
    """Digest of the files under `folder` (the official schemas: validation depends on them)."""
    parts: list[str | bytes] = [str(folder)]
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            parts += (path.relative_to(folder).as_posix(), path.read_bytes())
    return digest(*parts)


def default_folder() -> Path:
    """$CURRICULUM_CACHE, else the user's cache folder (e.g. ~/.cache/curriculum-compiler/build).

    Not inside the output folder: that holds only packages (CI jobs glob it, `validate build/*`). Entries are
    content-addressed, so projects and output folders can share one cache safely.
    """
    import platformdirs

    env = os.environ.get(ENV_VAR)
    return Path(env) if env else platformdirs.user_cache_path(APP_NAME, appauthor=False) / "build"


def pack(header: object, blobs: Iterable[bytes] = ()) -> bytes:
    """A JSON header and binary blobs in one payload (no pickle: a cache folder is not trusted with code)."""
    blobs = list(blobs)
    head = json.dumps({"header": header, "sizes": [len(b) for b in blobs]}, sort_keys=True).encode("utf-8")
    return _LENGTH.pack(len(head)) + head + b"".join(blobs)


def unpack(payload: bytes) -> tuple[object, list[bytes]]:
    """The inverse of `pack`; raises ValueError on a payload that is not one."""
    try:
        (size,) = _LENGTH.unpack_from(payload)
        head = json.loads(payload[_LENGTH.size:_LENGTH.size + size])
        at = _LENGTH.size + size
        blobs = []
        for length in head["sizes"]:
            blobs.append(payload[at:at + length])
            at += length
    except (struct.error, json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a cache payload: {exc}") from exc
    if at != len(payload):
        raise ValueError("cache payload has trailing or missing bytes")
    return head["header"], blobs


@dataclass(frozen=True, slots=True)
class Cache:
    """A cache folder; `kind` keeps kinds of entries apart (units, deflate, packages)."""

    folder: Path

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        """The payload stored under `key`, or None (missing, unreadable or corrupt: a corrupt one is removed)."""
        path = self.path(kind, key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        payload = data[len(MAGIC) + 32:]
        if not data.startswith(MAGIC) or data[len(MAGIC):len(MAGIC) + 32] != hashlib.sha256(payload).digest():
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest by prune
        return payload

    def has(self, kind: str, key: str) -> bool:
        """An entry exists (it may still turn out corrupt or stale: `get` and the user's checks decide)."""
        return self.path(kind, key).is_file()

    def put(self, kind: str, key: str, payload: bytes) -> None:
        """Store `payload` atomically; a cache that cannot be written only costs speed, so errors are ignored."""
        path = self.path(kind, key)
        with contextlib.suppress(OSError):
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(MAGIC + hashlib.sha256(payload).digest() + payload)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temp)
                raise

    def prune(self, limit: int = DEFAULT_LIMIT) -> int:
        """Delete the least recently used entries until the folder holds at most `limit` bytes; return how many."""
        entries = []
        for path in self.folder.rglob("*"):
            with contextlib.suppress(OSError):
                if path.is_file():
                    stat = path.stat()
                    entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries, key=lambda e: (e[0], str(e[2]))):
            if total <= limit:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                removed += 1
        return removed
