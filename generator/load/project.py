"""Load stage: read a curriculum folder into the typed model, turning every problem into a Diagnostic."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Final, TypeVar

from pydantic import BaseModel, ValidationError

from generator.diagnostics import Diagnostic, error
from generator.i18n import source_hash
from generator.load.files import ProjectFiles, UnsafeFile
from generator.load.frontmatter import split_front_matter
from generator.load.markdown import forget_memos as forget_markdown_memos
from generator.load.markdown import memo_allowed, read_markdown
from generator.load.yamlsource import Positions, parse_yaml
from generator.model import (
    CaseStudy,
    CaseStudyMeta,
    Competences,
    Curriculum,
    Document,
    Lesson,
    LessonMeta,
    Programme,
    Quiz,
    SourceModel,
    Translation,
    TranslationMeta,
    Unit,
    UnitSource,
)
from generator.workers import gc_frozen

M = TypeVar("M", bound=BaseModel)
MAX_SOURCE_BYTES: Final = 2 * 1024 * 1024
PROGRAMME_FILE: Final = PurePosixPath("curriculum/programme.yaml")
COMPETENCES_FILE: Final = PurePosixPath("curriculum/competences.yaml")
QUIZ_FILE: Final = "quiz.yaml"
_TRANSLATION = re.compile(r"\.([a-z]{2,3}(?:-[A-Z]{2})?)\.md$")


def load_project(root: Path, jobs: int = 1) -> tuple[Curriculum, list[Diagnostic]]:
    """Load everything under `root`; return the model (with what could be loaded) and all diagnostics.

    With `jobs` > 1 the unit folders are loaded by that many worker processes where forking is safe
    (generator/load/parallel.py); the model and diagnostics are those of a load in one process.
    Diagnostics: CUR101-CUR112, CUR252, CUR253.
    """
    diags: list[Diagnostic] = []
    files = ProjectFiles(root)
    with _collecting_new_objects_only():
        programme, programme_pos = _load_yaml_model(files, PROGRAMME_FILE, Programme, diags)
        competences, competences_pos = _load_yaml_model(files, COMPETENCES_FILE, Competences, diags)
        units, orphans = _load_units(root, diags, jobs)
        case_studies = tuple(_load_case_studies(files, diags))
    curriculum = Curriculum(root, programme, programme_pos, competences, competences_pos,
                            units, case_studies, orphans)
    return curriculum, diags


@contextmanager
def _collecting_new_objects_only() -> Iterator[None]:
    """Keep what exists before the load out of the cyclic garbage collector's full passes while it runs.

    A load makes hundreds of thousands of small containers, enough for a full pass that walks every object of
    the process, the imported modules and libraries of a build included (13-26 ms measured, a tenth of a warm
    1000-lesson load); garbage made meanwhile is still collected. Freezing only moves the collector's lists, and
    nothing frozen is lost: it is unfrozen after (by the outermost freeze, when a caller froze too).
    """
    with gc_frozen():
        yield


UnitLoad = tuple["UnitSource | None", "PurePosixPath | None", list[Diagnostic]]
"""What one module folder gives: its unit (if it loads), the folder if it has no unit.yaml, and diagnostics."""


def _load_units(root: Path, diags: list[Diagnostic], jobs: int = 1,
                ) -> tuple[tuple[UnitSource, ...], tuple[PurePosixPath, ...]]:
    from generator.load.parallel import load_folders

    modules = root / "modules"
    if not modules.is_dir():
        diags.append(error("CUR106", "folder 'modules/' is missing", PurePosixPath("modules"),
                           hint="Create modules/NN-slug/unit.yaml for each unit (see docs/authoring.md)."))
        return (), ()
    folders = sorted(p for p in modules.iterdir() if p.is_dir() and not p.name.startswith("."))
    units: list[UnitSource] = []
    orphans: list[PurePosixPath] = []
    for unit, orphan, found in load_folders(root, folders, jobs):
        diags += found
        units += [unit] if unit is not None else []
        orphans += [orphan] if orphan is not None else []
    return tuple(units), tuple(orphans)


def load_unit_folder(root: Path, folder: Path) -> UnitLoad:
    """Load one module folder: unit.yaml, its lessons (with translations) and quiz.yaml."""
    diags: list[Diagnostic] = []
    files = ProjectFiles(root)  # one per folder: a worker process loads folders of its own
    rel_folder = PurePosixPath("modules", folder.name)
    if not files.is_inside(folder):
        diags.append(error("CUR253", f"module folder '{rel_folder}' resolves to {folder.resolve()}, outside the project",
                           rel_folder, hint="Move the unit into the project instead of linking to it."))
        return None, None, diags
    unit_file = rel_folder / "unit.yaml"
    if not (folder / "unit.yaml").exists():
        diags.append(error("CUR112", f"module folder '{rel_folder}' has no unit.yaml", rel_folder,
                           hint="Add a unit.yaml (docs/authoring.md has a complete example) or remove the folder."))
        return None, rel_folder, diags
    unit, positions = _load_yaml_model(files, unit_file, Unit, diags)
    lessons = tuple(_load_lessons(files, folder, rel_folder, unit.code if unit else "", diags))
    quiz, quiz_positions = (_load_yaml_model(files, rel_folder / QUIZ_FILE, Quiz, diags)
                            if (folder / QUIZ_FILE).exists() else (None, None))
    if unit and positions:
        return UnitSource(unit, rel_folder, unit_file, positions, lessons, quiz, quiz_positions), None, diags
    return None, None, diags


def _load_lessons(files: ProjectFiles, folder: Path, rel_folder: PurePosixPath, unit_code: str,
                  diags: list[Diagnostic]) -> list[Lesson]:
    lessons = []
    listing = _markdown_files(folder)
    translations = _translations_by_stem(listing)
    for path in _sources(listing, folder, rel_folder, diags):
        rel = rel_folder / path.name
        loaded = _load_markdown(files, rel, LessonMeta, diags)
        if loaded:
            meta, positions, doc, text = loaded
            lessons.append(Lesson(meta, unit_code, rel, positions, doc, source_hash(text),
                                  _load_translations(files, translations.get(path.stem, []), rel_folder, diags)))
    return lessons


def _markdown_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.md"))


def _sources(listing: list[Path], folder: Path, rel_folder: PurePosixPath, diags: list[Diagnostic]) -> list[Path]:
    """Markdown sources of a folder (`listing`: its Markdown files); translations are loaded with their source,
    and orphans reported."""
    sources = []
    for path in listing:
        if path.name.lower() == "readme.md":
            continue
        match = _TRANSLATION.search(path.name)
        if not match:
            sources.append(path)
        elif not (folder / (path.name[: match.start()] + ".md")).exists():
            diags.append(error("CUR272", f"translation '{path.name}' has no source file "
                                         f"'{path.name[: match.start()]}.md'", rel_folder / path.name, 1,
                               hint="Rename it after the file it translates, or delete it."))
    return sources


def _translations_by_stem(listing: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """The folder's translations (`<stem>.<lang>.md`) as (language, file name), in listing order, by the stem of
    the file they translate. A name has one such split at most: a language code holds no dot."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in listing:
        name = path.name
        match = _TRANSLATION.search(name)
        if match:
            found.setdefault(name[: match.start()], []).append((match.group(1), name))
    return found


