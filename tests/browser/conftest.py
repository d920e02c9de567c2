"""Browser test fixtures: Debian's Chromium through Playwright, and a loopback server for an LMS stand-in."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
SCORM_AGAIN = HERE / "node_modules/scorm-again/dist/scorm-again.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; in CI that is a failure (run ./scripts/test, which installs it)")
    pytest.skip(f"{what} is missing (./scripts/test installs it)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package")
    if not CHROMIUM.exists():
        _missing("Debian's chromium (/usr/bin/chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        pass


@pytest.fixture
def lms(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A folder served on 127.0.0.1 holding the LMS stand-in; returns (base URL, folder for the package)."""
    if not SCORM_AGAIN.exists():
        _missing("the npm package scorm-again (tests/browser/node_modules)")
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(HERE / "lms.html", root / "lms.html")
    shutil.copy(SCORM_AGAIN, root / "scorm-again.js")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root / "pkg"
    finally:
        server.shutdown()
        server.server_close()
