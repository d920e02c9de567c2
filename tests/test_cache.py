"""Build speed without surprises: parallel, cached and incremental builds give the bytes of a clean sequential one."""

from __future__ import annotations

import multiprocessing
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import generator.cache
import generator.load.parallel
import generator.parallel
from generator.archive import ZipEntry, build_zip
from generator.build import PACKAGERS, build_project
from generator.cache import Cache, package_digest
from generator.load.project import load_project
from generator.rendercache import render_site_cached
from generator.synthetic import write_synthetic_curriculum
from generator.validate.schemas import check_schema, load_schema
from generator.validate.xsd import lxml_verdict
from generator.zipwriter import assemble_zip
from helpers import SCHEMAS, MakeProject

ALL = list(PACKAGERS)
pytestmark = pytest.mark.xsd


def build(root: Path, out: Path, scope: str = "unit", **options: object) -> dict[str, bytes]:
    result = build_project(root, out, ALL, scope, SCHEMAS, **options)  # type: ignore[arg-type]
    assert result.ok, result.diagnostics
    return {p.path.name: p.path.read_bytes() for p in result.packages}


def clean(root: Path, tmp: Path, scope: str = "unit") -> dict[str, bytes]:
    """The reference: one process, no cache, a fresh folder."""
    return build(root, tmp / f"clean-{len(list(tmp.iterdir()))}", scope, jobs=1, cache=False)


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in out.iterdir()}


def test_the_zip_writer_gives_the_bytes_of_build_zip() -> None:
    entries = [ZipEntry("imsmanifest.xml", b"<m/>"), ZipEntry("units/U01/a.html", b"<p>x</p>" * 500),
               ZipEntry("media/\u00e9t\u00e9.png", bytes(range(256)) * 8), ZipEntry("empty.txt", b"")]
    for epoch in (None, 0, 1_700_000_000):
        assert assemble_zip(entries, epoch, {}) == build_zip(entries, epoch)