def _load_translations(files: ProjectFiles, translations: list[tuple[str, str]], rel_folder: PurePosixPath,
                       diags: list[Diagnostic]) -> tuple[Translation, ...]:
    """The translations of one source, as (language, file name) found by `_translations_by_stem`."""
    found = []
    for language, name in translations:
        rel = rel_folder / name
        loaded = _load_markdown(files, rel, TranslationMeta, diags)
        if loaded:
            meta, positions, doc, _ = loaded
            found.append(Translation(language, meta, rel, positions, doc))
    return tuple(found)


def _load_case_studies(files: ProjectFiles, diags: list[Diagnostic]) -> list[CaseStudy]:
    folder = files.root / "case_studies"
    if not folder.is_dir():
        return []
    cases = []
    rel_folder = PurePosixPath("case_studies")
    listing = _markdown_files(folder)
    translations = _translations_by_stem(listing)
    for path in _sources(listing, folder, rel_folder, diags):
        rel = rel_folder / path.name
        loaded = _load_markdown(files, rel, CaseStudyMeta, diags)
        if loaded:
            meta, positions, doc, text = loaded
            cases.append(CaseStudy(meta, rel, positions, doc, source_hash(text),
                                   _load_translations(files, translations.get(path.stem, []), rel_folder, diags)))
    return cases


