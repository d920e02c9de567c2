"""Validate stage: open an untrusted zip and vet its entries (names, CRCs, size limits) before reading any."""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, Final

from generator.diagnostics import Diagnostic, error
from generator.load.files import UnsafeFile, open_regular

if TYPE_CHECKING:
    from generator.validate.memo import Passed

MANIFEST: Final = "imsmanifest.xml"
MAX_ENTRIES: Final = 10_000
MAX_TOTAL_BYTES: Final = 1 << 30
MAX_RATIO: Final = 200
RATIO_MIN_BYTES: Final = 1 << 20
"""Only entries larger than this are held to MAX_RATIO: small, repetitive text compresses very well."""
KEEP_BUDGET: Final = 32 << 20
"""Most bytes of entries kept in memory after their CRC check, for the checks that read them again: as much as the
largest manifest `validate` reads. A 1000-lesson package's XML and HTML come to 5-12 MB."""
_CHUNK: Final = 1 << 20
_UNIX: Final = 3
"""ZipInfo.create_system of zips made on Unix, whose external_attr carries the file mode in its high 16 bits."""
_DRIVE: Final = re.compile(r"^[A-Za-z]:")
_LOCAL_HEADER: Final = struct.Struct("<4s22xHH")
"""A zip local file header: signature, 22 bytes of fields, then the lengths of the name and extra field."""
_LOCAL_SIGNATURE: Final = b"PK\x03\x04"
# zipfile's own errors for damaged data, plus what its zlib/bz2/lzma decompressors raise.
_DAMAGED: Final = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


@dataclass(frozen=True, slots=True)
class Entries:
    """The file entries of a zip that are safe to look at."""

    files: frozenset[str]
    """Names of file entries with safe paths (directories and unsafe names left out)."""
    damaged: frozenset[str]
    """Files whose data cannot be read back intact; they exist but are not parsed."""
    kept: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    """Bytes of intact files the caller asked to keep (see `check_entries`), so they are not decompressed again."""

    def read(self, archive: zipfile.ZipFile, name: str, label: str, diags: list[Diagnostic]) -> bytes | None:
        """`read_entry`, from the kept bytes when the entry was kept."""
        data = self.kept.get(name)
        return data if data is not None else read_entry(archive, name, label, diags)


def open_zip(source: Path | bytes, label: str, diags: list[Diagnostic]) -> zipfile.ZipFile | None:
    """Open `source` as a zip, or append CUR401 (CUR471 for a FIFO, device or socket) and return None.

    Diagnostics: CUR401, CUR471.
    """
    try:
        return _OwnedZip(io.BytesIO(source) if isinstance(source, bytes) else open_regular(source, label))
    except UnsafeFile as exc:
        diags.append(error("CUR471", exc.message, PurePosixPath(label), hint="Pass the package file itself."))
        return None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        diags.append(error("CUR401", f"'{label}' is not a readable zip file: {exc}", PurePosixPath(label),
                           hint="Pass a .zip package (SCORM or Common Cartridge .imscc), or rebuild it."))
        return None


