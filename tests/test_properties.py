"""Property tests: whatever authors throw at the loader, it answers with diagnostics, never a traceback."""

from __future__ import annotations

import datetime
from pathlib import Path, PurePosixPath

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator import check_project
from generator.cache import Cache
from generator.diagnostics import Diagnostic
from generator.load.frontmatter import join_front_matter, split_front_matter
from generator.load.markdown import read_markdown
from generator.load.yamlsource import parse_yaml
from generator.mdmemo import ACTIVE_HTML_STORE, HtmlStore
from helpers import PROJECTS

yaml_ish = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#\n\t ,?%@`0123456789.")), max_size=200)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(yaml_ish)
@example("a: &x [*x]")
@example("? [a, b]\n: c")
@example("!!python/object:os.system ls")
@example("a: !!binary zz")
@example("a: 2026-13-45")
def test_yaml_parser_never_raises(text: str) -> None:
    diags: list = []
    parse_yaml(text, PurePosixPath("x.yaml"), diags)


@SETTINGS
@given(st.text(max_size=300))
def test_front_matter_round_trips(body: str) -> None:
    front = "id: X\ntitle: T\n"
    split = split_front_matter(join_front_matter(front, body))
    assert split is not None
    assert split.front_matter == front
    assert split.body == body


@SETTINGS
@given(st.text(max_size=500))
@example("[x](<>) ![a](<b c>)")
@example("<a\n```\n<b>")
def test_markdown_scan_never_raises(body: str) -> None:
    read_markdown(body, 1)


