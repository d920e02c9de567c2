"""The self-assessment page in headless Chromium: rate, see the charts, download, re-import, and in an LMS."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from generator.build import build_project
from helpers import REPO, SCHEMAS

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect


@pytest.fixture(scope="module")
def orientation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real programme's orientation unit as a SCORM 2004 package: it carries the self-assessment."""
    out = tmp_path_factory.mktemp("out")
    result = build_project(REPO, out, ["scorm2004"], "unit", SCHEMAS, ["U01"])
    assert result.ok
    return result.packages[0].path


def unpack(package: Path, folder: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        archive.extractall(folder)


def rate_everything(page: Any, level: int) -> list[str]:
    names: list[str] = page.evaluate("[...new Set([...document.querySelectorAll('.rating input')].map(i => i.name))]")
    for name in names:
        page.check(f"input[name='{name}'][value='{level}']")
    return names


def test_rate_see_gaps_download_and_compare(browser: Any, lms: tuple[str, Path], orientation: Path,
                                           tmp_path: Path) -> None:
    url, folder = lms
    unpack(orientation, folder)
    page = browser.new_page(accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/pkg/self-assessment.html")
    page.locator("#self-assessment[data-ready]").wait_for(state="attached")
    names = rate_everything(page, 1)
    assert len(names) == 61
    page.select_option("select[name=career_path]", "technology-scout")
    page.click("button[type=submit]")
    expect(page.locator("#profile-results")).to_be_visible()
    assert page.locator("svg.radar").count() == 10
    assert page.locator("svg.radar title").first.text_content().startswith("Radar chart: ")
    first_table = page.locator("#first-field-result table tbody tr")
    assert first_table.count() == 5  # the strategy field's five skills, as numbers too
    assert first_table.first.locator("td").all_inner_texts() == ["1", "3", "2"]  # F01.S01: you 1, scout target 3
    gaps = page.locator("#profile-gaps li").all_inner_texts()
    assert len(gaps) == 10 and gaps[0].startswith("F02.S01 ")  # target 4 - rating 1, the first of the 3-point gaps
    units = page.locator("#profile-units li").all_inner_texts()
    assert units and units[0][:3] in {f"U{n:02d}" for n in range(1, 14)}
    with page.expect_download() as download:
        page.click("[data-download]")
    saved = tmp_path / "earlier.json"
    download.value.save_as(saved)
    state = json.loads(saved.read_text())
    assert state["career_path"] == "technology-scout" and state["ratings"]["F01.S01"] == 1 and len(state["ratings"]) == 61

    rate_everything(page, 3)
    page.set_input_files("input[data-import]", str(saved))
    expect(page.locator("#profile-status")).to_have_text(re.compile(r"^Compared with"))
    row = page.locator("#first-field-result table tbody tr").first.locator("td").all_inner_texts()
    assert row == ["3", "1", "3", "0"]  # you now, earlier, target, gap
    assert page.locator(".radar__series--earlier").count() == 10
    page.reload()  # without an LMS the ratings stay in the browser
    page.locator("#self-assessment[data-ready]").wait_for(state="attached")
    expect(page.locator("input[name='F01.S01'][value='3']")).to_be_checked()
    assert errors == []


def test_in_an_lms_the_profile_is_kept_in_suspend_data_and_objectives(browser: Any, lms: tuple[str, Path],
                                                                    orientation: Path) -> None:
    url, folder = lms
    unpack(orientation, folder)
    page = browser.new_page()
    page.goto(f"{url}/lms.html?v=2004&sco=self-assessment.html")
    page.wait_for_function("window.calls.some(c => c[0] === 'Initialize')")
    frame = page.frame_locator("#sco")
    frame.locator("#self-assessment[data-ready]").wait_for(state="attached")  # listening, or submit would navigate
    for name in frame.locator(".rating input[value='2']").evaluate_all("inputs => inputs.map(i => i.name)"):
        frame.locator(f"input[name='{name}'][value='2']").check()
    frame.locator("button[type=submit]").click()
    page.wait_for_function("get('cmi.completion_status') === 'completed'")
    objectives = page.evaluate("""[...Array(Number(get('cmi.objectives._count'))).keys()].map(n =>
        [get('cmi.objectives.' + n + '.id'), get('cmi.objectives.' + n + '.score.scaled')])""")
    assert objectives[0] == ["profile-F01", "0.5"] and len(objectives) == 10
    saved = json.loads(page.evaluate("window.saved"))
    assert saved["ratings"]["F10.S05"] == 2


@pytest.mark.parametrize("country", [None, "FR", "CH"])
def test_the_page_and_curriculum_profile_agree_on_gaps_and_units(browser: Any, lms: tuple[str, Path],
                                                              orientation: Path, country: str | None) -> None:
    """The gap analysis exists twice (JavaScript offline, Python for coaches): both must give the same answer."""
    import random

    from generator import load_project
    from generator.profile import analyse, parse_ratings

    url, folder = lms
    unpack(orientation, folder)
    course, _ = load_project(REPO)
    rnd = random.Random(country or "none")
    ratings = {s.id: rnd.randint(0, 4) for f in course.competences.activity_fields  # type: ignore[union-attr]
               for s in f.skills}
    state = {"career_path": "cluster-manager", "country": country, "ratings": ratings}
    parsed, diags = parse_ratings(json.dumps(state), None, course)
    assert parsed is not None and not [d for d in diags if d.is_error]
    python = analyse(course, parsed)
    page = browser.new_page()
    page.goto(f"{url}/pkg/self-assessment.html")
    page.locator("#self-assessment[data-ready]").wait_for(state="attached")  # its script has run
    js = page.evaluate("state => { const r = window.CurriculumProfile.analyse(state); return {"
                       "gaps: r.gaps.map(g => [g.id, g.weighted]), units: r.units.map(u => [u.unit.code, u.value])}; }",
                       state)
    assert [[g.id, g.weighted_gap] for g in python.largest_gaps] == js["gaps"]
    assert [[u.code, u.score] for u in python.recommended_units] == js["units"]
