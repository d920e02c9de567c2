"""Issue #17: hostile sources. No file leaves the machine, no script reaches a learner, nothing hangs."""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from security import BODY_LINE, FRONT, LESSON, PAYLOADS, every_package, project_files

from generator import check_project
from generator.build import PACKAGERS, build_project
from generator.cache import Cache
from generator.checks import check_sources
from generator.load import markdown as load_markdown
from generator.load.files import ProjectFiles, UnsafeFile, read_bytes_safely
from generator.load.markdown import read_markdown
from generator.load.project import forget_memos, load_project
from generator.load.sanitise import ALLOWED_ATTRIBUTES, ALLOWED_ELEMENTS, sanitise
from generator.render.html import CONTENT_SECURITY_POLICY, render_site
from helpers import SHARED, MakeProject

SCHEMAS = SHARED / "schemas"


def _within(seconds: float, work: Callable[[], object]) -> object:
    """Run `work` in a thread; fail (instead of hanging the suite) if it takes longer than `seconds`."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result[0]


# --- findings 1 and 2: every payload is reported where it is, and none of it ships ------------------

@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_each_payload_is_reported_at_its_line(make_project: MakeProject, name: str) -> None:
    body, expected = PAYLOADS[name]
    root = make_project(project_files(body))
    reported = sorted((d.code, d.line) for d in check_project(root) if str(d.file) == LESSON and d.is_error)
    assert reported == sorted((code, BODY_LINE + line - 1) for code, line in expected)


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_package_is_built_from_a_payload(make_project: MakeProject, tmp_path: Path, name: str) -> None:
    root = make_project(project_files(PAYLOADS[name][0]))
    result = build_project(root, tmp_path / "out", list(PACKAGERS), "unit", SCHEMAS)
    assert not result.packages and "CUR301" in {d.code for d in result.diagnostics}
    assert not list((tmp_path / "out").glob("*.zip"))


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_nothing_of_a_payload_survives_into_any_package_even_past_check(make_project: MakeProject, name: str) -> None:
    root = make_project(project_files(PAYLOADS[name][0]))
    for package, files in every_package(root).items():
        for path, data in files.items():
            assert b"pwned" not in data, f"{package}: {path}"
            assert b"root:x:0" not in data and "passwd" not in path, f"{package}: {path}"
            if path.endswith(".html"):
                _assert_inert(data.decode("utf-8"), f"{package}: {path}")


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_check_finds_the_same_whether_load_results_are_remembered_or_not(make_project: MakeProject, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         name: str) -> None:
    root = make_project(project_files(PAYLOADS[name][0]))
    forget_memos()
    fresh = check_sources(root)
    assert fresh == check_sources(root)  # this process remembers every file and body it loaded
    assert fresh == check_sources(root, Cache(tmp_path / "cache"))  # fills the build cache's HTML store
    forget_memos()
    rendered: list[str] = []

    def counting(text: str) -> tuple[str, tuple[object, ...]]:
        rendered.append(text)
        return load_markdown._render(text)

    monkeypatch.setattr(load_markdown, "_render_memo", counting)
    assert fresh == check_sources(root, Cache(tmp_path / "cache"))  # a new process: the build cache answers
    assert not rendered


def _assert_inert(html: str, where: str) -> None:
    page = lxml.html.document_fromstring(html)
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        assert not [name for name in element.attrib if name.lower().startswith("on")], (where, element.tag)
        for name in ("href", "src"):
            assert not re.match(r"\s*(javascript|data|vbscript):", element.get(name, ""), re.IGNORECASE), where
        if element.tag == "script":
            assert element.get("type") == "application/json" or re.fullmatch(r"(\.\./)*assets/\w+\.js",
                                                                             element.get("src", "")), where
        assert element.tag not in {"iframe", "object", "embed", "style", "base", "form"} or (
            element.tag == "form" and element.get("id") in {"quiz", "self-assessment"}), where


def test_a_closed_fence_with_blank_lines_is_code_not_html(make_project: MakeProject) -> None:
    body = "Text.\n\n```html\n\n<script>window.pwned=4</script>\n\n```\n"
    root = make_project(project_files(body))
    assert [d for d in check_project(root) if str(d.file) == LESSON and d.is_error] == []
    doc = read_markdown(body)
    assert "<script" not in doc.html and "&lt;script&gt;window.pwned=4&lt;/script&gt;" in doc.html


def test_a_linked_file_swapped_for_a_symlink_after_check_is_refused_when_copied(make_project: MakeProject,
                                                                                tmp_path: Path) -> None:
    root = make_project(project_files("Text.\n\n![Map](images/map.svg)\n"))
    course, diags = load_project(root)
    assert not [d for d in check_project(root) if d.is_error]
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    (root / "modules/01-basics/images/map.svg").unlink()
    (root / "modules/01-basics/images/map.svg").symlink_to(secret)
    site = render_site(course, "package")
    assert [d.code for d in site.diagnostics] == ["CUR250"]
    assert not any(b"root:x:0" in data for data in site.files.values())


def test_a_symlink_inside_the_project_is_fine(make_project: MakeProject) -> None:
    root = make_project(project_files("Text.\n\n![Map](images/alias.svg)\n"))
    (root / "modules/01-basics/images/alias.svg").symlink_to("map.svg")
    assert not [d for d in check_project(root) if d.is_error]


# --- sanitiser properties ---------------------------------------------------------------------------

_HTML_BITS = st.sampled_from([
    "<", ">", "/", "=", '"', "'", "`", " ", "\n", "\n\n", "<!--", "-->", "<!-->", "script", "svg", "img", "a", "div",
    "details", "iframe", "style", "onerror", "onload", "ontoggle", "on", "href", "src", "javascript:", "JaVaScRiPt:",
    "java\tscript:", "&#x6A;avascript:", "&colon;", "alert(1)", "x", "{:", "}", "[x](", ")", "![y](", "`", "\\",
    "```", "~~~", "    ", "<p", "<b", "markdown=\"1\"", "&", "#",
])
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.lists(_HTML_BITS, max_size=40).map("".join))
@example('<div><img src=x alt="<" onerror="alert(1)"></div>')
@example("<!--> <script>alert(1)</script> -->")
@example('<details title="a>b" ontoggle="alert(1)">')
@example("x\n{: autofocus onfocus=alert(1) }")
@example("<svg/onload=alert(1)>")
@example('<a href="&#x6A;avascript:alert(1)">x</a>')
@example('<a href="java\tscript:alert(1)">x</a>')
def test_sanitised_output_has_no_handler_script_or_javascript_url(text: str) -> None:
    doc = read_markdown(text)
    tree = lxml.html.fragment_fromstring(doc.html or "", create_parent="div")
    for element in tree.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        assert element.tag in ALLOWED_ELEMENTS
        assert set(element.attrib) <= ALLOWED_ATTRIBUTES["*"] | ALLOWED_ATTRIBUTES.get(element.tag, frozenset())
        for name in ("href", "src"):
            # as a browser reads a URL: blanks around it trimmed, tabs and newlines inside dropped
            value = re.sub(r"[\t\n\r]", "", element.get(name, "")).strip("".join(map(chr, range(33)))).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:")), value


@_SETTINGS
@given(st.lists(_HTML_BITS, max_size=40).map("".join))
def test_check_reports_a_removal_exactly_when_the_sanitiser_changes_the_html(text: str) -> None:
    # `check` and `build` agree: no diagnostic means the shipped HTML is what Python-Markdown wrote
    import markdown

    from generator.load.markdown import EXTENSION_CONFIGS, EXTENSIONS
    from generator.load.sanitise import _parse_keeping_everything

    rendered = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                 output_format="html").convert(text)
    clean, removals = sanitise(rendered)
    assert (not removals) == (clean == _parse_keeping_everything(rendered))


# --- finding 4: linear-time scanning ----------------------------------------------------------------

@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["<", " ", '"', "'", "<a", "< ", '<a "', "<a '", "![", "[", "](", "`", "#", "{:", "a", "[x](", "[^"]),
       st.sampled_from(["<a", "![x](", "[x](", "## ", "", "<!--", "{: "]),
       st.integers(min_value=2000, max_value=6000))
@example("<", "", 6000)
@example(" ", "<a", 6000)
@example('"', "<a", 6000)
def test_long_runs_of_brackets_spaces_and_quotes_check_in_linear_time(make_project: MakeProject, unit: str,
                                                                      prefix: str, count: int) -> None:
    # the old line scan took 30 s on '<a' and 2000 spaces and grew with the cube; a few seconds is generous
    root = _project_once(make_project)
    (root / LESSON).write_text(FRONT + f"Text.\n\n{prefix}{unit * count}\n", encoding="utf-8")
    started = time.monotonic()
    diags = check_project(root)
    assert time.monotonic() - started < 10
    if (unit.count("[") + unit.count("<")) * count > 1000:
        assert ("CUR254", LESSON, BODY_LINE + 2) in {(d.code, str(d.file), d.line) for d in diags}


def _project_once(make_project: MakeProject) -> Path:
    root = make_project.__dict__.get("made")  # one copy for all of Hypothesis's examples
    if root is None:
        root = make_project.__dict__["made"] = make_project()
    return root


# --- finding 5: sources that are not regular files, or not inside the project -----------------------

def test_a_fifo_among_the_lessons_is_reported_not_waited_for(make_project: MakeProject) -> None:
    root = make_project()
    fifo = root / "modules/01-basics/03-pipe.md"
    os.mkfifo(fifo)
    diags = _within(20, lambda: check_project(root))
    assert ("CUR252", "modules/01-basics/03-pipe.md") in {(d.code, str(d.file)) for d in diags}  # type: ignore[attr-defined]


def test_a_fifo_does_not_hang_the_build(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project()
    os.mkfifo(root / "modules/01-basics/03-pipe.md")
    result = _within(30, lambda: build_project(root, tmp_path / "out", ["scorm12"], "unit", SCHEMAS))
    assert not result.packages and "CUR252" in {d.code for d in result.diagnostics}  # type: ignore[attr-defined]


def test_a_fifo_does_not_hang_the_preview(make_project: MakeProject) -> None:
    from generator.preview.incremental import Preview

    root = make_project()
    os.mkfifo(root / "modules/01-basics/03-pipe.md")
    update = _within(20, lambda: Preview(root).refresh())
    assert "CUR252" in {d.code for d in update.diagnostics}  # type: ignore[attr-defined]


def test_a_lesson_symlinked_to_a_device_or_outside_is_not_read(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project()
    (root / "modules/01-basics/03-zero.md").symlink_to("/dev/zero")
    outside = tmp_path / "elsewhere.md"
    outside.write_text(FRONT_OUTSIDE)
    (root / "modules/01-basics/04-outside.md").symlink_to(outside)
    diags = _within(20, lambda: check_project(root))
    got = {(d.code, str(d.file)) for d in diags}  # type: ignore[attr-defined]
    assert ("CUR253", "modules/01-basics/03-zero.md") in got and ("CUR253", "modules/01-basics/04-outside.md") in got


FRONT_OUTSIDE = "---\nid: U01-L9\ntitle: Outside\noutcome_ids: [U01-LO1]\nminutes: 5\n---\nSecret text.\n"


def test_a_unit_folder_symlinked_outside_is_not_followed(make_project: MakeProject, tmp_path: Path) -> None:
    root = make_project()
    elsewhere = tmp_path / "elsewhere"
    (root / "modules/01-basics").rename(elsewhere)
    (root / "modules/01-basics").symlink_to(elsewhere)
    assert ("CUR253", "modules/01-basics") in {(d.code, str(d.file)) for d in check_project(root)}


def test_a_lesson_symlinked_outside_is_refused_naming_where_it_resolves(make_project: MakeProject,
                                                                       tmp_path: Path) -> None:
    root = make_project()
    outside = tmp_path / "elsewhere.md"
    outside.write_text(FRONT_OUTSIDE)
    (root / "modules/01-basics/04-outside.md").symlink_to(outside)
    found = [d for d in check_project(root) if d.code == "CUR253"]
    assert [(str(d.file), d.line, d.message, d.hint) for d in found] == [(
        "modules/01-basics/04-outside.md", None,
        f"'modules/01-basics/04-outside.md' resolves to {outside.resolve()}, outside the project",
        "Copy the file into the project instead of linking to it.")]


def _tree_of_links(tmp_path: Path) -> Path:
    """A project whose folders and files link inside and outside it in every way a load can meet."""
    root, outside = tmp_path / "project", tmp_path / "outside"
    for folder in (root / "a", root / "b", outside):
        folder.mkdir(parents=True)
    for folder in (root / "a", root / "b", outside):
        (folder / "plain.md").write_text(f"in {folder.name}\n")
    (root / "a/to-b.md").symlink_to("../b/plain.md")
    (root / "a/to-outside.md").symlink_to(outside / "plain.md")
    (root / "a/relative-out.md").symlink_to("../../outside/plain.md")
    (root / "a/dangling.md").symlink_to("missing.md")
    (root / "a/loop.md").symlink_to("loop.md")
    (root / "a/to-folder.md").symlink_to("../b")
    (root / "linked-b").symlink_to("b")
    (root / "linked-outside").symlink_to(outside)
    (root / "linked-up").symlink_to("..")
    (root / "file").write_text("not a folder\n")
    os.mkfifo(root / "a/pipe.md")
    return root


def _outcome(read: Callable[[Path, Path], bytes], path: Path, root: Path) -> object:
    try:
        return read(path, root)
    except UnsafeFile as exc:
        return exc.code, exc.message
    except (OSError, RuntimeError) as exc:
        return type(exc).__name__, getattr(exc, "strerror", None)


def _read_resolving_every_path(path: Path, root: Path) -> bytes:
    """How every read was checked before #15: the whole path resolved, then stat'ed, on each read."""
    real = path.resolve(strict=True)
    if not real.is_relative_to(root.resolve()):
        raise UnsafeFile("CUR253", f"'{path}' resolves to {real}, outside the project", "")
    return read_bytes_safely(path, 1000)  # without a root: resolved in full, stat'ed, read


