"""Our lesson SCOs against a real SCORM runtime (scorm-again) in headless Chromium, both SCORM versions."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_project
from helpers import SCHEMAS

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
LONG_BODY = "\n\n".join(f"## Part {i}\n\n" + "A paragraph about cluster strategy. " * 40 for i in range(1, 13))
LESSON = "modules/01-basics/01-what-is-a-cluster.md"


@pytest.fixture
def package(make_project: Callable[..., Path], tmp_path: Path) -> Callable[[str, Path], None]:
    """Build the sample project (with a long first lesson) and unpack one unit's package for the LMS."""
    front = "---\nid: U01-L1\ntitle: What is a cluster?\noutcome_ids: [U01-LO1, U01-LO3]\nminutes: 30\n---\n"
    root = make_project({LESSON: front + LONG_BODY + "\n\nSee [the next lesson](lesson:U01-L2).\n"})

    def unpack(fmt: str, target: Path) -> None:
        result = build_project(root, tmp_path / "out", [fmt], "unit", SCHEMAS, ["U01"])
        assert result.ok, result.diagnostics
        with zipfile.ZipFile(result.packages[0].path) as archive:
            archive.extractall(target)

    return unpack


def open_sco(browser: Any, url: str, version: str, sco: str) -> tuple[Any, Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/lms.html?v={version}&sco={sco}")
    page.wait_for_function("window.calls.length > 0 && window.calls[0][0].endsWith('Initialize')")
    frame = page.frame_locator("#sco")
    page.errors = errors  # type: ignore[attr-defined]
    return page, frame


def calls(page: Any) -> list[list[str]]:
    return list(page.evaluate("window.calls"))


def scroll_to_end(page: Any) -> None:
    page.frame_locator("#sco").locator("#end-of-lesson").scroll_into_view_if_needed()


def leave(page: Any) -> None:
    page.evaluate("document.getElementById('sco').src = 'about:blank'")


def test_scorm12_lesson_initialises_completes_at_the_end_and_finishes(browser: Any, lms: tuple[str, Path],
                                                                       package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm12", folder)
    page, frame = open_sco(browser, url, "12", "units/U01/U01-L1.html")
    assert calls(page)[0][0] == "LMSInitialize"
    assert page.evaluate("get('cmi.core.lesson_status')") == "incomplete"
    scroll_to_end(page)
    page.wait_for_function("get('cmi.core.lesson_status') === 'completed'")
    expect(frame.locator("#end-of-lesson")).to_contain_text("marked as completed")
    assert frame.locator(".pager").is_hidden()  # SCORM 1.2 moves between SCOs through the LMS menu
    leave(page)
    page.wait_for_function("window.calls.some(c => c[0] === 'LMSFinish')")
    names = [c[0] for c in calls(page)]
    assert names.index("LMSCommit") < names.index("LMSFinish")
    assert ["LMSSetValue", "cmi.core.exit", ""] in calls(page)
    assert any(c[:2] == ["LMSSetValue", "cmi.core.session_time"] for c in calls(page))
    assert page.errors == []


def test_scorm2004_lesson_reports_completion_and_its_outcomes_as_objectives(
        browser: Any, lms: tuple[str, Path], package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm2004", folder)
    page, frame = open_sco(browser, url, "2004", "units/U01/U01-L1.html")
    assert calls(page)[0][0] == "Initialize"
    assert page.evaluate("get('cmi.completion_status')") == "incomplete"
    scroll_to_end(page)
    page.wait_for_function("get('cmi.completion_status') === 'completed'")
    objectives = page.evaluate("""[0, 1, 2].slice(0, Number(get('cmi.objectives._count')))
        .map(n => [get('cmi.objectives.' + n + '.id'), get('cmi.objectives.' + n + '.completion_status')])""")
    assert objectives == [["U01-LO1", "completed"], ["U01-LO3", "completed"]]
    leave(page)
    page.wait_for_function("window.calls.some(c => c[0] === 'Terminate')")
    assert ["SetValue", "cmi.exit", "normal"] in calls(page)
    assert any(c[:2] == ["SetValue", "cmi.session_time"] and c[2].startswith("PT") for c in calls(page))
    assert page.errors == []


def test_scorm2004_next_button_asks_the_lms_to_continue(browser: Any, lms: tuple[str, Path],
                                                        package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm2004", folder)
    page, frame = open_sco(browser, url, "2004", "units/U01/U01-L1.html")
    frame.locator("a[rel=next]").click()  # the button sits after the end of the lesson
    page.wait_for_function("window.calls.some(c => c[0] === 'Terminate')")
    assert ["SetValue", "adl.nav.request", "continue"] in calls(page)
    assert ["SetValue", "cmi.exit", "normal"] in calls(page)


def test_scorm2004_unit_menu_asks_for_a_choice_and_suspends_an_unfinished_lesson(
        browser: Any, lms: tuple[str, Path], package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm2004", folder)
    page, frame = open_sco(browser, url, "2004", "units/U01/U01-L1.html")
    frame.locator(".unit-nav a", has_text="Mapping actors").click()
    page.wait_for_function("window.calls.some(c => c[0] === 'Terminate')")
    assert ["SetValue", "adl.nav.request", "{target=ITEM-U01-L2}choice"] in calls(page)
    assert ["SetValue", "cmi.exit", "suspend"] in calls(page)  # left before the end: resume later
    assert ["SetValue", "cmi.completion_status", "completed"] not in calls(page)


def test_without_an_lms_pages_work_as_plain_web_pages(browser: Any, lms: tuple[str, Path],
                                                      package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm2004", folder)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/pkg/units/U01/U01-L1.html")
    assert page.evaluate("window.CurriculumRuntime.version") is None
    page.locator("#end-of-lesson").scroll_into_view_if_needed()
    expect(page.locator("#end-of-lesson")).not_to_have_text("")
    page.locator("a[rel=next]").click()
    page.wait_for_url("**/U01-L2.html")
    assert errors == []


def test_scorm2004_links_to_other_pages_become_navigation_requests(browser: Any, lms: tuple[str, Path],
                                                                 package: Callable[[str, Path], None]) -> None:
    """Regression (review): in-text lesson links loaded the next SCO inside this SCO's frame."""
    url, folder = lms
    package("scorm2004", folder)
    page, frame = open_sco(browser, url, "2004", "units/U01/U01-L1.html")
    frame.locator(".prose a", has_text="the next lesson").click()
    page.wait_for_function("window.calls.some(c => c[0] === 'Terminate')")
    assert ["SetValue", "adl.nav.request", "{target=ITEM-U01-L2}choice"] in calls(page)
    assert page.frame_locator("#sco").locator("h1").inner_text() == "What is a cluster?"  # the LMS moves on, not the frame


def test_scorm12_links_to_other_pages_point_to_the_lms_menu(browser: Any, lms: tuple[str, Path],
                                                          package: Callable[[str, Path], None]) -> None:
    url, folder = lms
    package("scorm12", folder)
    page, frame = open_sco(browser, url, "12", "units/U01/U01-L1.html")
    frame.locator(".prose a", has_text="the next lesson").click()
    hint = frame.locator("[data-lms-hint]")
    expect(hint).to_contain_text("the next lesson")
    expect(hint).to_contain_text("course menu")
    assert frame.locator("h1").inner_text() == "What is a cluster?"
    assert not any(c[0] == "LMSFinish" for c in calls(page))
