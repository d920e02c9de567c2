"""Package stage: the programme as a static web site — the preview's pages as files, for any web host.

Every link is relative and every page names its files (`units/U01/index.html`, never a bare folder), so
the site works from file:// as well as from GitHub Pages or any web server, with no server code. With no
LMS around, the pages' runtime only tracks progress in the browser; the self-assessment keeps its answers
in the browser's storage and lets learners download them.
"""

from __future__ import annotations

from typing import Final

from generator.model import Curriculum
from generator.render.html import render_site
from generator.render.site import Site

NAME: Final = "site"
LABEL: Final = "static web site"


def site_folder_name(course: Curriculum, lang: str | None = None) -> str:
    assert course.programme is not None
    source = course.programme.languages[0]
    return f"{course.programme.id}-site" if lang in (None, source) else f"{course.programme.id}-{lang}-site"


def static_site(course: Curriculum, lang: str | None = None, rendered: Site | None = None) -> dict[str, bytes]:
    """Every file of the site (POSIX path -> bytes); `course` must have passed `check`.

    `rendered`: the programme already rendered in the `package` style with no site URL (the build takes it
    from its cache); rendered here when None.
    """
    files = dict((rendered or render_site(course, "package", None, lang)).files)
    files[".nojekyll"] = b""  # GitHub Pages: serve the files as they are, no Jekyll run
    return files