def test_reading_a_project_resolves_each_folder_once_and_refuses_what_resolving_every_path_refuses(
        tmp_path: Path) -> None:
    root = _tree_of_links(tmp_path)
    names = ["a/plain.md", "a/to-b.md", "a/to-outside.md", "a/relative-out.md", "a/dangling.md", "a/loop.md",
             "a/to-folder.md", "a/pipe.md", "a/missing.md", "a", "a/..", "a/../b/plain.md", "linked-b/plain.md",
             "linked-outside/plain.md", "linked-up/outside/plain.md", "linked-up/project/a/plain.md",
             "missing/plain.md", "file/plain.md", "b/../a/to-outside.md"]
    reader = ProjectFiles(root)  # one reader for all: what it keeps of one path must not change another's outcome
    for _ in range(2):
        for name in names:
            path = root / name
            assert _outcome(lambda p, _: reader.read(p, 1000), path, root) == _outcome(
                _read_resolving_every_path, path, root), name


def test_a_lesson_swapped_for_a_link_after_its_folder_was_resolved_is_refused(tmp_path: Path) -> None:
    root = _tree_of_links(tmp_path)
    reader = ProjectFiles(root)
    assert reader.read(root / "b/plain.md", 1000) == b"in b\n"
    (root / "b/plain.md").unlink()
    (root / "b/plain.md").symlink_to(tmp_path / "outside/plain.md")
    with pytest.raises(UnsafeFile) as refused:
        reader.read(root / "b/plain.md", 1000)
    assert refused.value.code == "CUR253"


