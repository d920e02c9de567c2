"""Load stage: YAML to plain Python values, keeping the line of every node and refusing duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath

import yaml

from generator.diagnostics import Diagnostic, error
from generator.load import yamlmemo
from generator.mdmemo import ACTIVE_HTML_STORE

try:  # libyaml is several times faster; the pure-Python loader gives identical nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]
MAX_NODES = 200_000
"""Aliases can make a tiny file expand exponentially ("billion laughs"); stop well before that."""
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True, slots=True)
class Positions:
    """Where each value of a YAML document stood: path of keys/indices -> (line, column), 1-based."""

    file: PurePosixPath
    lines: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    line_offset: int = 0

    def line(self, *path: str | int) -> int | None:
        """Line of the value at `path`, or of its nearest enclosing value that has one."""
        found = self._find(path)
        return found[0] + self.line_offset if found else None

    def column(self, *path: str | int) -> int | None:
        found = self._find(path)
        return found[1] if found else None

    def _find(self, path: Path_) -> tuple[int, int] | None:
        for end in range(len(path), -1, -1):
            hit = self.lines.get(tuple(path[:end]))
            if hit:
                return hit
        return None


class _TooBig(Exception):
    pass


def parse_yaml(text: str, file: PurePosixPath, diags: list[Diagnostic], line_offset: int = 0,
               ) -> tuple[object, Positions] | None:
    """Parse one YAML document into Python values and their positions.

    Within a build with a cache, a document parsed without a problem is kept in its HtmlStore
    (generator/mdmemo.py), and the same text next time takes its parse from there.
    Diagnostics: CUR102 syntax, CUR103 duplicate key, CUR110 alias bomb.
    """
    store = ACTIVE_HTML_STORE.get()
    if store is None or store.cache is None:  # a store in memory lives for one build, which parses each text once
        return _parse(text, file, diags, line_offset)
    kept = store.parse_of(text)
    decoded = yamlmemo.decode(kept) if kept is not None else None
    if decoded is not None:
        return decoded[0], Positions(file, decoded[1], line_offset)
    found: list[Diagnostic] = []
    parsed = _parse(text, file, found, line_offset)
    diags += found
    if parsed is not None and not found:
        encoded = yamlmemo.encode(parsed[0], parsed[1].lines)
        if encoded is not None:
            store.keep_parse(text, encoded)
    return parsed


def _parse(text: str, file: PurePosixPath, diags: list[Diagnostic], line_offset: int,
           ) -> tuple[object, Positions] | None:
    positions = Positions(file, {}, line_offset)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        diags.append(error(
            "CUR102", f"invalid YAML: {exc.problem or exc.context}", file,
            mark.line + 1 + line_offset if mark else None,
            hint="Check the indentation and quote values that contain ': ', '#', or start with '*', '&', '!'.",
            column=mark.column + 1 if mark else None))
        return None
    except yaml.YAMLError as exc:
        diags.append(error("CUR102", f"invalid YAML: {exc}", file, None))
        return None
    if node is None:
        return {}, positions
    builder = _Builder(file, positions, diags, line_offset)
    try:
        return builder.build(node, ()), positions
    except _TooBig:
        diags.append(error("CUR110", f"YAML expands to more than {MAX_NODES} values (alias bomb?)", file,
                           None, hint="Remove the anchors and aliases (&name / *name)."))
        return None
    except RecursionError:
        diags.append(error("CUR110", "YAML is nested too deeply to load", file, None,
                           hint="Flatten the structure; a curriculum never needs hundreds of levels."))
        return None


class _Builder:
    def __init__(self, file: PurePosixPath, positions: Positions, diags: list[Diagnostic], offset: int) -> None:
        self.file = file
        self.positions = positions
        self.diags = diags
        self.offset = offset
        self.count = 0
        self.constructor: yaml.constructor.SafeConstructor | None = None

    def build(self, node: yaml.Node, path: Path_) -> object:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig
        self.positions.lines.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.ScalarNode):
            # composing resolved the tag already (YAML 1.1: bools, numbers, dates, null); a string is its text,
            # as the constructor would return it, without the constructor's bookkeeping for every value
            return node.value if node.tag == _STR_TAG else self._construct(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._construct(node)

    def _construct(self, node: yaml.Node) -> object:
        if self.constructor is None:
            self.constructor = yaml.constructor.SafeConstructor()  # the constructor of the loader composing
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError, OverflowError) as exc:
            self.diags.append(error("CUR102", f"invalid YAML value {node.value!r}: {exc}", self.file,
                                    node.start_mark.line + 1 + self.offset,
                                    hint="Quote the value to keep it as text."))
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[object, object]:
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged = self.build(value_node, path)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        result.setdefault(k, v)
                continue
            key = self.build(key_node, (*path, "<key>"))
            if not isinstance(key, str | int | float | bool) and key is not None:
                self.diags.append(error("CUR104", "mapping keys must be plain text", self.file,
                                        key_node.start_mark.line + 1 + self.offset))
                continue
            skey = str(key)
            if skey in result:
                first = self.positions.lines.get((*path, skey), (0, 0))[0] + self.offset
                self.diags.append(error(
                    "CUR103", f"duplicate key '{skey}' (first defined on line {first})", self.file,
                    key_node.start_mark.line + 1 + self.offset,
                    hint="Remove one of the two; YAML would silently keep only the last.",
                    column=key_node.start_mark.column + 1))
                continue
            self.positions.lines[(*path, skey)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[skey] = self.build(value_node, (*path, skey))
        return result
