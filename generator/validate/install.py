"""Validate stage helper: install the official XSD set into the user's data folder, verified and atomically.

Files come from their pinned public locations (the lock), from a mirror with the set's own layout
(`base_url`, e.g. a web server in front of a copy of shared/schemas), or from a local folder or zip.
Every file is checked against the lock's SHA-256 in a temporary folder beside the target; only a
complete, verified set is renamed into place, so a failed run never replaces a good set.
"""

from __future__ import annotations

import http.client
import io
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from generator.diagnostics import Diagnostic, error
from generator.validate.schemaset import (
    LOCK_NAME,
    Lock,
    LockedFile,
    data_folder,
    mismatch,
    packaged_lock,
    packaged_lock_text,
    sha256_of,
    verify_folder,
)

BASE_URL_ENV: Final = "CURRICULUM_SCHEMAS_URL"
TIMEOUT_SECONDS: Final = 30
MAX_FILE_BYTES: Final = 4 * 1024 * 1024
"""The largest official XSD is under 100 KiB; anything far bigger is not one."""
MAX_ARCHIVE_BYTES: Final = 64 * 1024 * 1024

Fetch = Callable[[LockedFile], bytes | None]


@dataclass(frozen=True, slots=True)
class InstallResult:
    path: Path | None
    """The installed set, or None when nothing was installed."""
    origin: str
    """Where the files came from, for the user."""
    already_installed: bool
    diagnostics: tuple[Diagnostic, ...]

    @property
    def ok(self) -> bool:
        return self.path is not None


