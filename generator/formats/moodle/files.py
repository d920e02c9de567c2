"""Package stage helper (Moodle backup): the file pool — files.xml, and each file's bytes under files/<2 hex>/<sha1>."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from generator.archive import ZipEntry
from generator.formats.moodle.xml import E, leaves, node

EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    contenthash: str
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    """Folder inside the file area, with leading and trailing slash: `/media/`."""
    filename: str
    """`.` for the folder record Moodle keeps for every folder."""
    size: int
    mimetype: str | None


@dataclass(slots=True)
class FilePool:
    """Every stored file of the backup; ids are given in order of addition, so the same build gives the same ids."""

    timestamp: int
    files: list[StoredFile] = field(default_factory=list)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def add(self, contextid: int, component: str, filearea: str, itemid: int, path: str, data: bytes) -> int:
        """Store `data` as `path` (POSIX, relative) in a file area, with folder records for its folders; the file's id."""
        parts = PurePosixPath(path).parts
        folder = "/" + "".join(f"{p}/" for p in parts[:-1])
        self._folders(contextid, component, filearea, itemid, folder)
        digest = hashlib.sha1(data).hexdigest()
        self.blobs[digest] = data
        mimetype = mimetypes.guess_type(parts[-1])[0] or "application/octet-stream"
        stored = StoredFile(len(self.files) + 1, digest, contextid, component, filearea, itemid, folder, parts[-1],
                            len(data), mimetype)
        self.files.append(stored)
        return stored.id

    def _folders(self, contextid: int, component: str, filearea: str, itemid: int, folder: str) -> None:
        # Moodle keeps a "." record for each folder of an area, down to the root; restore recreates them itself,
        # but writing them keeps the file area the same as the one Moodle backed up.
        segments = [s for s in folder.split("/") if s]
        for depth in range(len(segments), -1, -1):
            path = "/" + "".join(f"{s}/" for s in segments[:depth])
            if not any(f.contextid == contextid and f.component == component and f.filearea == filearea
                       and f.itemid == itemid and f.filepath == path and f.filename == "." for f in self.files):
                self.files.append(StoredFile(len(self.files) + 1, EMPTY_SHA1, contextid, component, filearea, itemid,
                                             path, ".", 0, None))

    def ids_in(self, contextid: int) -> list[int]:
        return [f.id for f in self.files if f.contextid == contextid]

    def xml(self) -> etree._Element:
        return E.files(*[node("file", f.id, leaves(
            ("contenthash", f.contenthash), ("contextid", f.contextid), ("component", f.component),
            ("filearea", f.filearea), ("itemid", f.itemid), ("filepath", f.filepath), ("filename", f.filename),
            ("userid", None), ("filesize", f.size), ("mimetype", f.mimetype), ("status", 0),
            ("timecreated", self.timestamp), ("timemodified", self.timestamp), ("source", None), ("author", None),
            ("license", None), ("sortorder", 0), ("repositorytype", None), ("repositoryid", None),
            ("reference", None))) for f in self.files])

    def entries(self) -> Iterator[ZipEntry]:
        """The bytes of every file, once per content hash, where Moodle's restore looks for them (folders have none)."""
        for digest in sorted(self.blobs):
            yield ZipEntry(f"files/{digest[:2]}/{digest}", self.blobs[digest])
