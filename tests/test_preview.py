"""`curriculum preview` without a browser: incremental re-render, the served paths, the diagnostics overlay."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import check_project
from generator.cli import cli
from generator.diagnostics import Diagnostic, error, warning
from generator.load.project import forget_memos, load_project
from generator.preview import Preview, PreviewServer, open_preview
from generator.preview.overlay import diagnostics_block, inject
from generator.preview.server import site_path
from generator.render.html import render_site
from generator.render.site import Site
from generator.synthetic import write_synthetic_curriculum
from helpers import PROJECTS, MakeProject

Edit = Callable[[Path], list[Path]]


MAPPING = "modules/01-basics/02-mapping.md"


def _replace(rel: str, old: str, new: str) -> Edit:
    def edit(root: Path) -> list[Path]:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return [path]

    return edit


def _write(rel: str, text: str) -> Edit:
    def edit(root: Path) -> list[Path]:
        (root / rel).write_text(text, encoding="utf-8")
        return [root / rel]

    return edit


def _full(root: Path) -> Site:
    course, _ = load_project(root)
    return render_site(course, "package")


def _expected_changes(before: Site, after: Site) -> set[str]:
    # stale media may stay in the preview's site; every page and every current file must match a full render
    paths = {p.path for p in before.pages} | after.files.keys()
    return {p for p in paths if before.files.get(p) != after.files.get(p)}


EDITS: dict[str, Edit] = {
    "lesson body": _replace("modules/01-basics/02-mapping.md", "\n## ", "\nA new sentence.\n\n## "),
    "lesson title linked from another unit": _replace("modules/01-basics/02-mapping.md", "title: ", "title: Renamed "),
    "unit title": _replace("modules/02-practice/unit.yaml", "title: ", "title: Renamed "),
    "quiz": _replace("modules/02-practice/quiz.yaml", "Who should own", "Who must own"),
    "case study": _replace("case_studies/energy.md", "title: ", "title: Renamed "),
    "programme": _replace("curriculum/programme.yaml", "title: Demo", "title: Renamed"),
    "image": _write("modules/01-basics/images/map.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>\n'),
    "new lesson": _write("modules/02-practice/02-new.md", "---\nid: U02-L9\ntitle: New\noutcome_ids: [U02-LO1]\n"
                                                          "minutes: 5\n---\nSee [the basics](lesson:U01-L1).\n"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_incremental_render_equals_a_full_render_and_reports_exactly_the_changed_paths(
        name: str, make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    assert preview.refresh().rendered
    before = _full(root)
    touched = EDITS[name](root)
    update = preview.refresh(touched)
    after = _full(root)
    assert update.rendered, update.diagnostics
    assert preview.site is not None
    assert sorted(p.path for p in preview.site.pages) == sorted(p.path for p in after.pages)
    assert {path: preview.site.files[path] for path in after.files} == after.files
    assert update.changed == _expected_changes(before, after)
    assert update.changed


def test_a_lesson_body_edit_renders_one_unit_and_changes_one_page(tmp_path: Path) -> None:
    write_synthetic_curriculum(tmp_path, 100)
    preview = Preview(tmp_path)
    preview.refresh()
    lesson = tmp_path / "modules/03-unit/05-lesson.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    update = preview.refresh([lesson])
    assert update.rendered_units == ("U03",)
    assert update.changed == {"units/U03/U03-L5.html"}
    assert not update.reload_all


def test_a_title_edit_also_changes_the_pages_that_show_the_title(tmp_path: Path) -> None:
    write_synthetic_curriculum(tmp_path, 100)
    preview = Preview(tmp_path)
    preview.refresh()
    before = _full(tmp_path)
    lesson = tmp_path / "modules/03-unit/05-lesson.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("title: ", "title: New "), encoding="utf-8")
    update = preview.refresh([lesson])
    assert update.rendered_units == ("U03",)
    assert update.changed == _expected_changes(before, _full(tmp_path))
    assert {"units/U03/U03-L5.html", "units/U03/index.html", "units/U03/U03-L6.html"} <= update.changed
    assert not any(path.startswith("units/U04/") for path in update.changed)


def test_an_edit_that_changes_no_output_changes_nothing(make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    preview.refresh()
    readme = root / "modules/01-basics/README.md"
    readme.write_text("Notes for authors; not a lesson.\n", encoding="utf-8")
    update = preview.refresh([readme])
    assert update.rendered and update.changed == frozenset() and not update.diagnostics_changed


def test_errors_keep_the_last_good_render_and_fixing_them_clears_the_diagnostics(make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    preview.refresh()
    good = preview.site
    unit = root / "modules/01-basics/unit.yaml"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text.replace("title: Basics", "title: [Basics"), encoding="utf-8")
    broken = preview.refresh([unit])
    assert not broken.rendered and broken.diagnostics_changed and broken.changed == frozenset()
    assert preview.site is good
    assert ("CUR102", "modules/01-basics/unit.yaml", 3) in [(d.code, str(d.file), d.line) for d in broken.diagnostics]
    unit.write_text(text.replace("title: Basics", "title: Fixed basics"), encoding="utf-8")
    fixed = preview.refresh([unit])
    assert fixed.rendered and fixed.diagnostics_changed and not any(d.is_error for d in fixed.diagnostics)
    assert "units/U01/index.html" in fixed.changed


@pytest.mark.parametrize("junk", [b"\x00\x01\x02binary", b"\xff\xfe not utf-8", b"", b"---\n: [\n---\n"])
def test_junk_in_a_source_gives_diagnostics_never_an_exception(junk: bytes, make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    preview.refresh()
    lesson = root / "modules/01-basics/02-mapping.md"
    lesson.write_bytes(junk)
    update = preview.refresh([lesson])
    assert not update.rendered and any(d.is_error and str(d.file) == "modules/01-basics/02-mapping.md"
                                       for d in update.diagnostics)


def test_deleted_sources_give_diagnostics_and_restoring_them_renders_again(make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    preview.refresh()
    saved = root.parent / "saved"
    shutil.move(root / "modules", saved)
    gone = preview.refresh([root / "modules"])
    assert not gone.rendered and "CUR106" in {d.code for d in gone.diagnostics}
    shutil.move(saved, root / "modules")
    back = preview.refresh([root / "modules"])
    assert back.rendered and back.rendered_units is None and not any(d.is_error for d in back.diagnostics)


def test_a_project_with_errors_from_the_start_has_no_site_until_fixed(make_project: MakeProject) -> None:
    root = make_project({"curriculum/programme.yaml": "id: [\n"})
    preview = Preview(root)
    first = preview.refresh()
    assert preview.site is None and not first.rendered
    shutil.copy(PROJECTS / "minimal/curriculum/programme.yaml", root / "curriculum/programme.yaml")
    assert preview.refresh([root / "curriculum/programme.yaml"]).rendered and preview.site is not None


def test_an_edited_lesson_shows_its_new_text_and_its_new_findings(make_project: MakeProject) -> None:
    root = make_project()
    preview = Preview(root)
    preview.refresh()
    lesson, page = root / MAPPING, "units/U01/U01-L2.html"
    text = lesson.read_text(encoding="utf-8")

    lesson.write_text(text + "\nFirst edit.\n", encoding="utf-8")
    assert preview.refresh([lesson]).rendered and preview.site is not None
    assert b"First edit." in preview.site.files[page]

    before_script = text + "\nFirst edit.\n\n"
    lesson.write_text(before_script + "<script>window.pwned=1</script>\n", encoding="utf-8")
    unsafe = preview.refresh([lesson])
    line = before_script.count("\n") + 1
    assert not unsafe.rendered and ("CUR246", MAPPING, line) in _findings(unsafe.diagnostics)
    assert not any(b"pwned" in data for data in preview.site.files.values())

    lesson.write_text(text + "\nSecond edit.\n", encoding="utf-8")
    fixed = preview.refresh([lesson])
    assert fixed.rendered and not any(d.is_error for d in fixed.diagnostics)
    assert b"Second edit." in preview.site.files[page] and b"First edit." not in preview.site.files[page]


def test_a_lesson_changed_back_and_forth_never_serves_stale_html(make_project: MakeProject) -> None:
    """Remembered load results are found by the file's text: same size, same mtime, other words still show."""
    root = make_project()
    lesson = root / MAPPING
    text = lesson.read_text(encoding="utf-8")
    versions = [text + "\nThe cat sat.\n", text + "\nThe dog sat.\n", text + "\n<b onclick=x()>The cow</b>\n"]
    expected = []
    for version in versions:  # each as a new process would render and check it, remembering nothing
        lesson.write_text(version, encoding="utf-8")
        forget_memos()
        expected.append((_full(root).files if "onclick" not in version else None, _findings(check_project(root))))
    stat = lesson.stat()
    preview = Preview(root)
    preview.refresh()
    for index in [0, 1, 0, 2, 1, 2, 0, 1, 1]:
        lesson.write_text(versions[index], encoding="utf-8")
        os.utime(lesson, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        update = preview.refresh([lesson])
        files, findings = expected[index]
        assert _findings(update.diagnostics) == findings
        assert update.rendered == (files is not None)
        if files is not None:
            assert preview.site is not None and {path: preview.site.files[path] for path in files} == files


def _findings(diags: Iterable[Diagnostic]) -> list[tuple[str, str, int | None]]:
    return [(d.code, str(d.file), d.line) for d in diags]


# --- serving --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("/", "index.html"),
    ("/units/U01/", "units/U01/index.html"),
    ("/units/U01/U01-L1.html", "units/U01/U01-L1.html"),
    ("/assets/style.css", "assets/style.css"),
    ("/../etc/passwd", None),
    ("/units/../../etc/passwd", None),
    ("/%2e%2e/%2e%2e/etc/passwd", None),
    ("/units/..%2f..%2fetc/passwd", None),
    ("/..\\..\\etc\\passwd", None),
    ("//etc/passwd", None),
    ("/units/./U01/index.html", None),
    ("/index.html%00.css", None),
    ("etc/passwd", None),
])
def test_site_path_accepts_only_plain_paths_inside_the_site(url: str, expected: str | None) -> None:
    assert site_path(url) == expected


