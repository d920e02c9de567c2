"""`curriculum preview` in headless Chromium: an edit reloads the page that shows it, errors show as an overlay
that goes away once fixed, and the quiz works with no LMS."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.preview import PreviewServer, open_preview
from helpers import PROJECTS

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
WAIT_MS = 5000
"""Bound for every wait on the page: an edit shows well under a second, so this only absorbs a slow machine."""
LESSON = "units/U01/U01-L1.html"
LESSON_SOURCE = "modules/01-basics/01-what-is-a-cluster.md"


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[PreviewServer]:
    root = tmp_path / "project"
    shutil.copytree(PROJECTS / "minimal", root)
    server = open_preview(root, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.watching.wait(10), "the source watcher did not start"
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        assert not thread.is_alive(), "the preview server did not stop"


def open_page(browser: Any, server: PreviewServer, path: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + path)
    page.wait_for_load_state("load")
    page.evaluate("window.notReloaded = true")  # a reload drops it
    return page, errors


def edit(server: PreviewServer, rel: str, old: str, new: str) -> None:
    path = server.preview.root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_editing_a_lesson_reloads_its_page_and_only_its_page(browser: Any, preview: PreviewServer) -> None:
    page, errors = open_page(browser, preview, LESSON)
    other, _ = open_page(browser, preview, "units/U02/index.html")
    assert page.locator("h1").first.inner_text() == "What is a cluster?"
    edit(preview, LESSON_SOURCE, "A cluster is a group", "Freshly edited: a cluster is a group")
    expect(page.locator("body")).to_contain_text("Freshly edited", timeout=WAIT_MS)
    assert page.evaluate("window.notReloaded") is None
    # the other page has heard of the edit once it kept itself through an update
    other.locator("#curriculum-preview[data-kept]").wait_for(state="attached", timeout=WAIT_MS)
    assert other.evaluate("window.notReloaded") is True
    assert errors == []
    page.close()
    other.close()


def test_a_broken_unit_yaml_shows_an_overlay_with_file_and_line_until_it_is_fixed(
        browser: Any, preview: PreviewServer) -> None:
    page, errors = open_page(browser, preview, LESSON)
    edit(preview, "modules/01-basics/unit.yaml", "title: Basics", "title: [Basics")
    overlay = page.get_by_role("alert")
    overlay.wait_for(timeout=WAIT_MS)
    text = overlay.inner_text()
    assert "modules/01-basics/unit.yaml:3: error CUR102" in text
    assert "hint:" in text
    assert page.locator("h1").first.inner_text() == "What is a cluster?"  # the last good page is still there
    edit(preview, "modules/01-basics/unit.yaml", "title: [Basics", "title: Basics")
    page.wait_for_selector("#curriculum-preview-errors", state="detached", timeout=WAIT_MS)
    assert page.get_by_role("alert").count() == 0
    assert errors == []
    page.close()


def test_the_quiz_page_works_in_the_preview_without_an_lms(browser: Any, preview: PreviewServer) -> None:
    page, errors = open_page(browser, preview, "units/U01/quiz.html")
    page.locator("#quiz[data-ready]").wait_for(state="attached")
    page.locator("input[name='U01-Q1'][value='a']").check()
    page.locator("button[type=submit]").click()
    assert "Correct." in page.locator("#feedback-U01-Q1").inner_text()
    assert errors == []
    page.close()


def test_the_overview_is_served_at_the_root(browser: Any, preview: PreviewServer) -> None:
    page, errors = open_page(browser, preview, "")
    assert page.title().endswith("Demo Programme")
    page.get_by_role("link", name="Basics").first.click()
    page.wait_for_url("**/units/U01/index.html", timeout=WAIT_MS)
    assert errors == []
    page.close()
