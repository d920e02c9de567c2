"""Rendering pages: what each page shows of its unit, however much of it is shared between pages."""

from __future__ import annotations

import os
import posixpath
import sys
from decimal import Decimal
from pathlib import Path

import lxml.html
import pytest
from jinja2.bccache import Bucket
from markupsafe import Markup

from generator import load_project
from generator.cache import Cache
from generator.render.html import make_env, render_site
from generator.render.site import Page, Site
from generator.rendercache import CachingRenderer
from helpers import REPO, MakeProject


def _nav(site: Site, path: str) -> list[lxml.html.HtmlElement]:
    page = lxml.html.fromstring(site.files[path])
    return list(page.iterfind(".//nav[@class='unit-nav']/ol/li/a"))


def _target(page: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def test_every_page_of_a_unit_marks_itself_and_only_itself_current_in_the_navigation() -> None:
    course, _ = load_project(REPO)
    site = render_site(course, "package")
    checked = 0
    for unit in course.units_in_order():
        pages = [p.path for p in site.pages_of(unit.code) if p.kind in ("unit", "lesson", "quiz")]
        for path in pages:
            links = _nav(site, path)
            assert [_target(path, a.get("href")) for a in links] == pages
            assert [_target(path, a.get("href")) for a in links if a.get("aria-current") == "page"] == [path]
            checked += 1
    assert checked > 50


def test_navigation_titles_lessons_with_their_number_and_study_time() -> None:
    course, _ = load_project(REPO)
    site = render_site(course, "package")
    unit = course.units_in_order()[0]
    links = _nav(site, site.pages_of(unit.code)[0].path)
    lesson = unit.lessons[1]
    entry = links[2]
    assert entry.text_content() == f"2. {lesson.meta.title}"
    assert entry.get("data-target") == lesson.id
    assert entry.getparent().findtext("span") == f"{lesson.meta.minutes} min"


def test_a_site_renders_the_same_bytes_however_often_it_is_rendered() -> None:
    course, _ = load_project(REPO)
    first = render_site(course, "package")
    assert render_site(course, "package").files == first.files
    assert render_site(course, "cc").files != first.files


def test_remembered_translations_still_escape_and_format_each_value_as_given() -> None:
    template = make_env("de").from_string('{{ _("Unit %(code)s", code=code) }}')
    assert template.render(code="<b>") == "Einheit &lt;b&gt;"
    assert template.render(code=Markup("<b>")) == "Einheit <b>"
    assert template.render(code="<b>") == "Einheit &lt;b&gt;"
    assert template.render(code=Decimal("1")) == "Einheit 1"
    assert template.render(code=Decimal("1.0")) == "Einheit 1.0"
    assert template.render(code=True) == "Einheit True"
    assert template.render(code=1) == "Einheit 1"


def test_a_site_indexes_its_pages_and_files_again_after_it_grows() -> None:
    site = Site("package", {"assets/style.css": b"", "units/U01/index.html": b'<img src="../../media/a.png">'},
                [Page("units/U01/index.html", "U01", "Unit", "unit", "U01")])
    assert site.support_files() == ["assets/style.css"]
    assert [p.id for p in site.pages_of("U01")] == ["U01"]
    site.files["media/a.png"] = b"png"
    site.files["media/b.png"] = b"png"
    site.files["units/U01/L1.html"] = b"<p>text</p>"
    site.pages.append(Page("units/U01/L1.html", "L1", "Lesson", "lesson", "U01"))
    site.pages.append(Page("units/U01/quiz.html", "U01-QUIZ", "Quiz", "quiz", "U01"))
    site.pages.insert(0, Page("index.html", "P", "Programme", "overview", None))
    assert site.support_files() == ["assets/style.css", "media/a.png", "media/b.png"]
    assert [p.id for p in site.pages_of("U01")] == ["U01", "L1", "U01-QUIZ"]
    assert site.dependencies_of(site.page("U01", "unit")) == ["assets/style.css", "media/a.png"]
    assert site.dependencies_of(site.page("L1", "lesson")) == ["assets/style.css"]
    site.files = {**site.files, "media/c.png": b"png"}
    assert site.support_files() == ["assets/style.css", "media/a.png", "media/b.png", "media/c.png"]


def test_a_units_cache_key_follows_its_lessons_from_one_loaded_curriculum_to_the_next(make_project: MakeProject,
                                                                                     tmp_path: Path) -> None:
    root = make_project()

    def keys() -> dict[str, str]:
        course, _ = load_project(root)
        units = course.units_in_order()
        renderer = CachingRenderer(course, "package", units, None, Cache(tmp_path / "cache"))
        return {unit.code: renderer.unit_key(unit) for unit in units}

    before = keys()
    assert keys() == before  # the same sources, loaded again: the same keys
    lesson = root / "modules/02-practice/01-agreeing.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    after = [keys() for _ in range(3)]  # more curricula than the digests are remembered for
    assert after[0]["U01"] == before["U01"] and after[0]["U02"] != before["U02"]
    assert after[1] == after[0] == after[2]


def test_a_translation_variable_may_have_any_name() -> None:
    template = make_env().from_string('{{ _("%(message)s and %(context)s", message=a, context=b) }}')
    assert template.render(a="<i>", b=2) == "&lt;i&gt; and 2"


def test_templates_compiled_aside_render_what_templates_compiled_here_render(monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.render.html as html
    import generator.workers as workers

    course, _ = load_project(REPO)
    reference = render_site(course, "package").files
    for forkable in (True, False):
        monkeypatch.setattr(html, "_COMPILED", html._CompiledTemplates())
        html.make_env.cache_clear()
        if not forkable:
            monkeypatch.setattr(workers, "fork_context", lambda: None)
        compiled_by: list[int] = []
        monkeypatch.setattr(html._CompiledTemplates, "dump_bytecode", _recording_dump(compiled_by))
        html.compile_templates_aside()()
        assert set(compiled_by) == ({os.getpid()} if not forkable or workers.fork_context() is None else set())
        names = make_env().list_templates(extensions=["html"])
        assert len(html._COMPILED.code) == len(names)
        assert render_site(course, "package").files == reference
    html.make_env.cache_clear()


def _recording_dump(pids: list[int]) -> object:
    def dump_bytecode(self: object, bucket: Bucket) -> None:
        pids.append(os.getpid())
        self.code[bucket.key] = bucket.bytecode_to_string()  # type: ignore[attr-defined]
    return dump_bytecode


def test_compiled_templates_kept_on_disk_serve_only_while_their_source_is_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jinja2 import Environment, FileSystemLoader

    import generator.render.html as html

    (tmp_path / "templates").mkdir()
    source = tmp_path / "templates" / "page.html"
    source.write_text("one {{ x }}", encoding="utf-8")

    def new_process_env() -> Environment:  # nothing in memory: what a new process sees
        return Environment(loader=FileSystemLoader(tmp_path / "templates"),
                           bytecode_cache=html._CompiledTemplates(tmp_path / "compiled"))

    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE: as for Python's own .pyc
    assert new_process_env().get_template("page.html").render(x=1) == "one 1"
    assert not (tmp_path / "compiled").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    assert new_process_env().get_template("page.html").render(x=1) == "one 1"
    assert [p.suffix for p in (tmp_path / "compiled").rglob("*") if p.is_file()] == [".jinja"]
    env = new_process_env()
    monkeypatch.setattr(env, "compile", lambda *args, **kwargs: pytest.fail("compiled again"))
    assert env.get_template("page.html").render(x=2) == "one 2"
    monkeypatch.setattr(env, "compile", Environment.compile.__get__(env))
    import generator.cache

    monkeypatch.setattr(generator.cache, "compiler_digest", lambda: "another compiler: its options may differ")
    assert new_process_env().get_template("page.html").render(x=1) == "one 1"
    assert len([p for p in (tmp_path / "compiled").rglob("*.jinja")]) == 2  # compiled again, for that compiler
    source.write_text("two {{ x }}", encoding="utf-8")
    assert new_process_env().get_template("page.html").render(x=1) == "two 1"
    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")  # where nothing can be written (root may write
    unwritable = Environment(loader=FileSystemLoader(tmp_path / "templates"),  # to read-only folders)
                             bytecode_cache=html._CompiledTemplates(tmp_path / "not-a-folder" / "compiled"))
    assert unwritable.get_template("page.html").render(x=3) == "two 3"
    assert {p.suffix for p in (tmp_path / "compiled").rglob("*") if p.is_file()} == {".jinja"}  # no temporary left


def test_a_build_whose_load_fails_leaves_no_template_compiler_behind(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    import generator.build

    def failing_load(root: Path, jobs: int) -> None:
        raise RuntimeError("the load failed")

    monkeypatch.setattr(generator.build, "load_project", failing_load)
    with pytest.raises(RuntimeError):
        generator.build.build_project(REPO, tmp_path, ["scorm12"], "programme", None, jobs=2)
    assert multiprocessing.active_children() == []