def _project(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "p"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(PROJECTS / "minimal", root)
    return root


@SETTINGS
@given(target=st.sampled_from(["curriculum/programme.yaml", "curriculum/competences.yaml",
                               "modules/01-basics/unit.yaml", "modules/01-basics/01-what-is-a-cluster.md",
                               "case_studies/energy.md"]),
       content=st.one_of(yaml_ish, st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
                         yaml_ish.map(lambda t: f"---\n{t}\n---\nbody")))
@example(target="modules/01-basics/unit.yaml", content="code: U01\nlearning_outcomes: 5\n")
@example(target="curriculum/programme.yaml", content="units: [{code: U01, months: [0]}]")
@example(target="modules/01-basics/01-what-is-a-cluster.md", content="---\nid: [1, 2]\n---\n")
@example(target="curriculum/programme.yaml", content="0[:")  # a key that looks like a pydantic type tag
def test_any_broken_source_yields_diagnostics_not_exceptions(tmp_path: Path, target: str, content: str) -> None:
    root = _project(tmp_path)
    (root / target).write_text(content, encoding="utf-8", errors="surrogateescape")
    diags = check_project(root)
    assert diags, "a broken source must produce at least one diagnostic"


# Issue #15: plain strings skip PyYAML's constructor; every other scalar keeps YAML 1.1's implicit typing.
TRICKY_SCALARS = [
    "yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "Null", "NULL", "", "0", "-0", "+12", "0o17",
    "017", "0x1F", "0b101", "1_000", "1:30", "-1:30:00", "1.5", "1.5e3", "1e3", "6.8523015e+5", "685_230.15",
    "190:20:30.15", ".inf", "-.Inf", ".NaN", ".5", "1.", "2026-12-02", "2026-12-2", "2026-12-02T10:00:00Z",
    "2001-12-14 21:59:43.10 -5", "2026-02-30", "'123'", '"true"', "!!str 123", "!!int '5'", "!!float 1",
    "!!bool yes", "!!null ''", "'2026-12-02'", "U01-LO1", "'Plan: do it'", "x # comment", "'it''s'", '"tab\\there"',
    "|\n  two\n  lines\n", ">-\n  folded\n  text\n", "=", "<<", "12:30:61", "0x", "+.inf", "1,000",
]


@pytest.mark.parametrize("scalar", TRICKY_SCALARS)
def test_yaml_scalars_are_typed_as_pyyaml_types_them(scalar: str) -> None:
    nested = scalar.replace("\n  ", "\n      ")  # a block scalar's lines, indented for the list item
    text = f"value: {scalar}\nlist:\n  - x\n  - {nested}\nmap: {{k: &a x, again: *a}}\n"
    diags: list[Diagnostic] = []
    parsed = parse_yaml(text, PurePosixPath("x.yaml"), diags)
    try:
        expected = yaml.safe_load(text)
    except (yaml.constructor.ConstructorError, ValueError, OverflowError):  # 2026-02-30, =: reported at their lines
        assert parsed is not None and [(d.code, d.line) for d in diags] == [("CUR102", 1), ("CUR102", 4)]
        return
    assert parsed is not None and not diags
    assert _typed(parsed[0]) == _typed(expected)


def _typed(value: object) -> object:
    """`value` with the type of every part spelt out (True == 1 and 1 == 1.0 in Python, and nan != nan)."""
    if isinstance(value, dict):
        return {str(key): _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return type(value).__name__, hex(value) if isinstance(value, int) else repr(value)


UNKEPT = ["!!binary aGVsbG8=", "0x" + "f" * 4000, '{"\\0date": "2026-12-02"}']
"""Bytes, a number too long for Python to write out, a key like the cache's own tags: parsed on every load."""


@pytest.mark.parametrize("scalar", [*TRICKY_SCALARS, "!!set {a, b}", "!!omap [a: 1]", *UNKEPT], ids=lambda s: s[:20])
def test_a_parse_from_the_build_cache_is_the_parse(scalar: str, tmp_path: Path) -> None:
    """Issue #15: in a build with a cache, an unchanged YAML document's parse comes from the cache, exactly."""
    nested = scalar.replace("\n  ", "\n      ")
    text = (f"value: {scalar}\nlist:\n  - x\n  - {nested}\nmap: {{k: &a x, again: *a}}\nwhen: 2026-12-02\n"
            "at: 2001-12-14 21:59:43.10 -5\nutc: 2001-12-14t21:59:43Z\n")
    fresh_diags: list[Diagnostic] = []
    fresh = parse_yaml(text, PurePosixPath("x.yaml"), fresh_diags, line_offset=1)
    for _ in range(2):  # the first build keeps what it can, the second takes it from the cache
        store = HtmlStore(Cache(tmp_path), "slot", "salt")
        token = ACTIVE_HTML_STORE.set(store)
        try:
            diags: list[Diagnostic] = []
            parsed = parse_yaml(text, PurePosixPath("x.yaml"), diags, line_offset=1)
        finally:
            ACTIVE_HTML_STORE.reset(token)
        store.save()
        assert diags == fresh_diags
        assert (parsed is None) == (fresh is None)
        if parsed is not None and fresh is not None:
            assert _typed(parsed[0]) == _typed(fresh[0]) and parsed[1] == fresh[1]
    assert bool(store.parses) == (not fresh_diags and scalar not in UNKEPT)


def test_a_damaged_parse_in_the_build_cache_is_parsed_again(tmp_path: Path) -> None:
    store = HtmlStore(Cache(tmp_path), "slot", "salt")
    text = "a: 1\nb: [x, 2026-12-02]\n"
    store.keep_parse(text, b'[{"a": 1}, [["a"], 1')
    token = ACTIVE_HTML_STORE.set(store)
    try:
        parsed = parse_yaml(text, PurePosixPath("x.yaml"), [])
    finally:
        ACTIVE_HTML_STORE.reset(token)
    assert parsed is not None and parsed[0] == {"a": 1, "b": ["x", datetime.date(2026, 12, 2)]}


def test_a_timestamp_that_would_read_back_otherwise_is_not_kept() -> None:
    from zoneinfo import ZoneInfo

    from generator.load import yamlmemo

    berlin = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # would read back as +01:00
    assert yamlmemo.encode({"at": berlin}, {}) is None
    assert yamlmemo.encode({"at": berlin.astimezone(datetime.UTC)}, {}) is not None


def test_a_build_without_a_cache_keeps_no_parse() -> None:
    store = HtmlStore(None, "slot", "salt")  # --no-cache with workers: lives for one build, which parses once
    token = ACTIVE_HTML_STORE.set(store)
    try:
        assert parse_yaml("a: 1\n", PurePosixPath("x.yaml"), []) is not None
    finally:
        ACTIVE_HTML_STORE.reset(token)
    assert store.parses == {}
