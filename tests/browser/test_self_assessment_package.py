"""The self-assessment's own SCORM 1.2 package in an LMS stand-in (scorm-again): it runs, reports, and keeps answers."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator import load_project
from generator.formats.selfassessment import self_assessment_package
from helpers import REPO

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def package_bytes() -> bytes:
    course, _ = load_project(REPO)
    package = self_assessment_package(course)
    assert package is not None and package.name == "cmp-self-assessment-scorm12.zip"
    return package.data


def test_answers_persist_in_suspend_data_across_a_relaunch(browser: Any, lms: tuple[str, Path],
                                                          package_bytes: bytes) -> None:
    url, folder = lms
    with zipfile.ZipFile(io.BytesIO(package_bytes)) as archive:
        archive.extractall(folder)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/lms.html?v=12&sco=self-assessment.html")
    page.wait_for_function("window.calls.some(c => c[0] === 'LMSInitialize')")
    frame = page.frame_locator("#sco")
    assert frame.locator(".site-header a.brand").count() == 0  # nothing to go back to inside this package
    names = frame.locator(".rating input[value='3']").evaluate_all("inputs => inputs.map(i => i.name)")
    assert len(names) == 61
    for name in names:
        frame.locator(f"input[name='{name}'][value='3']").check()
    frame.locator("select[name=career_path]").select_option("technology-scout")
    frame.locator("button[type=submit]").click()
    page.wait_for_function("get('cmi.core.lesson_status') === 'completed'")
    saved = page.evaluate("window.saved")
    assert len(saved) < 4096  # SCORM 1.2's cmi.suspend_data limit
    state = json.loads(saved)
    assert state["career_path"] == "technology-scout" and len(state["ratings"]) == 61
    assert page.evaluate("get('cmi.objectives.0.id')") == "profile-F01"

    page.evaluate("window.relaunch()")  # the learner comes back: a new session handed the saved suspend data
    page.wait_for_function("window.calls.some(c => c[0] === 'LMSInitialize')")
    frame.locator("input[name='F01.S01'][value='3']").wait_for(state="attached")
    page.wait_for_function("document.getElementById('sco').contentDocument.querySelector("
                           "\"input[name='F10.S05'][value='3']\").checked")
    assert frame.locator("select[name=career_path]").input_value() == "technology-scout"
    assert frame.locator("input[name='F01.S01'][value='3']").is_checked()
    assert errors == []


def test_static_site_works_from_file_urls(browser: Any, tmp_path: Path) -> None:
    """build --format site: no server needed; links, the quiz and the self-assessment work from disk."""
    from generator.build import build_project
    from helpers import PROJECTS

    result = build_project(PROJECTS / "minimal", tmp_path, ["site"], "unit", None)
    assert result.ok and result.site is not None
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((result.site / "index.html").as_uri())
    page.click("a[href='self-assessment.html']")
    page.wait_for_url("**/self-assessment.html")
    first = page.locator(".rating input[value='2']").first
    first.check()
    page.reload()
    assert page.locator(".rating input[value='2']").first.is_checked()  # kept in the browser's storage
    page.goto((result.site / "units/U01/index.html").as_uri())
    page.locator("a[data-target='U01-L1']").first.click()
    page.wait_for_url("**/units/U01/U01-L1.html")
    assert errors == []
