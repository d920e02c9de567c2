"""Diagnostics: every problem found by any stage, as data, plus text and JSON rendering."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """Information that never fails a run, e.g. how a format falls back."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    """Stable code such as `CUR204`; tests and tools rely on it."""
    severity: Severity
    message: str
    """What is wrong, quoting the offending value."""
    file: PurePosixPath | None = None
    """Relative to the project root (or the package path for `validate`)."""
    line: int | None = None
    """1-based."""
    column: int | None = None
    """1-based."""
    hint: str | None = None
    """How to fix it, as an imperative sentence."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(code: str, message: str, file: PurePosixPath | None = None, line: int | None = None,
          hint: str | None = None, column: int | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, file, line, column, hint)


def warning(code: str, message: str, file: PurePosixPath | None = None, line: int | None = None,
            hint: str | None = None, column: int | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.WARNING, message, file, line, column, hint)


def note(code: str, message: str, file: PurePosixPath | None = None, line: int | None = None,
         hint: str | None = None, column: int | None = None) -> Diagnostic:
    return Diagnostic(code, Severity.NOTE, message, file, line, column, hint)


CODES: Final[dict[str, str]] = {
    # load
    "CUR101": "file cannot be read (missing permission, not UTF-8 text, or binary)",
    "CUR102": "invalid YAML syntax",
    "CUR103": "duplicate key in a YAML mapping",
    "CUR104": "value has the wrong type or is out of range",
    "CUR105": "unknown field",
    "CUR106": "required file or folder is missing",
    "CUR107": "lesson or case study has no YAML front matter",
    "CUR108": "file is empty",
    "CUR109": "YAML document is not a mapping",
    "CUR110": "file too large or too deeply aliased to load safely",
    "CUR111": "required field is missing",
    "CUR112": "module folder has no unit.yaml",
    # check: identity and references
    "CUR201": "duplicate identifier",
    "CUR202": "programme schedule names a unit that does not exist",
    "CUR203": "unit is not in the programme schedule",
    "CUR204": "lesson references an unknown outcome",
    "CUR205": "outcome references an unknown competence-profile skill",
    "CUR206": "assessment references an unknown outcome",
    "CUR207": "case study references an unknown unit",
    "CUR208": "career path target level missing or unknown",
    "CUR209": "lesson references an outcome of another unit",
    # check: coverage
    "CUR210": "learning outcome is taught by no lesson",
    "CUR211": "learning outcome is not covered by the unit's assessment",
    "CUR212": "competence-profile skill is developed by no learning outcome",
    "CUR213": "unit has no lessons",
    "CUR214": "unit lacks an outcome kind (knowledge, skills or competence)",
    # check: credits and levels
    "CUR220": "unit ECVET points do not add up to the programme total",
    "CUR221": "unit EQF level is above the programme level",
    "CUR222": "unit EQF level is far below the programme level",
    "CUR223": "target level lies outside the rating scale",
    "CUR224": "rating scale levels are not 0, 1, 2, ... in order",
    # check: schedule
    "CUR230": "month outside the programme duration",
    "CUR231": "month with no unit running",
    "CUR232": "unit months differ from the programme schedule",
    # check: links, media, HTML, text
    "CUR240": "link to an unknown lesson",
    "CUR241": "link to an unknown case study",
    "CUR242": "link or image path escapes the project or is absolute",
    "CUR243": "linked file does not exist",
    "CUR244": "image has no alt text",
    "CUR245": "file is too large",
    "CUR246": "HTML element or attribute not allowed (the sanitiser removes it)",
    "CUR247": "link or image uses an unsupported URL scheme",
    "CUR248": "outcome text does not start with an action verb",
    "CUR249": "heading levels skip or a lesson uses a level-1 heading",
    "CUR250": "symbolic link points outside the project",
    "CUR251": "the HTML sanitiser changes raw HTML in a way no other rule names",
    "CUR252": "source is not a regular file (a FIFO, device or socket)",
    "CUR253": "source file or folder resolves outside the project",
    "CUR254": "paragraph too dense in brackets and tags to render in reasonable time",
    "CUR255": "more problems in one text than are listed (summarised by code)",
    # check: quizzes
    "CUR260": "single-choice question needs exactly one correct option",
    "CUR261": "multiple-choice question needs at least one correct option",
    "CUR262": "question lacks what its type needs",
    "CUR263": "question sets a field its type does not use",
    "CUR264": "question assesses an unknown outcome or one of another unit",
    "CUR265": "learning outcome is assessed by no quiz question",
    "CUR266": "unit has no quiz",
    "CUR267": "matching question repeats an item",
    "CUR268": "question type has no Common Cartridge equivalent and falls back",
    "CUR269": "quiz text shows an image, which quizzes cannot carry",
    # check: quiz validity (cues that give the answer away)
    "CUR280": "one option position holds the key in too many single-answer questions of a quiz",
    "CUR281": "the longest option is the key in too many single-answer questions of a quiz",
    "CUR282": "too many multiple-answer questions of a quiz list their correct options first",
    "CUR283": "the true/false answers of a quiz lean too far one way",
    # check: translations
    "CUR270": "lesson or case study lacks a translation into a programme language",
    "CUR271": "translation is stale: its source changed after it was translated",
    "CUR272": "translation file has no source file",
    "CUR273": "translation into a language the programme does not declare",
    # render / package
    "CUR301": "package not built because the sources have errors",
    "CUR302": "package could not be written",
    "CUR303": "no unit with the code given on the command line",
    "CUR304": "no interface translation for the language given with --lang",
    "CUR310": "packages were not validated against the official XSDs because no schemas were found",
    "CUR311": "curriculum init refuses a folder that is not empty",
    "CUR312": "curriculum init cannot write the new programme",
    # validate
    "CUR401": "package is not a readable zip file",
    "CUR402": "imsmanifest.xml is missing from the package root",
    "CUR403": "XML is not well-formed or uses forbidden constructs (DTD, entities)",
    "CUR404": "manifest format not recognised",
    "CUR405": "XML does not conform to the official schema",
    "CUR406": "referenced file is missing from the package",
    "CUR407": "identifier reference does not resolve",
    "CUR408": "identifier is not unique",
    "CUR409": "unsafe path in the package (absolute, '..', or backslash)",
    "CUR410": "zip entry is corrupt (CRC or size mismatch)",
    "CUR411": "package exceeds size limits",
    "CUR412": "official schemas not found",
    "CUR413": "launch file missing",
    "CUR414": "file in the package is not referenced by the manifest",
    "CUR415": "XSD part of validation not checked because no official schemas were found",
    "CUR416": "schema file does not match the SHA-256 in the lock",
    "CUR417": "schema file or archive cannot be downloaded",
    "CUR418": "schema file missing from the set or the given copy",
    "CUR419": "schema data folder cannot be written",
    # validate --lms: what an LMS refuses (error) or changes (warning); the rules are in generator/lms/rules.py
    "CUR430": "Moodle refuses SCORM 2004 with imsss:mapInfo",
    "CUR431": "Moodle restores only Common Cartridge 1.0 and 1.1",
    "CUR432": "Moodle does not find the cartridge namespace in the manifest's first 500 bytes",
    "CUR433": "imsmanifest.xml is not at the root of the zip",
    "CUR434": "Moodle loses an HTML file used as a cartridge file resource",
    "CUR435": "Moodle drops a cartridge page's <head> and scripts",
    "CUR436": "links between cartridge pages break in Moodle",
    "CUR437": "Moodle converts or drops cartridge questions outside the CC 1.1 profiles",
    "CUR438": "Moodle restores every cartridge quiz with a total of 4 and no pass grade",
    "CUR439": "Moodle never shuffles cartridge answers",
    "CUR440": "Moodle names cartridge sections 'Topic N'",
    "CUR441": "Moodle drops cartridge resources of unknown types",
    "CUR442": "Canvas has no course import for SCORM or IMS CP",
    "CUR443": "Canvas imports cartridge pages as files",
    "CUR444": "only Moodle restores a Moodle course backup",
    "CUR450": "Moodle backup is not a readable gzip-compressed tar",
    "CUR451": "moodle_backup.xml is missing from the backup root",
    "CUR452": "unsafe entry in a Moodle backup (link, special file, absolute or '..' path, duplicate)",
    "CUR453": "file listed in files.xml is missing from the backup",
    "CUR454": "stored file does not match its content hash",
    "CUR455": "folder named in moodle_backup.xml is missing or incomplete",
    "CUR456": "id reference in a Moodle backup does not resolve",
    "CUR457": "Moodle backup exceeds size limits",
    "CUR458": "name in a Moodle backup is longer than Moodle stores",
    "CUR470": "zip entry is a symbolic link",
    "CUR471": "zip entry or package file is not a regular file (a FIFO, device or socket)",
    "CUR472": "XML file in the package is too large to read",
    "CUR473": "XML file in the package has too many elements",
    "CUR474": "more problems than are listed (summarised by code)",
    # profile and exports
    "CUR501": "ratings file cannot be read or is not valid JSON",
    "CUR502": "ratings file has a missing, unknown or mistyped field",
    "CUR503": "career path missing or unknown",
    "CUR504": "rating of an unknown competence-profile skill",
    "CUR505": "rating is not a whole number on the rating scale",
    "CUR506": "skill not rated; it counts as 0",
    "CUR507": "country context is not DE, FR or CH",
    "CUR508": "the earlier self-assessment is dated after the later one",
    "CUR509": "the ratings were taken for another programme",
    "CUR510": "ratings file exceeds a size, nesting or number-length limit",
    "CUR520": "rating scale label contains a comma, which Moodle scale values cannot hold",
    "CUR521": "two competencies would get the same Moodle id number",
}