@pytest.fixture
def workers_for_any_size(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Worker processes even for a small test project; returns how pools were started, to prove they were."""
    monkeypatch.setattr(generator.parallel, "MIN_PARALLEL_PAGES", 0)
    monkeypatch.setattr(generator.parallel, "MIN_FORKED_PAGES", 0)
    monkeypatch.setattr(generator.load.parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(generator.load.parallel, "MIN_PARALLEL_BYTES_WARM", 0)
    if sys.platform.startswith("linux"):
        # Playwright's browser tests leave asyncio's waitpid thread in this process, which would make the build
        # fall back (see test_a_process_with_threads_does_not_fork); that thread holds no lock a child could need
        fork = multiprocessing.get_context("fork")
        monkeypatch.setattr(generator.parallel, "fork_context", lambda: fork)
        monkeypatch.setattr(generator.load.parallel, "fork_context", lambda: fork)
    started: list[str] = []
    for module in (generator.parallel, generator.load.parallel):
        original = module.ProcessPoolExecutor

        def recording(*args: object, original: type = original, name: str = module.__name__,
                      **kwargs: object) -> object:
            started.append(f"{name}:{kwargs['mp_context'].get_start_method()}")  # type: ignore[attr-defined]
            return original(*args, **kwargs)

        monkeypatch.setattr(module, "ProcessPoolExecutor", recording)
    return started


def test_parallel_and_sequential_builds_give_identical_bytes(tmp_path: Path, workers_for_any_size: list[str]) -> None:
    root = write_synthetic_curriculum(tmp_path / "src", 45, lessons_per_unit=15)
    for scope in ("unit", "programme"):
        parallel = build(root, tmp_path / f"parallel-{scope}", scope, jobs=3, cache=False)
        assert parallel == build(root, tmp_path / f"sequential-{scope}", scope, jobs=1, cache=False)
    assert "generator.load.parallel:fork" in workers_for_any_size
    assert "generator.parallel:fork" in workers_for_any_size


def test_a_process_with_threads_does_not_fork() -> None:
    import threading

    from generator.workers import fork_context

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert fork_context() is None
    finally:
        stop.set()
        thread.join()


def test_where_forking_is_unsafe_the_forkserver_builds_the_same_bytes(tmp_path: Path, workers_for_any_size: list[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_synthetic_curriculum(tmp_path / "src", 30, lessons_per_unit=10)
    monkeypatch.setattr(generator.parallel, "fork_context", lambda: None)  # as with threads running, or not Linux
    monkeypatch.setattr(generator.load.parallel, "fork_context", lambda: None)
    parallel = build(root, tmp_path / "parallel", "unit", jobs=3, cache=False)
    assert parallel == build(root, tmp_path / "sequential", "unit", jobs=1, cache=False)
    assert workers_for_any_size == ["generator.parallel:forkserver"]


def test_loading_on_every_core_gives_the_model_and_diagnostics_of_one_process(tmp_path: Path,
                                                                              workers_for_any_size: list[str]) -> None:
    root = write_synthetic_curriculum(tmp_path / "src", 40, lessons_per_unit=8)
    broken = next((root / "modules").glob("03-*/02-*.md"))
    broken.write_text("no front matter here\n", encoding="utf-8")
    (root / "modules/99-stray").mkdir()
    (next((root / "modules").glob("02-*")) / "quiz.yaml").write_text("questions: [", encoding="utf-8")
    one, one_diags = load_project(root)
    many, many_diags = load_project(root, jobs=3)
    assert workers_for_any_size == ["generator.load.parallel:fork"]
    assert {d.code for d in one_diags} >= {"CUR107", "CUR112"}
    assert many_diags == one_diags
    assert many == one


def test_check_on_every_core_reports_what_one_process_reports(tmp_path: Path,
                                                               workers_for_any_size: list[str]) -> None:
    from generator.checks import check_sources

    root = write_synthetic_curriculum(tmp_path / "src", 40, lessons_per_unit=8)
    lesson = next((root / "modules").glob("01-*/02-*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n[Gone](missing.md)\n\n![](nowhere.png)\n",
                      encoding="utf-8")
    (next((root / "modules").glob("03-*")) / "quiz.yaml").write_text("questions: [", encoding="utf-8")
    one = check_sources(root, None, 1)
    assert {d.code for d in one[0]} >= {"CUR102", "CUR243", "CUR244"}  # the broken quiz, link and image
    assert check_sources(root, None, 3) == one
    assert workers_for_any_size == ["generator.load.parallel:fork"]


def test_when_load_workers_die_the_load_finishes_in_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 workers_for_any_size: list[str]) -> None:
    from concurrent.futures.process import BrokenProcessPool

    root = write_synthetic_curriculum(tmp_path / "src", 30, lessons_per_unit=10)
    fresh = load_project(root)

    class DyingPool:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> DyingPool:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def map(self, *args: object) -> object:
            raise BrokenProcessPool("a worker was killed")

    monkeypatch.setattr(generator.load.parallel, "ProcessPoolExecutor", DyingPool)
    assert load_project(root, jobs=2) == fresh


def test_a_load_from_the_build_cache_gives_the_model_of_a_fresh_load(tmp_path: Path,
                                                                    workers_for_any_size: list[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.load.markdown as load_markdown
    import generator.load.yamlsource as yamlsource
    from generator.mdmemo import keeping_html

    root = write_synthetic_curriculum(tmp_path / "src", 30, lessons_per_unit=10)
    lesson = next((root / "modules").glob("02-*/03-*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n## A heading\n\n[Back](../01-unit/01-lesson.md)\n",
                      encoding="utf-8")
    fresh, fresh_diags = load_project(root)
    cache = Cache(tmp_path / "cache")
    parsed: list[str] = []
    original = yamlsource._parse
    monkeypatch.setattr(yamlsource, "_parse", lambda text, *rest: parsed.append(text) or original(text, *rest))
    for jobs in (1, 1, 3, 3):  # the first load fills the cache; the others take bodies, links, headings and parses
        load_markdown.forget_memos()
        parsed.clear()
        with keeping_html(cache, root):
            model, diags = load_project(root, jobs)
        assert (model, diags) == (fresh, fresh_diags)
    assert parsed == []
    assert "generator.load.parallel:fork" in workers_for_any_size


def test_bodies_rendered_by_workers_are_kept_for_the_next_build(tmp_path: Path, workers_for_any_size: list[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.load.markdown as load_markdown
    import generator.load.yamlsource as yamlsource

    root = write_synthetic_curriculum(tmp_path / "src", 30, lessons_per_unit=10)
    load_markdown.forget_memos()
    first = build(root, tmp_path / "out", "programme", jobs=2)
    assert "generator.load.parallel:fork" in workers_for_any_size
    load_markdown.forget_memos()
    rendered: list[str] = []
    original = load_markdown._render
    monkeypatch.setattr(load_markdown, "_render", lambda text: rendered.append(text) or original(text))
    parsed: list[str] = []
    parse = yamlsource._parse
    monkeypatch.setattr(yamlsource, "_parse", lambda text, *rest: parsed.append(text) or parse(text, *rest))
    assert build(root, tmp_path / "out", "programme", jobs=1) == first
    assert rendered == []  # lessons and quiz texts alike came from the cache the workers filled
    assert parsed == []  # and so did every YAML document's parse


def test_a_cache_hit_gives_the_bytes_of_a_clean_build_and_rewrites_nothing(make_project: MakeProject,
                                                                         tmp_path: Path) -> None:
    root = make_project()
    first = build(root, tmp_path / "out", jobs=1)
    before = stamps(tmp_path / "out")
    assert build(root, tmp_path / "out", jobs=1) == first == clean(root, tmp_path)
    assert stamps(tmp_path / "out") == before


def test_editing_a_lesson_renders_its_unit_again_and_rewrites_only_its_packages(make_project: MakeProject,
                                                                                tmp_path: Path) -> None:
    root = make_project()
    course, _ = load_project(root)
    cache = Cache(tmp_path / "cache")
    render_site_cached(course, "package", None, None, cache)
    build(root, tmp_path / "out", jobs=1)
    before = stamps(tmp_path / "out")
    lesson = root / "modules/02-practice/01-agreeing.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    course, _ = load_project(root)
    _, reused = render_site_cached(course, "package", None, None, cache)
    assert reused == ("U01",)
    after = build(root, tmp_path / "out", jobs=1)
    assert after == clean(root, tmp_path)
    rewritten = {name for name, inode in stamps(tmp_path / "out").items() if before.get(name) != inode}
    assert rewritten == {name for name in after if "-U02-" in name or ("-U" not in name and "self-assessment" not in name)}
    assert b"One more sentence." in zipfile.ZipFile(tmp_path / "out" / "demo-U02-scorm12.zip").read(
        "units/U02/U02-L1.html")


def test_editing_a_lesson_title_renders_the_units_that_link_to_it_again(make_project: MakeProject,
                                                                       tmp_path: Path) -> None:
    root = make_project()
    cache = Cache(tmp_path / "cache")
    render_site_cached(load_project(root)[0], "package", None, None, cache)
    lesson = root / "modules/01-basics/02-mapping.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("title: ", "title: Renamed ", 1), encoding="utf-8")
    _, reused = render_site_cached(load_project(root)[0], "package", None, None, cache)
    assert reused == ()  # U02 links to U01-L2, whose title shows in the link
    assert build(root, tmp_path / "out", jobs=1) == clean(root, tmp_path)


@pytest.mark.parametrize("edit", ["quiz", "image", "case study", "programme"])
def test_each_kind_of_edit_leaves_nothing_stale(make_project: MakeProject, tmp_path: Path, edit: str) -> None:
    root = make_project()
    build(root, tmp_path / "out", jobs=1)
    target = {"quiz": "modules/01-basics/quiz.yaml", "image": "modules/01-basics/images/map.svg",
              "case study": "case_studies/energy.md", "programme": "curriculum/programme.yaml"}[edit]
    path = root / target
    text = path.read_text(encoding="utf-8")
    if edit == "quiz":
        path.write_text(text.replace("text: ", "text: Edited ", 1), encoding="utf-8")
    elif edit == "image":
        path.write_text(text.replace("</svg>", "<circle r='1'/></svg>"), encoding="utf-8")
    else:
        path.write_text(text.replace("title: ", "title: Edited ", 1), encoding="utf-8")
    assert build(root, tmp_path / "out", jobs=1) == clean(root, tmp_path)


def test_unchanged_quizzes_take_their_qti_from_the_cache_and_a_changed_one_does_not(
        make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.formats._qti import QtiWriter

    made: list[str] = []
    original = QtiWriter.assessment
    monkeypatch.setattr(QtiWriter, "assessment", lambda self, ident, quiz: made.append(ident) or original(self, ident, quiz))
    root = make_project()
    for lang in (None, "de"):
        build(root, tmp_path / "out", "programme", jobs=1, lang=lang)
    assert made == ["QZ-U01", "QZ-U02"] * 2  # one making per language: "True" and "False" are translated
    made.clear()
    assert build(root, tmp_path / "out", "programme", jobs=1) == clean(root, tmp_path, "programme")
    assert made == ["QZ-U01", "QZ-U02"]  # by the clean build only
    quiz = root / "modules/01-basics/quiz.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("text: ", "text: Edited ", 1), encoding="utf-8")
    made.clear()
    assert build(root, tmp_path / "out", "programme", jobs=1) == clean(root, tmp_path, "programme")
    assert made == ["QZ-U01", "QZ-U02"] * 2  # the edit changes the programme's question bank: made again


def test_a_new_compiler_version_renders_everything_again(make_project: MakeProject, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project()
    cache = Cache(tmp_path / "cache")
    render_site_cached(load_project(root)[0], "package", None, None, cache)
    assert render_site_cached(load_project(root)[0], "package", None, None, cache)[1] == ("U01", "U02")
    monkeypatch.setattr(generator.cache, "compiler_digest", lambda: "another compiler")
    monkeypatch.setattr(generator.rendercache, "compiler_digest", lambda: "another compiler")
    assert render_site_cached(load_project(root)[0], "package", None, None, cache)[1] == ()


def test_a_template_static_file_or_catalogue_changes_the_compiler_digest(tmp_path: Path) -> None:
    package = tmp_path / "generator"
    shutil.copytree(Path(generator.cache.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = package_digest(package)
    for rel in ("templates/lesson.html", "static/style.css", "locale/de/LC_MESSAGES/messages.po"):
        path = package / rel
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert package_digest(package) != before, rel
        path.write_bytes(original)
    assert package_digest(package) == before


def test_a_corrupt_cache_entry_is_ignored_and_rebuilt(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project()
    expected = build(root, tmp_path / "out", jobs=1)
    entries = [p for p in Path(generator.cache.default_folder()).rglob("*") if p.is_file()]
    assert {p.parts[-3] for p in entries} >= {"units", "deflate", "packages"}
    for n, path in enumerate(entries):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if n % 2 else data[:-1] + bytes([data[-1] ^ 1]))
    shutil.rmtree(tmp_path / "out")
    assert build(root, tmp_path / "out", jobs=1) == expected
    assert all(Cache(p.parents[2]).get(p.parts[-3], p.name) is not None for p in entries if p.exists())


def test_the_cache_is_pruned_to_its_bound_least_recently_used_first(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    for n in range(5):
        cache.put("units", f"{n:064x}", bytes(1000))
    cache.get("units", f"{0:064x}")  # used most recently
    assert cache.prune(limit=2500) == 3
    assert cache.get("units", f"{0:064x}") is not None


# --- lxml and xmlschema agree ----------------------------------------------------------------------------------

MUTATIONS = {
    "enumeration": lambda root: _first(root, "resource").set("type", "weblink-ish"),
    "missing required attribute": lambda root: _first(root, "resource").attrib.pop("identifier"),
    "unexpected element": lambda root: _first(root, "organizations").append(
        etree.Element(f"{{{etree.QName(root).namespace}}}stray")),
    "element out of order": lambda root: root.append(_first(root, "metadata")),
    "duplicate id": lambda root: _first(root, "resource").set("identifier", _first(root, "item").get("identifier")
                                                               or "ITEM"),
}
KEYS = {"scorm12": "scorm12", "scorm2004": "scorm2004", "imscp": "imscp", "cc11": "cc11", "cc13": "cc13"}


def _first(root: etree._Element, local: str) -> etree._Element:
    return next(e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == local)


def _manifests(make_project: MakeProject, tmp_path: Path) -> dict[str, bytes]:
    packages = build(make_project(), tmp_path / "out", "programme", jobs=1, cache=False)
    return {name: zipfile.ZipFile(tmp_path / "out" / package).read("imsmanifest.xml")
            for package in packages for name in KEYS if package.endswith(f"-{name}{PACKAGERS[name].extension}")}


@pytest.mark.parametrize("family", [None, *MUTATIONS])
def test_lxml_and_xmlschema_agree_on_good_and_broken_manifests(make_project: MakeProject, tmp_path: Path,
                                                               family: str | None) -> None:
    verdicts = []
    for name, data in _manifests(make_project, tmp_path).items():
        tree = etree.ElementTree(etree.fromstring(data))
        if family is not None:
            MUTATIONS[family](tree.getroot())
            tree = etree.ElementTree(etree.fromstring(etree.tostring(tree)))  # fresh line numbers
        schema = load_schema(SCHEMAS, KEYS[name], [])
        assert schema is not None
        official = not list(check_schema(tree, schema, Path(name)))  # type: ignore[arg-type]
        assert lxml_verdict(tree, SCHEMAS, KEYS[name]) is official, (name, family)
        verdicts.append(official)
    # good manifests are valid in every format; each kind of breakage is caught in at least one (most: all)
    assert all(verdicts) if family is None else not all(verdicts)


def test_scorm12_inline_metadata_that_only_xsd_1_1_accepts_goes_to_xmlschema(make_project: MakeProject,
                                                                             tmp_path: Path) -> None:
    data = _manifests(make_project, tmp_path)["scorm12"]
    md = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
    tree = etree.ElementTree(etree.fromstring(data))
    lom = next(tree.getroot().iter(f"{{{md}}}lom"))
    general = lom.find(f"{{{md}}}general")
    assert general is not None
    general.append(etree.Element(f"{{{md}}}keyword"))  # imsmd in the ##any wildcard's place: only XSD 1.1 reads it
    from generator.validate.xsd import validate_tree

    diags: list[object] = []
    validate_tree(tree, SCHEMAS, "scorm12", Path("imsmanifest.xml"), diags)  # type: ignore[arg-type]
    schema = load_schema(SCHEMAS, "scorm12", [])
    assert schema is not None
    assert [d for d in diags] == list(check_schema(tree, schema, Path("imsmanifest.xml")))  # type: ignore[arg-type]


def test_after_editing_one_lesson_only_its_markdown_is_rendered_again(make_project: MakeProject, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.load.markdown as load_markdown

    root = make_project()
    load_markdown.forget_memos()  # each build as in a new process: only the build cache remembers
    build(root, tmp_path / "out", jobs=1)
    lesson = root / "modules/01-basics/02-mapping.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    load_markdown.forget_memos()
    rendered: list[str] = []
    original = load_markdown._render

    def counting(text: str) -> tuple[str, tuple[object, ...]]:
        rendered.append(text)
        return original(text)  # type: ignore[return-value]

    monkeypatch.setattr(load_markdown, "_render", counting)
    rebuilt = build(root, tmp_path / "out", jobs=1)
    monkeypatch.setattr(load_markdown, "_render", original)
    assert rendered and all("One more sentence." in text for text in rendered)
    assert rebuilt == clean(root, tmp_path)


def test_a_script_without_a_main_guard_still_builds_in_one_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "build_it.py"
    script.write_text(
        "from pathlib import Path\nimport generator.parallel\nfrom generator.build import build_project\n"
        "from generator.synthetic import write_synthetic_curriculum\n"
        "generator.parallel.MIN_PARALLEL_PAGES = 0\n"
        f"root = write_synthetic_curriculum(Path({str(tmp_path / 'src')!r}), 30, lessons_per_unit=10)\n"
        f"result = build_project(root, Path({str(tmp_path / 'out')!r}), ['imscp', 'cc11'], 'programme', None, "
        "jobs=3)\nprint('built', len(result.packages))\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("built 2")


def test_the_static_site_from_the_cache_is_the_clean_one(make_project: MakeProject, tmp_path: Path) -> None:
    def site(out: Path, **options: object) -> dict[str, bytes]:
        result = build_project(root, out, ["site"], None, SCHEMAS, **options)  # type: ignore[arg-type]
        assert result.ok and result.site is not None, result.diagnostics
        return {p.relative_to(result.site).as_posix(): p.read_bytes() for p in result.site.rglob("*") if p.is_file()}

    root = make_project()
    build(root, tmp_path / "warm", "programme", jobs=1)  # fills the unit cache the site's rendering shares
    lesson = root / "modules/01-basics/01-what-is-a-cluster.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    cached = site(tmp_path / "cached", jobs=1)
    assert cached == site(tmp_path / "clean", jobs=1, cache=False)
    assert b"One more sentence." in cached["units/U01/U01-L1.html"]


def test_lms_findings_from_the_cache_are_those_of_a_fresh_check(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project()

    def findings(out: str, **options: object) -> list[object]:
        result = build_project(root, tmp_path / out, ALL, "programme", SCHEMAS, **options)  # type: ignore[arg-type]
        assert result.ok
        return [(p.path.name, p.lms) for p in result.packages]

    fresh = findings("clean", jobs=1, cache=False)
    assert any(lms for _, lms in fresh)  # the sample trips some LMS rule, so the comparison means something
    assert findings("first", jobs=1) == fresh == findings("second", jobs=1)


def test_garbage_collector_freezes_nest_so_a_load_forking_workers_stays_frozen() -> None:
    import gc

    from generator.workers import forking, gc_frozen

    assert gc.get_freeze_count() == 0
    with gc_frozen():
        with forking():  # the load's workers, forked within the load
            pass
        assert gc.get_freeze_count() > 0  # the rest of the load is still spared full passes
    assert gc.get_freeze_count() == 0