@pytest.fixture
def served(make_project: MakeProject) -> Iterator[PreviewServer]:
    server = open_preview(make_project(), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        assert not thread.is_alive()


def _get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    address = server.url.split("//")[1].rstrip("/")
    connection = http.client.HTTPConnection(address, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            connection.putheader("Host", host)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                                  "/units/..%2F..%2F..%2Fpyproject.toml", "/..%5c..%5cetc%5cpasswd",
                                  "/modules/01-basics/unit.yaml", "/curriculum/programme.yaml"])
def test_the_server_refuses_paths_outside_the_rendered_site(served: PreviewServer, path: str) -> None:
    status, _, body = _get(served, path)
    assert status == 404
    assert b"root:" not in body and b"ecvet_points" not in body


def test_the_server_serves_the_overview_at_slash_with_the_reload_script(served: PreviewServer) -> None:
    status, headers, body = _get(served, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Demo Programme" in body and b'id="curriculum-preview" src="/__preview/reload.js" data-page="index.html"' in body
    assert body.rstrip().endswith(b"</html>")
    status, headers, body = _get(served, "/units/U01")
    assert status == 301 and headers["Location"] == "/units/U01/"
    status, headers, body = _get(served, "/assets/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8" and b"curriculum-preview" not in body
    assert served.preview.site is not None
    assert not any(b"curriculum-preview" in data for data in served.preview.site.files.values())


def test_the_server_refuses_other_host_names_on_loopback(served: PreviewServer) -> None:
    port = served.url.rstrip("/").rsplit(":", 1)[1]
    for host in ("attacker.example:8000", f"127.evil.com:{port}", f"127.0.0.2:{port}", f"localhost.evil.com:{port}",
                 "localhost", f"localhost:{int(port) + 1}", f"127.0.0.1:{port}.evil.com"):
        assert _get(served, "/", host=host)[0] == 421, host  # DNS rebinding, issue #17 finding 7


def test_the_server_answers_its_loopback_names_with_its_port(served: PreviewServer) -> None:
    port = served.url.rstrip("/").rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert _get(served, "/", host=host)[0] == 200, host


def test_an_open_event_stream_hears_which_page_changed(served: PreviewServer) -> None:
    assert served.watching.wait(10)
    address = served.url.split("//")[1].rstrip("/")
    connection = http.client.HTTPConnection(address, timeout=10)
    connection.request("GET", f"/__preview/events?since=0&token={served.token}")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream; charset=utf-8"
    assert response.fp.readline() == b"retry: 500\n"
    lesson = served.preview.root / "modules/01-basics/02-mapping.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nAdded.\n", encoding="utf-8")
    response.fp.readline()
    line = response.fp.readline()
    connection.close()
    assert line.startswith(b"data: ")
    assert json.loads(line[6:]) == {"all": False, "changed": ["units/U01/U01-L2.html"]}


def test_an_event_stream_from_an_earlier_server_is_told_to_reload_everything(served: PreviewServer) -> None:
    address = served.url.split("//")[1].rstrip("/")
    connection = http.client.HTTPConnection(address, timeout=10)
    connection.request("GET", "/__preview/events?since=0&token=from-another-run")
    response = connection.getresponse()
    response.fp.readline()
    response.fp.readline()
    line = response.fp.readline()
    connection.close()
    assert json.loads(line[6:]) == {"all": True, "changed": []}


# --- overlay --------------------------------------------------------------------------------------

def test_the_overlay_lists_errors_with_file_line_code_and_hint_and_warnings_apart() -> None:
    from pathlib import PurePosixPath

    diags: list[Diagnostic] = [
        error("CUR102", "invalid YAML: expected ',' or ']'", PurePosixPath("modules/01-basics/unit.yaml"), 3,
              hint="Check indentation; quote values containing ': '."),
        error("CUR204", "lesson 'L1' references unknown outcome '<LO-9>'", PurePosixPath("modules/a/l.md"), 4),
        warning("CUR248", "outcome text does not start with an action verb", PurePosixPath("modules/a/unit.yaml"), 9),
    ]
    block = diagnostics_block(diags, has_site=True)
    alert = block[block.index('role="alert"'):block.index("</section>")]
    assert "2 errors in the sources" in alert
    assert "modules/01-basics/unit.yaml:3: error CUR102: invalid YAML: expected &#39;,&#39; or &#39;]&#39;" in alert
    assert "hint: Check indentation; quote values containing &#39;: &#39;." in alert
    assert "&lt;LO-9&gt;" in alert and "<LO-9>" not in block
    assert "CUR248" not in alert
    panel = block[block.index("<details"):]
    assert "1 warning<" in panel and "modules/a/unit.yaml:9: warning CUR248" in panel


def test_the_overlay_script_and_style_are_files_the_pages_policy_allows(served: PreviewServer) -> None:
    _, _, page = _get(served, "/")
    assert b"Content-Security-Policy" in page and b"<style" not in page  # issue #17: nothing inline
    assert all(b"src=" in tag for tag in re.findall(rb"<script(?![^>]*application/json)[^>]*>", page))
    status, headers, script = _get(served, "/__preview/reload.js")
    assert status == 200 and headers["Content-Type"] == "text/javascript; charset=utf-8" and b"EventSource" in script
    status, headers, style = _get(served, "/__preview/overlay.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8" and b"#curriculum-preview-errors" in style


def test_no_diagnostics_no_overlay() -> None:
    block = diagnostics_block([], has_site=True)
    assert 'role="alert"' not in block and "<details" not in block


def test_inject_goes_before_the_closing_body_tag_and_escapes_the_page_path() -> None:
    html = inject(b"<html><body><p>x</p></body></html>", 'a"b.html', "<div>block</div>", 3, "tok")
    assert html.startswith(b"<html><body><p>x</p><div>block</div><script id=\"curriculum-preview\" "
                           b"src=\"/__preview/reload.js\" data-page=\"a&#34;b")
    assert html.endswith(b"</script>\n</body></html>")
    assert b'data-since="3"' in html


def test_a_served_page_shows_the_overlay_while_the_sources_have_errors(make_project: MakeProject) -> None:
    root = make_project({"modules/01-basics/unit.yaml": "code: U01\ntitle: [Basics\n"})
    server = open_preview(root, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        status, _, body = _get(server, "/")
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert status == 404  # no render without errors yet, so no overview either
    assert b'role="alert"' in body and b"modules/01-basics/unit.yaml:3: error CUR102" in body


# --- command line ---------------------------------------------------------------------------------

def test_preview_with_a_port_in_use_is_a_usage_error(make_project: MakeProject) -> None:
    root = make_project()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["preview", str(root), "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
