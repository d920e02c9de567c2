"""Write stage: deterministic zip and tar.gz archives (sorted entries, fixed times and permissions), written atomically."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ZIP_EPOCH_MIN: Final = 315532800  # 1980-01-01: zip cannot store earlier dates


@dataclass(frozen=True, slots=True)
class ZipEntry:
    name: str
    data: bytes


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH from the environment (reproducible-builds.org), if set and valid."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(value) if value.isdigit() else None


def archive_time(epoch: int | None) -> int:
    """The one time every archive member carries: SOURCE_DATE_EPOCH if given, never before zip's 1980."""
    return max(epoch or 0, ZIP_EPOCH_MIN)


def ordered_entries(entries: Iterable[ZipEntry], first: str = "imsmanifest.xml") -> list[ZipEntry]:
    """`first` leading (LMSs read the manifest from the first bytes), then sorted by name; duplicates refused."""
    ordered = sorted(entries, key=lambda e: (e.name != first, e.name))
    names = [e.name for e in ordered]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate archive entries: {sorted({n for n in names if names.count(n) > 1})}")
    return ordered


def zip_info(name: str, epoch: int | None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.gmtime(archive_time(epoch))[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, so external_attr means the same everywhere
    info.external_attr = 0o644 << 16
    return info


def build_zip(entries: Iterable[ZipEntry], epoch: int | None = None) -> bytes:
    """Zip `entries`: imsmanifest.xml first (some LMSs read it from the first bytes), then sorted by name."""
    ordered = ordered_entries(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for entry in ordered:
            archive.writestr(zip_info(entry.name, epoch), entry.data, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=9)
    return buffer.getvalue()


def build_tar_gz(entries: Iterable[ZipEntry], epoch: int | None = None, first: str = "") -> bytes:
    """A gzip-compressed ustar archive (what Moodle writes as .mbz): `first` leading, then sorted by name.

    Every member gets the same time, owner 0:0 and mode 0644; the gzip header carries no name and time 0,
    so the bytes depend on the entries alone.
    """
    ordered = ordered_entries(entries, first)
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        for entry in ordered:
            info = tarfile.TarInfo(entry.name)
            info.size = len(entry.data)
            info.mtime = archive_time(epoch)
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(entry.data))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0) as stream:
        stream.write(tar_bytes.getvalue())
    return compressed.getvalue()


def write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a package."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return path


def write_folder_atomically(path: Path, files: Mapping[str, bytes]) -> Path:
    """Write `files` (POSIX path -> bytes) into a fresh folder beside `path`, then swap it in for `path`.

    A reader sees the old folder or the new one, never a mix; an old folder is removed only after the swap.
    """
    temp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        for name, data in sorted(files.items()):
            target = temp.joinpath(*name.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.chmod(temp, 0o755)
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(temp, path)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return path
