"""Write stage: the deterministic zip of archive.build_zip, byte for byte, reusing each file's deflated bytes.

Deflating at level 9 is the costliest part of writing a package. Three of the five formats ship the same pages,
and a rebuild after one edit ships the same pages as the build before. So each file is deflated once, keyed by
the SHA-256 of its bytes, and the archive is assembled around the stored streams. tests/test_cache.py checks that
the result equals `build_zip`'s output.
"""

from __future__ import annotations

import hashlib
import struct
import time
import zlib
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Final

from generator.archive import ZipEntry, archive_time, ordered_entries

LEVEL: Final = 9
_VERSION: Final = 20  # deflate needs zip 2.0
_UNIX: Final = 3
_UTF8_FLAG: Final = 0x800
_LOCAL: Final = struct.Struct("<4s2B4HL2L2H")
_CENTRAL: Final = struct.Struct("<4s4B4HL2L5H2L")
_END: Final = struct.Struct("<4s4H2LH")
_MODE: Final = 0o644 << 16


@dataclass(frozen=True, slots=True)
class Deflated:
    """One file's deflated bytes, with what the zip headers need."""

    crc: int
    size: int
    data: bytes


DeflateStore = MutableMapping[str, Deflated]
"""SHA-256 of a file's bytes -> its deflated form."""


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def deflate(data: bytes, store: DeflateStore | None = None, key: str | None = None) -> Deflated:
    """The raw deflate stream of `data` at level 9, from `store` when it holds it (then stored there).

    `key`: `content_key(data)`, when the caller knows it already.
    """
    key = key or content_key(data)
    if store is not None and (known := store.get(key)) is not None and known.size == len(data):
        return known
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    result = Deflated(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())
    if store is not None:
        store[key] = result
    return result


def assemble_zip(entries: Iterable[ZipEntry], epoch: int | None = None, store: DeflateStore | None = None,
                 key_of: Callable[[bytes], str] = content_key) -> bytes:
    """The same bytes as `archive.build_zip(entries, epoch)`, deflating only what `store` does not hold.

    `key_of`: `content_key`, or a function giving the same keys faster (one that remembers them).
    """
    ordered = ordered_entries(entries)
    dostime, dosdate = _dos_stamp(epoch)
    body: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for entry in ordered:
        packed = deflate(entry.data, store, key_of(entry.data))
        name, flags = _encoded_name(entry.name)
        header = _LOCAL.pack(b"PK\003\004", _VERSION, 0, flags, 8, dostime, dosdate, packed.crc, len(packed.data),
                             packed.size, len(name), 0)
        central.append(_CENTRAL.pack(b"PK\001\002", _VERSION, _UNIX, _VERSION, 0, flags, 8, dostime, dosdate,
                                     packed.crc, len(packed.data), packed.size, len(name), 0, 0, 0, 0, _MODE, offset)
                       + name)
        body += (header, name, packed.data)
        offset += len(header) + len(name) + len(packed.data)
    directory = b"".join(central)
    end = _END.pack(b"PK\005\006", 0, 0, len(ordered), len(ordered), len(directory), offset, 0)
    return b"".join(body) + directory + end


def _encoded_name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_FLAG


def _dos_stamp(epoch: int | None) -> tuple[int, int]:
    year, month, day, hour, minute, second = time.gmtime(archive_time(epoch))[:6]
    return hour << 11 | minute << 5 | second // 2, (year - 1980) << 9 | month << 5 | day