class _OwnedZip(zipfile.ZipFile):
    """A zip over a stream we opened (to refuse FIFOs and devices first), closing the stream with the zip."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        try:
            super().__init__(stream)
        except BaseException:
            stream.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._stream.close()


def check_entries(archive: zipfile.ZipFile, label: str, diags: list[Diagnostic],
                  keep: Callable[[str], bool] = lambda name: False, passed: Passed | None = None) -> Entries | None:
    """Vet every entry; None when a size limit is exceeded (nothing is decompressed then).

    Checking a CRC reads the whole entry: the intact files whose name `keep` accepts are kept, up to KEEP_BUDGET
    bytes in all (an untrusted archive may expand to MAX_TOTAL_BYTES), for the checks that read them next.
    An entry whose bytes `passed` knows to be intact is not read (nor kept: a check that needs it reads it).

    Diagnostics: CUR401, CUR409, CUR410, CUR411, CUR470, CUR471.
    """
    infos = archive.infolist()
    limits = _check_limits(infos, label)
    if limits:
        diags.extend(limits)
        return None
    safe: list[zipfile.ZipInfo] = []
    for name, times in sorted(Counter(info.filename for info in infos).items()):
        if times > 1:
            diags.append(error("CUR409", f"entry '{name}' appears {times} times in the zip", _at(label, name),
                               hint="Keep one entry per path: tools disagree about which copy they extract."))
    for info in infos:
        reason = unsafe_path_reason(info.filename)
        if reason:
            diags.append(error("CUR409", f"entry name '{info.filename}' {reason}", PurePosixPath(label),
                               hint="Store paths relative to the package root with '/' separators; extracting "
                                    "this entry could write outside the target folder."))
        elif _special_kind(info):
            code = "CUR470" if _special_kind(info) == "a symbolic link" else "CUR471"
            diags.append(error(code, f"entry '{info.filename}' is {_special_kind(info)}, not a file",
                               _at(label, info.filename),
                               hint="Store the file itself; extracting this entry (e.g. with unzip) would create "
                                    "a link or device that can point anywhere on the learner's or server's disk."))
        elif not info.is_dir():
            safe.append(info)
    headers = {id(info): local_header(archive, info) for info in safe}
    damaged = _overlapping(archive, infos, safe, headers, label, diags)
    kept: dict[str, bytes] = {}
    budget = KEEP_BUDGET
    for info in safe:
        if info.filename in damaged:
            continue
        header = headers[id(info)]
        fact = passed.entry_fact(archive, info, header) if passed is not None and header is not None else None
        if fact is not None and passed is not None and passed.already(fact):
            passed.intact[info.filename] = fact
            continue
        # a repeated name reads as its last entry (zipfile's getinfo): keep only that one's bytes
        chunks: list[bytes] | None = [] if (info.file_size <= budget and keep(info.filename)
                                            and archive.getinfo(info.filename) is info) else None
        if not _is_intact(archive, info, label, diags, chunks):
            damaged.add(info.filename)
            continue
        if fact is not None and passed is not None:
            passed.passed(fact)
            passed.intact[info.filename] = fact
        if chunks is not None:
            kept[info.filename] = data = b"".join(chunks)
            budget -= len(data)
    return Entries(frozenset(info.filename for info in safe), frozenset(damaged), kept)


def local_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's local header with its name and extra field, as stored; None when it cannot be read whole or
    does not start with the local header signature (zipfile then refuses the entry when it is opened)."""
    fp = archive.fp
    if fp is None:
        return None
    fp.seek(info.header_offset)  # no entry of this archive is open meanwhile: vetting reads one at a time
    fixed = fp.read(_LOCAL_HEADER.size)
    if len(fixed) != _LOCAL_HEADER.size:
        return None
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(fixed)
    if signature != _LOCAL_SIGNATURE:
        return None
    rest = fp.read(name_length + extra_length)
    return fixed + rest if len(rest) == name_length + extra_length else None


def _overlapping(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], safe: list[zipfile.ZipInfo],
                 headers: dict[int, bytes | None], label: str, diags: list[Diagnostic]) -> set[str]:
    """Names of the entries whose data runs into the next entry or the central directory: overlapping entries let
    a small zip expand enormously (a zip bomb technique) and tools disagree about what they hold.

    Newer Pythons' zipfile refuses them too (CVE-2024-0450); checking here gives every Python the same verdict.
    Diagnostics: CUR410.
    """
    ordered = sorted(infos, key=lambda info: info.header_offset)
    bounds = {id(info): bound for info, bound in zip(
        ordered, [info.header_offset for info in ordered[1:]] + [archive.start_dir], strict=True)}
    found = set()
    for info in safe:
        header = headers[id(info)]
        if header is not None and info.header_offset + len(header) + info.compress_size > bounds[id(info)]:
            found.add(info.filename)
            diags.append(error("CUR410", f"entry '{info.filename}' overlaps the entry after it in the zip",
                               _at(label, info.filename),
                               hint="Rebuild the package with a standard zip tool; overlapping entries are a zip "
                                    "bomb technique, and LMSs refuse them."))
    return found