def read_source(files: ProjectFiles, rel: PurePosixPath, diags: list[Diagnostic]) -> str | None:
    """Read a UTF-8 source file; report unreadable, binary, oversized or empty files.

    Diagnostics: CUR101, CUR106, CUR108, CUR110, CUR252, CUR253.
    """
    try:
        data = files.read_relative(rel, MAX_SOURCE_BYTES)
    except UnsafeFile as exc:
        diags.append(error(exc.code, exc.message, rel, hint=exc.hint))
        return None
    except FileNotFoundError:
        diags.append(error("CUR106", f"required file '{rel}' is missing", rel,
                           hint="Create it; docs/authoring.md shows a complete example."))
        return None
    except IsADirectoryError:
        diags.append(error("CUR101", f"'{rel}' is a folder, expected a file", rel))
        return None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        diags.append(error("CUR101", f"cannot read '{rel}': {reason}", rel,
                           hint="Check the file's permissions."))
        return None
    if b"\0" in data:
        diags.append(error("CUR101", f"'{rel}' is a binary file, not text", rel, 1,
                           hint="Save the file as UTF-8 text."))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diags.append(error("CUR101", f"'{rel}' is not valid UTF-8 (byte {exc.start})", rel, line,
                           hint="Re-save the file with UTF-8 encoding."))
        return None
    if not text.strip():
        diags.append(error("CUR108", f"'{rel}' is empty", rel, 1, hint="Fill it in or delete it."))
        return None
    return text


def _load_yaml_model(files: ProjectFiles, rel: PurePosixPath, model: type[M], diags: list[Diagnostic],
                     ) -> tuple[M | None, Positions | None]:
    text = read_source(files, rel, diags)
    if text is None:
        return None, None
    parse = _parsed_yaml_model if memo_allowed() else _parsed_yaml_model.__wrapped__
    (meta, positions), found = parse(rel, model, text)
    diags.extend(found)
    return meta, positions


def _load_markdown(files: ProjectFiles, rel: PurePosixPath, model: type[M], diags: list[Diagnostic],
                   ) -> tuple[M, Positions, Document, str] | None:
    text = read_source(files, rel, diags)
    if text is None:
        return None
    parse = _parsed_markdown if memo_allowed() else _parsed_markdown.__wrapped__
    parsed, found = parse(rel, model, text)
    diags.extend(found)
    return None if parsed is None else (*parsed, text)


# The files are read (with every safety check) on each load; what is made of a file's text is kept, by the whole
# text, its path and model: it depends on nothing else, and the models and documents are immutable. The preview's
# refresh after one saved lesson then parses that lesson only. Bounded: every saved version adds an entry.
MEMO_FILES: Final = 4096


def forget_memos() -> None:
    """Drop what this process remembers of files and bodies it loaded (as if in a new process)."""
    _parsed_yaml_model.cache_clear()
    _parsed_markdown.cache_clear()
    forget_markdown_memos()


@lru_cache(maxsize=MEMO_FILES)
def _parsed_yaml_model(rel: PurePosixPath, model: type[M], text: str,
                       ) -> tuple[tuple[M | None, Positions | None], tuple[Diagnostic, ...]]:
    diags: list[Diagnostic] = []
    parsed = parse_yaml(text, rel, diags)
    if parsed is None:
        return (None, None), tuple(diags)
    data, positions = parsed
    return (_validate(model, data, positions, rel, diags), positions), tuple(diags)