class _Failed(Exception):
    """A file could not be obtained and the install stops; carries the diagnostic that says why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def install_schemas(source: Path | None = None, base_url: str | None = None, force: bool = False) -> InstallResult:
    """Install the locked XSD set from `source` (folder or zip), `base_url` (a mirror), or the pinned locations.

    Does nothing when the set is already installed and verifies, unless `force`.
    Diagnostics: CUR416, CUR417, CUR418, CUR419.
    """
    lock = packaged_lock()
    root = data_folder()
    target = root / lock.set_id
    if target.is_dir() and not force and verify_folder(target, lock).ok:
        return InstallResult(target, str(target), True, ())
    diags: list[Diagnostic] = []
    fetch, origin = _fetcher(source, base_url, lock, diags)
    if fetch is None:
        return InstallResult(None, origin, False, tuple(diags))
    staging = _make_staging(root, diags)
    if staging is None:
        return InstallResult(None, origin, False, tuple(diags))
    try:
        if not _fill(staging, lock, fetch, origin, diags):
            return InstallResult(None, origin, False, tuple(diags))
        _swap_into_place(staging, target)
    except OSError as exc:
        diags.append(_unwritable(root, exc))
        return InstallResult(None, origin, False, tuple(diags))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return InstallResult(target, origin, False, ())


def _fetcher(source: Path | None, base_url: str | None, lock: Lock,
             diags: list[Diagnostic]) -> tuple[Fetch | None, str]:
    if source is not None:
        if source.is_dir():
            return _from_folder(source), str(source)
        return _from_zip(source, diags), str(source)
    if base_url:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https"):
            diags.append(error("CUR417", f"mirror URL '{base_url}' is not http or https",
                               hint="Give an http(s) URL with --base-url, or a local copy with --from DIR|ZIP."))
            return None, base_url
        return _from_mirror(base_url.rstrip("/") + "/"), base_url
    return _from_pinned(lock), "the pinned public locations"


def _fill(staging: Path, lock: Lock, fetch: Fetch, origin: str, diags: list[Diagnostic]) -> bool:
    for locked in lock.files:
        try:
            data = fetch(locked)
        except _Failed as failed:  # the next file would come from the same unreachable host or damaged archive
            diags.append(failed.diagnostic)
            return False
        if data is None:
            diags.append(error("CUR418", f"{locked.path} is missing from {origin}",
                               hint="Give a complete copy of the official schema set (the layout of shared/schemas)."))
            continue
        actual = sha256_of(data)
        if actual != locked.sha256:
            diags.append(mismatch(locked.path, locked.sha256, actual, origin))
            continue
        file = staging / locked.path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
    if diags:
        return False
    (staging / LOCK_NAME).write_text(packaged_lock_text(), encoding="utf-8")
    return verify_folder(staging, lock).ok


def _make_staging(root: Path, diags: list[Diagnostic]) -> Path | None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".install-", dir=root))  # beside the target: rename stays on one disk
    except OSError as exc:
        diags.append(_unwritable(root, exc))
        return None


def _swap_into_place(staging: Path, target: Path) -> None:
    if not target.exists():
        staging.rename(target)
        return
    # A folder cannot be renamed over a non-empty one: move the old set aside, put the new one in, then drop the old.
    retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=target.parent)) / target.name
    target.rename(retired)
    try:
        staging.rename(target)
    except OSError:
        retired.rename(target)
        raise
    shutil.rmtree(retired.parent, ignore_errors=True)


def _unwritable(root: Path, exc: OSError) -> Diagnostic:
    return error("CUR419", f"cannot write the schema data folder {root}: {exc.strerror or exc}",
                 hint="Make it writable, or set XDG_DATA_HOME to a writable folder.")


def _from_folder(folder: Path) -> Fetch:
    def read(locked: LockedFile) -> bytes | None:
        file = folder / locked.path
        if not file.is_file():
            return None
        if file.stat().st_size > MAX_FILE_BYTES:
            raise _Failed(_too_large(locked.path, str(folder)))
        try:
            return file.read_bytes()
        except OSError as exc:
            raise _Failed(error("CUR418", f"cannot read {file}: {exc.strerror}",
                                hint="Check the file's permissions.")) from exc

    return read


def _from_zip(path: Path, diags: list[Diagnostic]) -> Fetch | None:
    try:
        data = path.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (OSError, zipfile.BadZipFile) as exc:
        diags.append(error("CUR418", f"{path} is neither a folder nor a readable zip file ({exc})",
                           hint="Give --from a copy of the schema folder, or a zip of it."))
        return None
    prefix = _zip_prefix(archive)

    def read(locked: LockedFile) -> bytes | None:
        try:
            info = archive.getinfo(prefix + locked.path)
        except KeyError:
            return None
        if info.file_size > MAX_FILE_BYTES:
            raise _Failed(_too_large(locked.path, str(path)))
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, OSError) as exc:
            raise _Failed(error("CUR418", f"cannot read {locked.path} from {path}: {exc}",
                                hint="The zip is damaged; make it again.")) from exc

    return read


def _zip_prefix(archive: zipfile.ZipFile) -> str:
    # The set may sit at the zip's root or inside one folder (as `zip -r schemas.zip schemas/` makes it).
    probe = packaged_lock().files[0].path
    for name in archive.namelist():
        if name.endswith(probe):
            return name[: -len(probe)]
    return ""


def _from_mirror(base: str) -> Fetch:
    def download(locked: LockedFile) -> bytes:
        return _download(base + urllib.parse.quote(locked.path), locked.path, MAX_FILE_BYTES)

    return download


def _from_pinned(lock: Lock) -> Fetch:
    archives: dict[str, bytes] = {}

    def download(locked: LockedFile) -> bytes | None:
        source = lock.sources[locked.source]
        if source.url is not None:
            return _download(source.url.format(member=locked.member), locked.path, MAX_FILE_BYTES)
        assert source.archive is not None
        if source.name not in archives:
            data = _download(source.archive, source.archive.rsplit("/", 1)[-1], MAX_ARCHIVE_BYTES)
            actual = sha256_of(data)
            if source.archive_sha256 and actual != source.archive_sha256:
                raise _Failed(mismatch(source.archive.rsplit("/", 1)[-1], source.archive_sha256, actual, source.archive))
            archives[source.name] = data
        return _member(archives[source.name], source.archive, locked)

    return download


def _member(archive: bytes, url: str, locked: LockedFile) -> bytes | None:
    try:
        if url.endswith((".tgz", ".tar.gz")):
            with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
                info = tar.getmember(locked.member)
                handle = tar.extractfile(info) if info.isfile() and info.size <= MAX_FILE_BYTES else None
                return handle.read() if handle is not None else None
        with zipfile.ZipFile(io.BytesIO(archive)) as wheel:
            return wheel.read(locked.member) if wheel.getinfo(locked.member).file_size <= MAX_FILE_BYTES else None
    except KeyError:
        return None
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise _Failed(error("CUR417", f"cannot read {locked.member} from {url}: {exc}",
                            hint="The archive is damaged; try again later.")) from exc


def _download(url: str, label: str, limit: int) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "curriculum-compiler schemas install"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            expected = response.headers.get("Content-Length")
            data: bytes = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise _Failed(_unreachable(label, url, f"HTTP {exc.code} {exc.reason}")) from exc
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise _Failed(_unreachable(label, url, str(reason))) from exc
    if len(data) > limit:
        raise _Failed(_too_large(label, url))
    if expected is not None and expected.isdigit() and int(expected) != len(data):
        raise _Failed(_unreachable(label, url, f"the download was interrupted after {len(data)} of {expected} bytes"))
    return data


def _unreachable(label: str, url: str, reason: str) -> Diagnostic:
    return error("CUR417", f"cannot download {label} from {url}: {reason}",
                 hint="Try again later; on a machine without internet access, copy the schema folder over and run "
                      f"curriculum schemas install --from DIR|ZIP (or point --base-url / ${BASE_URL_ENV} at a mirror).")


def _too_large(label: str, where: str) -> Diagnostic:
    return error("CUR417", f"{label} from {where} is larger than any official schema file",
                 hint="Use an unmodified copy of the official schema set.")