def read_entry(archive: zipfile.ZipFile, name: str, label: str, diags: list[Diagnostic]) -> bytes | None:
    """Read an entry already vetted by `check_entries`.

    Diagnostics: CUR410.
    """
    try:
        return archive.read(name)
    except _DAMAGED as exc:
        diags.append(_damaged(label, name, exc))
        return None


def find_manifest(entries: Entries, label: str, diags: list[Diagnostic]) -> bool:
    """True if imsmanifest.xml sits at the zip root; otherwise append CUR402 saying where it is.

    Diagnostics: CUR402.
    """
    if MANIFEST in entries.files:
        return True
    nested = sorted(n for n in entries.files if PurePosixPath(n).name.lower() == MANIFEST)
    if nested and "/" not in nested[0]:
        found, hint = f"; found '{nested[0]}' (names are case-sensitive)", f"Rename '{nested[0]}' to '{MANIFEST}'."
    elif nested:
        found, hint = (f"; found '{nested[0]}' in a subfolder",
                       "Zip the contents of the package folder, not the folder itself: imsmanifest.xml must be at "
                       "the root of the zip.")
    else:
        found, hint = "", "Add imsmanifest.xml at the root of the zip; every SCORM and IMS package needs one."
    diags.append(error("CUR402", f"'{MANIFEST}' is missing from the package root{found}", PurePosixPath(label),
                       hint=hint))
    return False


def _check_limits(infos: list[zipfile.ZipInfo], label: str) -> list[Diagnostic]:
    package = PurePosixPath(label)
    found: list[Diagnostic] = []
    if len(infos) > MAX_ENTRIES:
        found.append(error("CUR411", f"the zip has {len(infos):,} entries; the limit is {MAX_ENTRIES:,}", package,
                           hint="Split the course into several packages or remove unused files."))
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        found.append(error("CUR411", f"the zip expands to {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}",
                           package, hint="Move large media out of the package and link to it instead."))
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            found.append(error("CUR411", f"entry '{info.filename}' expands from {info.compress_size:,} to "
                                         f"{info.file_size:,} bytes ({ratio:,}:1), which looks like a zip bomb",
                               package, hint=f"Entries over 1 MiB may not compress more than {MAX_RATIO}:1."))
    return found


def _special_kind(info: zipfile.ZipInfo) -> str | None:
    """What a Unix zip entry is when it is neither a file nor a folder (issue #17: symlinks to /etc/passwd)."""
    mode = info.external_attr >> 16
    # many zip writers store permissions only, with no file type: those are files
    if info.create_system != _UNIX or stat.S_IFMT(mode) == 0 or stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a socket" if stat.S_ISSOCK(mode) else "of an unknown file type"


def unsafe_path_reason(name: str) -> str | None:
    """Why an archive member's path could write outside the folder it is extracted into, or None."""
    if "\\" in name:
        return "contains a backslash"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE.match(name):
        return "starts with a drive letter"
    if ".." in name.split("/"):
        return "contains a '..' segment (path escape)"
    return None


def _is_intact(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, diags: list[Diagnostic],
               chunks: list[bytes] | None = None) -> bool:
    """Read the entry to its end, into `chunks` when given, which makes zipfile compare the CRC-32."""
    try:
        with archive.open(info) as stream:  # never yields more than the declared size
            while chunk := stream.read(_CHUNK):
                if chunks is not None:
                    chunks.append(chunk)
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, or a compression method zipfile lacks
        diags.append(error("CUR401", f"entry '{info.filename}' cannot be read: {exc}", _at(label, info.filename),
                           hint="Store entries unencrypted, compressed with deflate or not at all."))
        return False
    except _DAMAGED as exc:
        diags.append(_damaged(label, info.filename, exc))
        return False
    return True


def _damaged(label: str, name: str, exc: Exception) -> Diagnostic:
    return error("CUR410", f"entry '{name}' is corrupt: {exc}", _at(label, name),
                 hint="Rebuild the package; the zip was damaged after it was written (e.g. a partial download).")


def _at(label: str, name: str) -> PurePosixPath:
    return PurePosixPath(f"{label}/{name}")