def count(diags: Iterable[Diagnostic]) -> tuple[int, int]:
    """Return (errors, warnings); notes are not counted."""
    errors = warnings = 0
    for d in diags:
        if d.is_error:
            errors += 1
        elif d.severity is Severity.WARNING:
            warnings += 1
    return errors, warnings


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    return (str(d.file or ""), d.line or 0, d.column or 0, d.code)


def format_text(d: Diagnostic) -> str:
    where = str(d.file) if d.file else "<project>"
    if d.line is not None:
        where += f":{d.line}:{d.column or 1}"
    text = f"{where}: {d.severity.value} {d.code}: {d.message}"
    if d.hint:
        text += f"\n  hint: {d.hint}"
    return text


def summary(diags: Iterable[Diagnostic]) -> str:
    items = list(diags)
    errors, warnings = count(items)
    notes = len(items) - errors - warnings
    parts = [f"{errors} error{'s' if errors != 1 else ''}", f"{warnings} warning{'s' if warnings != 1 else ''}"]
    if notes:
        parts.append(f"{notes} note{'s' if notes != 1 else ''}")
    return ", ".join(parts)


def to_json_obj(d: Diagnostic) -> dict[str, object]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": str(d.file) if d.file else None,
        "line": d.line,
        "column": d.column,
        "hint": d.hint,
    }


def format_json(diags: Iterable[Diagnostic]) -> str:
    items = sorted(diags, key=sort_key)
    errors, warnings = count(items)
    return json.dumps({"diagnostics": [to_json_obj(d) for d in items],
                       "errors": errors, "warnings": warnings}, indent=2, ensure_ascii=False)