def test_a_folder_swapped_for_a_link_to_outside_after_it_was_resolved_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "modules/u1").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    for folder in (root / "modules/u1", tmp_path / "secret"):
        (folder / "a.md").write_text("lesson\n", encoding="utf-8")
        (folder / "b.md").write_text("lesson\n", encoding="utf-8")
    reader = ProjectFiles(root)
    assert reader.read(root / "modules/u1/a.md", 1000) == b"lesson\n"  # the folder is resolved once, here
    shutil.rmtree(root / "modules/u1")  # then, while the load goes on, it becomes a link out of the project
    (root / "modules/u1").symlink_to(tmp_path / "secret")
    with pytest.raises(UnsafeFile) as refused:
        reader.read(root / "modules/u1/b.md", 1000)
    assert refused.value.code == "CUR253" and "outside the project" in refused.value.message


def test_a_link_swapped_in_between_the_check_and_the_open_is_not_followed(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree_of_links(tmp_path)
    link = root / "a/to-outside.md"
    # as if the check had seen a regular file there, and the link came right after
    monkeypatch.setattr(ProjectFiles, "_resolve_file", lambda self, path: (path, stat.S_IFREG | 0o644, True))
    with pytest.raises(OSError) as refused:
        ProjectFiles(root).read(link, 1000)
    assert refused.value.errno == errno.ELOOP


def test_a_device_inside_the_project_is_not_read(make_project: MakeProject) -> None:
    root = make_project()
    device = root / "modules/01-basics/03-null.md"
    try:
        os.mknod(device, 0o644 | 0o020000, os.makedev(1, 3))  # a character device, as /dev/null
    except PermissionError:
        pytest.skip("creating a device needs privileges")
    assert ("CUR252", "modules/01-basics/03-null.md") in {(d.code, str(d.file)) for d in check_project(root)}


# --- the Content-Security-Policy of every page --------------------------------------------------------

def test_every_page_of_every_package_carries_the_policy_and_no_inline_script(make_project: MakeProject) -> None:
    root = make_project()
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    pages = 0
    for package, files in every_package(root).items():
        for path, data in files.items():
            if not path.endswith(".html"):
                continue
            pages += 1
            html = data.decode("utf-8")
            head = lxml.html.document_fromstring(html).find("head")
            assert head is not None
            # the policy must come before anything it governs, so right after the charset
            assert [(e.tag, e.get("charset") or e.get("http-equiv")) for e in head[:2]] == [
                ("meta", "utf-8"), ("meta", "Content-Security-Policy")], f"{package}: {path}"
            assert head[1].get("content") == CONTENT_SECURITY_POLICY
            _assert_inert(html, f"{package}: {path}")
            for script in lxml.html.document_fromstring(html).iter("script"):
                assert script.get("src") or script.get("type") == "application/json", f"{package}: {path}"
    assert pages > 10


def test_the_authoring_guide_lists_exactly_the_allowed_elements() -> None:
    from helpers import REPO

    guide = (REPO / "docs/authoring.md").read_text(encoding="utf-8")
    row = next(line for line in guide.splitlines() if line.startswith("| elements |"))
    listed = set(re.findall(r"`([a-z0-9]+)`", row)) | {f"h{n}" for n in range(2, 6)}  # `h1`–`h6` is a range
    assert listed == ALLOWED_ELEMENTS


def test_ids_that_would_shadow_the_runtime_or_the_page_are_removed_and_reported(make_project: MakeProject) -> None:
    # an element id="API" becomes window.API, which the SCORM runtime would take for the LMS
    body = "## End of lesson\n\nText\n{: #API }\n\n<div id=\"end-of-lesson\">x</div>\n"
    root = make_project(project_files(body))
    assert sorted((d.code, d.line) for d in check_project(root) if str(d.file) == LESSON) == [
        ("CUR246", BODY_LINE + 3), ("CUR246", BODY_LINE + 5)]
    doc = read_markdown(body)
    assert 'id="API"' not in doc.html and 'id="end-of-lesson"' not in doc.html
    assert 'id="end-of-lesson-section"' in doc.html  # a heading's own id steps aside


def test_every_id_the_templates_use_is_reserved() -> None:
    from importlib import resources

    from generator.load.sanitise import RESERVED_IDS

    folder = resources.files("generator").joinpath("templates")
    used = {m for f in folder.iterdir() if f.name.endswith(".html")
            for m in re.findall(r'\bid="([a-z][a-z0-9-]*)"', f.read_text(encoding="utf-8"))}
    assert used <= RESERVED_IDS


def test_thousands_of_findings_list_twenty_and_count_the_rest_quickly(make_project: MakeProject) -> None:
    body = "\n\n".join(f"Para {n} <script>window.pwned={n}</script>" for n in range(3000))
    root = make_project(project_files(body))
    started = time.monotonic()
    diags = [d for d in check_project(root) if str(d.file) == LESSON]
    assert time.monotonic() - started < 30
    listed = [d.line for d in diags if d.code == "CUR246"]
    assert listed == [BODY_LINE + 2 * n for n in range(20)]
    summary = [d for d in diags if d.code == "CUR255"]
    assert len(diags) == 21 and len(summary) == 1 and "2980 more problems" in summary[0].message