@lru_cache(maxsize=MEMO_FILES)
def _parsed_markdown(rel: PurePosixPath, model: type[M], text: str,
                     ) -> tuple[tuple[M, Positions, Document] | None, tuple[Diagnostic, ...]]:
    diags: list[Diagnostic] = []
    return _parse_markdown(rel, model, text, diags), tuple(diags)


def _parse_markdown(rel: PurePosixPath, model: type[M], text: str, diags: list[Diagnostic],
                    ) -> tuple[M, Positions, Document] | None:
    split = split_front_matter(text)
    if split is None:
        diags.append(error("CUR107", f"'{rel}' has no YAML front matter", rel, 1,
                           hint="Start the file with a '---' line, the fields (id, title, ...), and another '---' line."))
        return None
    parsed = parse_yaml(split.front_matter, rel, diags, line_offset=1)
    if parsed is None:
        return None
    data, positions = parsed
    meta = _validate(model, data, positions, rel, diags)
    if meta is None:
        return None
    return meta, positions, read_markdown(split.body, split.body_line)


def _validate(model: type[M], data: object, positions: Positions, rel: PurePosixPath,
              diags: list[Diagnostic]) -> M | None:
    if not isinstance(data, dict):
        diags.append(error("CUR109", f"'{rel}' must hold a mapping of fields, found {type(data).__name__}", rel,
                           positions.line(), hint="Write 'field: value' lines at the top level."))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for problem in exc.errors(include_url=False):
            diags.append(_diagnostic_from(problem, data, positions, rel))
        return None


def _diagnostic_from(problem: object, data: object, positions: Positions, rel: PurePosixPath) -> Diagnostic:
    assert isinstance(problem, dict)
    kind = problem["type"]
    loc = _source_path(data, tuple(problem["loc"]), keep_last=kind == "missing")
    dotted = _dotted(loc)
    if not loc:
        return error("CUR104", f"{problem['msg']}", rel, positions.line(), hint=_type_hint(kind))
    if kind == "missing":
        return error("CUR111", f"missing required field '{dotted}'", rel, positions.line(*loc[:-1]),
                     hint=f"Add '{loc[-1]}:' here; docs/authoring.md lists every field.")
    if kind == "extra_forbidden":
        name = str(loc[-1])
        close = difflib.get_close_matches(name, sorted(_ALL_FIELDS), n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else "Remove it; docs/authoring.md lists the allowed fields."
        return error("CUR105", f"unknown field '{dotted}'", rel, positions.line(*loc), hint=hint,
                     column=positions.column(*loc))
    given = problem.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return error("CUR104", f"'{dotted}': {problem['msg']} (found {shown})", rel, positions.line(*loc),
                 column=positions.column(*loc), hint=_type_hint(kind))


def _source_path(data: object, loc: tuple[object, ...], keep_last: bool) -> tuple[str | int, ...]:
    """The parts of pydantic's `loc` that exist in the YAML data.

    pydantic inserts union-member and validator names (`tuple[...]`, `constrained-str`) into `loc`; keys
    an author wrote can look just the same, so follow the data instead of guessing from the names.
    """
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif keep_last and index == len(loc) - 1 and isinstance(part, str | int):
            path.append(part)  # the missing field's own name
    return tuple(path)


def _dotted(loc: tuple[object, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "<document>"


def _type_hint(kind: str) -> str | None:
    return {
        "string_pattern_mismatch": "Use the documented id format (docs/authoring.md).",
        "literal_error": "Use one of the allowed values listed in the message.",
        "int_parsing": "Write a whole number.",
        "decimal_parsing": "Write a number such as 2 or 2.5.",
        "date_from_datetime_parsing": "Write the date as YYYY-MM-DD.",
        "tuple_type": "Write a list, e.g. [a, b].",
        "too_short": "Add at least one entry.",
        "string_type": "Put the value in quotes so YAML keeps it as text (e.g. a number-like id).",
    }.get(kind)


def _collect_fields() -> frozenset[str]:
    names: set[str] = set()
    stack: list[type] = [SourceModel]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if issubclass(cls, BaseModel):
            names.update(cls.model_fields)
    return frozenset(names)


_ALL_FIELDS: Final = _collect_fields()
