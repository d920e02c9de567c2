"""Issue #17: in a built package, only our asset scripts run, on every page, even with hostile lessons.

The lessons carry every payload of the issue. The packages are made past `check` (which refuses them), so
this shows what the sanitiser and the pages' Content-Security-Policy do on their own.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from security import FRONT, LESSON, PAYLOADS, every_package  # noqa: E402

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
  document.documentElement.dataset.violations = String(window.__violations.length);
});
"""
INJECTED = ('<img src="x.png" onerror="window.pwned=\'onerror\'"><script>window.pwned="inline"</script>'
            '<details open ontoggle="window.pwned=\'ontoggle\'"><summary>s</summary></details>'
            '<input autofocus onfocus="window.pwned=\'onfocus\'">')
"""What a sanitiser bypass would put into a page: the policy alone must keep it from running."""


@pytest.fixture
def hostile_package(make_project: Callable[..., Path]) -> dict[str, bytes]:
    body = "Intro.\n\n" + "\n\n".join(text for text, _ in PAYLOADS.values())
    root = make_project({LESSON: FRONT + body})
    packages = every_package(root)
    return packages["demo-U01-scorm12"]


def _open(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    page.add_init_script(WATCH)  # runs through the debugger protocol, which the policy does not govern
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")  # handlers fire
    page.scripts = scripts  # type: ignore[attr-defined]
    return page, console, errors


def test_no_script_outside_our_assets_runs_on_any_page(browser: Any, lms: tuple[str, Path],
                                                       hostile_package: dict[str, bytes]) -> None:
    url, folder = lms
    for name, data in hostile_package.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    pages = sorted(name for name in hostile_package if name.endswith(".html"))
    assert "units/U01/U01-L1.html" in pages and len(pages) >= 4
    for name in pages:
        page, console, errors = _open(browser, f"{url}/pkg/{name}")
        assert page.evaluate("window.pwned") is None, name
        assert page.evaluate("window.__violations") == [], (name, console)  # our own pages keep to the policy
        assert errors == [], name
        assert all(re.search(r"/pkg/assets/\w+\.js$", src) for src in page.scripts), (name, page.scripts)
        inline = page.evaluate("[...document.scripts].filter((s) => !s.src && s.type !== 'application/json').length")
        assert inline == 0, name
        page.close()


def test_the_policy_alone_stops_inline_scripts_and_handlers(browser: Any, lms: tuple[str, Path],
                                                            hostile_package: dict[str, bytes]) -> None:
    url, folder = lms
    for name, data in hostile_package.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    lesson = folder / "units/U01/U01-L1.html"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("</main>", INJECTED + "</main>"), encoding="utf-8")
    page, console, _ = _open(browser, f"{url}/pkg/units/U01/U01-L1.html")
    expect(page.locator("html")).to_have_attribute("data-violations", re.compile(r"^([3-9]|\d{2,})$"))
    assert page.evaluate("window.pwned") is None
    assert all(v.startswith("script-src") for v in page.evaluate("window.__violations"))
    assert page.evaluate("window.CurriculumRuntime !== undefined")  # while our own runtime did run
    page.close()
