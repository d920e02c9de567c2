"""Validate stage: a Moodle course backup (.mbz) — a gzip-compressed tar — read as untrusted input.

Checks what Moodle's restore relies on: safe members only (regular files and folders, relative paths, within
size limits), well-formed XML without DTDs, moodle_backup.xml and the folders it names, every file of
files.xml stored under files/<2 hex>/<sha1> with matching bytes, and every id reference resolving
(sections ↔ activities, quizzes → question bank entries, inforef → files and question categories,
badge and course completion criteria → activities).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final

from lxml import etree

from generator.diagnostics import Diagnostic, error
from generator.load.files import UnsafeFile, open_regular
from generator.validate.entries import unsafe_path_reason
from generator.validate.safexml import parse_xml, source_line

MANIFEST: Final = "moodle_backup.xml"
GZIP_MAGIC: Final = b"\x1f\x8b"
MAX_MEMBERS: Final = 20_000
MAX_TOTAL_BYTES: Final = 1 << 30
MAX_XML_BYTES: Final = 64 << 20
EMPTY_SHA1: Final = hashlib.sha1(b"").hexdigest()
_HASH_PATH: Final = re.compile(r"^files/([0-9a-f]{2})/([0-9a-f]{40})$")
_DAMAGED: Final = (tarfile.TarError, zlib.error, EOFError, OSError, gzip.BadGzipFile)
NAME_LIMITS: Final = (
    (re.compile(r"^course/course\.xml$"), "fullname", 254), (re.compile(r"^course/course\.xml$"), "shortname", 255),
    (re.compile(r"^sections/[^/]+/section\.xml$"), "name", 255),
    (re.compile(r"^activities/[^/]+/(page|url|forum|quiz|scorm|resource|label|assign)\.xml$"), "*/name", 255),
    (re.compile(r"^questions\.xml$"), ".//question/name", 255),
    (re.compile(r"^questions\.xml$"), "question_category/name", 255),
    (re.compile(r"^badges\.xml$"), "badge/name", 255),
)
"""Text fields Moodle stores in columns of limited length (lib/db/install.xml, mod/*/db/install.xml):
a longer value makes the restore stop with a database error."""


@dataclass(frozen=True, slots=True)
class BackupFindings:
    activities: int
    backup_release: str | None
    """The Moodle release the backup says wrote it; that release and later ones restore it."""


def is_backup(source: Path | bytes) -> bool:
    """True when `source` starts like a gzip stream, which is how Moodle writes .mbz files."""
    if isinstance(source, bytes):
        return source[:2] == GZIP_MAGIC
    try:
        with open_regular(source) as stream:
            return stream.read(2) == GZIP_MAGIC
    except (UnsafeFile, OSError):
        return False  # a FIFO or device would block the read; the zip checks report it (CUR471)


def check_backup(source: Path | bytes, label: str, diags: list[Diagnostic]) -> BackupFindings | None:
    """Validate a Moodle backup; None when it cannot be read far enough to say what it holds.

    Diagnostics: CUR450, CUR451, CUR452, CUR453, CUR454, CUR455, CUR456, CUR457, CUR458, CUR403.
    """
    members = _read_members(source, label, diags)
    return check_members(members, label, diags) if members is not None else None


def check_members(members: dict[str, bytes], label: str, diags: list[Diagnostic]) -> BackupFindings | None:
    """Validate the files of a Moodle backup already read from its archive (tar.gz, or a zip Moodle also restores).

    Diagnostics: CUR451, CUR453, CUR454, CUR455, CUR456, CUR457, CUR458, CUR403.
    """
    if MANIFEST not in members:
        diags.append(error("CUR451", f"'{MANIFEST}' is missing from the backup root", PurePosixPath(label),
                           hint="A Moodle backup has moodle_backup.xml at its root; pack the backup folder's "
                                "contents, not the folder (tar -czf course.mbz -C folder .)."))
        return None
    trees: dict[str, etree._Element] = {}
    for name in sorted(n for n in members if n.endswith(".xml")):
        if len(members[name]) > MAX_XML_BYTES:
            diags.append(error("CUR457", f"'{name}' has {len(members[name]):,} bytes; XML files over "
                                         f"{MAX_XML_BYTES:,} bytes are not parsed", PurePosixPath(f"{label}/{name}"),
                               hint="Split the course: no Moodle backup file of a real course comes near this size."))
            continue
        tree = parse_xml(members[name], PurePosixPath(f"{label}/{name}"), diags)
        if tree is not None:
            trees[name] = tree.getroot()
    manifest = trees.get(MANIFEST)
    if manifest is None:
        return None
    _Checker(label, members, trees, diags).run(manifest)
    release = manifest.findtext("information/backup_release")
    return BackupFindings(len(manifest.findall("information/contents/activities/activity")), release)


def _read_members(source: Path | bytes, label: str, diags: list[Diagnostic]) -> dict[str, bytes] | None:
    """Every regular file of the archive by name, after vetting each member's type, path and size."""
    package = PurePosixPath(label)
    members: dict[str, bytes] = {}
    total = 0
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else open_regular(source, label)
        with stream, tarfile.open(fileobj=stream, mode="r:gz") as archive:
            for count, member in enumerate(archive, start=1):
                if count > MAX_MEMBERS:
                    diags.append(error("CUR457", f"the backup has more than {MAX_MEMBERS:,} entries", package,
                                       hint="Split the course or remove unused files."))
                    return None
                reason = _unsafe(member)
                if reason:
                    diags.append(error("CUR452", f"entry '{member.name}' {reason}", package,
                                       hint="A backup holds regular files and folders with relative paths only; "
                                            "extracting this entry could write outside the restore folder."))
                    continue
                if not member.isfile():
                    continue
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    diags.append(error("CUR457", f"the backup expands to more than {MAX_TOTAL_BYTES:,} bytes",
                                       package, hint="Move large media out of the course and link to it instead."))
                    return None
                name = member.name.removeprefix("./")
                if name in members:
                    diags.append(error("CUR452", f"entry '{name}' appears twice in the backup", package,
                                       hint="Keep one entry per path: which copy is restored depends on the tool."))
                    continue
                extracted = archive.extractfile(member)
                if extracted is not None:
                    members[name] = extracted.read(member.size)
    except UnsafeFile as exc:  # swapped for a FIFO or device after it was sniffed
        diags.append(error("CUR471", exc.message, package, hint="Pass the package file itself."))
        return None
    except _DAMAGED as exc:
        diags.append(error("CUR450", f"'{label}' is not a readable gzip-compressed tar (Moodle backup): {exc}", package,
                           hint="Rebuild the backup, or pack the backup folder with tar -czf course.mbz -C folder ."))
        return None
    return members


def _unsafe(member: tarfile.TarInfo) -> str | None:
    if member.issym() or member.islnk():
        return f"is a link (to '{member.linkname}')"
    if not (member.isfile() or member.isdir()):
        return "is not a regular file or folder (device, FIFO or other special entry)"
    return unsafe_path_reason(member.name)


class _Checker:
    """Cross-file checks over the parsed backup: files and their hashes, folders, and id references."""

    def __init__(self, label: str, members: dict[str, bytes], trees: dict[str, etree._Element],
                 diags: list[Diagnostic]) -> None:
        self.label = label
        self.members = members
        self.trees = trees
        self.diags = diags

    def at(self, name: str) -> PurePosixPath:
        return PurePosixPath(f"{self.label}/{name}")

    def dangling(self, name: str, element: etree._Element, what: str, value: str, hint: str) -> None:
        self.diags.append(error("CUR456", f"{what} '{value}' does not resolve", self.at(name), source_line(element),
                                hint=hint))

    def run(self, manifest: etree._Element) -> None:
        self._lengths()
        module_ids = self._folders(manifest)
        section_ids = {s.findtext("sectionid") or "" for s in manifest.iterfind("information/contents/sections/section")}
        file_ids = self._files()
        categories, entries = self._question_bank()
        for name, root in sorted(self.trees.items()):
            if name.endswith("/module.xml"):
                self._refs(name, root.iterfind("sectionid"), section_ids, "section id",
                           "Point the module at a section listed in moodle_backup.xml.")
            elif name.startswith("sections/") and name.endswith("/section.xml"):
                sequence = [s for s in (root.findtext("sequence") or "").split(",") if s]
                for cmid in sequence:
                    if cmid not in module_ids:
                        self.dangling(name, root, "course module in the section's sequence", cmid,
                                      "List only activities that moodle_backup.xml names.")
            elif name.endswith("/inforef.xml"):
                self._refs(name, root.iterfind("fileref/file/id"), file_ids, "file id",
                           "Add the file to files.xml or remove it from inforef.xml.")
                self._refs(name, root.iterfind("question_categoryref/question_category/id"), categories,
                           "question category", "Add the category to questions.xml or remove it from inforef.xml.")
            elif name.endswith("/quiz.xml"):
                self._refs(name, root.iter("questionbankentryid"), entries, "question bank entry",
                           "Every quiz slot must use a question bank entry of questions.xml.")
        badges = self.trees.get("badges.xml")
        if badges is not None:
            params = [p for p in badges.iter("parameter") if (p.findtext("name") or "").startswith("module_")]
            self._refs("badges.xml", (p.find("value") for p in params), module_ids, "activity of a badge criterion",
                       "Name activities by the module ids listed in moodle_backup.xml.")
        completion = self.trees.get("completion.xml")
        if completion is not None:
            self._refs("completion.xml", completion.iter("moduleinstance"), module_ids,
                       "activity of a course completion criterion",
                       "Name activities by the module ids listed in moodle_backup.xml.")

    def _lengths(self) -> None:
        for name, root in sorted(self.trees.items()):
            for pattern, path, limit in NAME_LIMITS:
                if not pattern.match(name):
                    continue
                for element in root.iterfind(path):
                    value = element.text or ""
                    if len(value) > limit:
                        self.diags.append(error(
                            "CUR458", f"<{element.tag}> has {len(value)} characters; Moodle stores at most {limit}: "
                                      f"'{value[:40]}…'", self.at(name), source_line(element),
                            hint="Shorten the title in the sources; Moodle's restore stops with a database error on "
                                 "a longer value."))

    def _refs(self, name: str, elements: Iterable[etree._Element | None], known: set[str], what: str,
              hint: str) -> None:
        for element in elements:
            if element is None or (element.text or "") in ("", "$@NULL@$"):
                continue
            if element.text not in known:
                self.dangling(name, element, what, element.text or "", hint)

    def _folders(self, manifest: etree._Element) -> set[str]:
        """Module ids of the activities; each activity and section folder must hold its main XML file."""
        module_ids = set()
        kinds: list[tuple[str, Callable[[etree._Element], str]]] = [
            ("information/contents/activities/activity", lambda e: f"{e.findtext('modulename')}.xml"),
            ("information/contents/sections/section", lambda e: "section.xml")]
        for path, main in kinds:
            for element in manifest.iterfind(path):
                if element.tag == "activity":
                    module_ids.add(element.findtext("moduleid") or "")
                folder = element.findtext("directory") or ""
                needed = [f"{folder}/{main(element)}"] + ([f"{folder}/module.xml"] if element.tag == "activity" else [])
                for file in needed:
                    if file not in self.members:
                        self.diags.append(error(
                            "CUR455", f"'{file}' is missing: moodle_backup.xml names the folder '{folder}'",
                            self.at(MANIFEST), source_line(element),
                            hint="Add the folder's files, or remove the entry from moodle_backup.xml."))
        return module_ids

    def _files(self) -> set[str]:
        """Ids of files.xml; each stored file's bytes must exist under files/ and match the content hash."""
        root = self.trees.get("files.xml")
        if root is None:
            return set()
        ids = set()
        for record in root.iterfind("file"):
            ids.add(record.get("id") or "")
            digest = (record.findtext("contenthash") or "").lower()
            if record.findtext("filename") == "." or digest == EMPTY_SHA1:
                continue  # folder records and empty files have no bytes to store
            path = f"files/{digest[:2]}/{digest}"
            if not _HASH_PATH.match(path) or path not in self.members:
                self.diags.append(error("CUR453", f"file '{record.findtext('filepath')}{record.findtext('filename')}' "
                                                  f"is missing: no '{path}' in the backup", self.at("files.xml"),
                                        source_line(record),
                                        hint="Store each file's bytes under files/<first two hex digits>/<sha1>."))
            elif hashlib.sha1(self.members[path]).hexdigest() != digest:
                self.diags.append(error("CUR454", f"'{path}' does not match its content hash", self.at("files.xml"),
                                        source_line(record),
                                        hint="The file was changed after the backup was written; rebuild it."))
        return ids

    def _question_bank(self) -> tuple[set[str], set[str]]:
        root = self.trees.get("questions.xml")
        if root is None:
            return set(), set()
        categories = {c.get("id") or "" for c in root.iterfind("question_category")}
        entries = {e.get("id") or "" for e in root.iter("question_bank_entry")}
        for entry in root.iter("question_bank_entry"):
            self._refs("questions.xml", entry.iterfind("questioncategoryid"), categories, "question category",
                       "A question bank entry must belong to a category of questions.xml.")
        for question in root.iter("question"):
            answers = {a.get("id") or "" for a in question.iter("answer")}
            refs: list[etree._Element | None] = [*question.iter("trueanswer"), *question.iter("falseanswer")]
            refs += [r.find("answer") for r in question.iter("numerical_record")]
            self._refs("questions.xml", refs, answers, "answer of a question",
                       "Point at an answer of the same question.")
        return categories, entries
