"""The hostile lesson bodies of issue #17, shared by the regression tests and the browser test."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from generator.build import PACKAGERS, package_bytes, plan_jobs
from generator.formats.selfassessment import self_assessment_package
from generator.load.project import load_project
from generator.render.html import render_site
from generator.render.site import Site

LESSON = "modules/01-basics/01-what-is-a-cluster.md"
FRONT = "---\nid: U01-L1\ntitle: T\noutcome_ids: [U01-LO1, U01-LO3]\nminutes: 5\n---\n"
BODY_LINE = 7
"""File line of the body's first line under FRONT."""

PAYLOADS: dict[str, tuple[str, list[tuple[str, int]]]] = {
    # name: (body, [(code, body line)]); every script sets window.pwned, which the browser test looks for
    "image-over-two-lines": ("Text.\n\n![pass\nwd](/etc/passwd)\n", [("CUR242", 4)]),
    "image-above-the-root": ("Text.\n\n![pass\nwd](../../../../../../etc/passwd)\n", [("CUR242", 4)]),
    "onerror-in-div-with-lt-in-alt": ('<div><img src="x.png" alt="<" onerror="window.pwned=1"></div>\n',
                                      [("CUR246", 1), ("CUR243", 1)]),
    "script-after-short-comment": ("Text.\n\n<!--> <script>window.pwned=2</script> -->\n", [("CUR246", 3)]),
    "script-between-escaped-backticks": ("Text \\`<script>window.pwned=3</script>\\` more.\n", [("CUR246", 1)]),
    "script-in-unfenced-blank-lines": ("Text.\n\n~~~~\n\n<script>window.pwned=4</script>\n\n", [("CUR246", 5)]),
    "gt-in-earlier-attribute": ('Text.\n\n<details title="a>b" ontoggle="window.pwned=5" open>x</details>\n',
                                [("CUR246", 3)]),
    "attr-list-handler": ('Para\n{: autofocus onfocus="window.pwned=6" }\n', [("CUR246", 2), ("CUR246", 2)]),
    "svg-onload": ("Text.\n\n<svg/onload=window.pwned=7>\n", [("CUR246", 3)]),
    "javascript-link": ("Text [x](javascript:window.pwned=8) and\n[y](JaVa&#x09;script:window.pwned=9).\n",
                        [("CUR247", 1), ("CUR247", 2)]),
}


def project_files(body: str) -> dict[str, str | bytes | None]:
    return {LESSON: FRONT + body}


def every_package(root: Path) -> dict[str, dict[str, bytes]]:
    """Every package the build would write, made even though `check` fails: what would survive if it did not."""
    course, _ = load_project(root)
    sites: dict[tuple[str, tuple[str, ...]], Site] = {}
    packages = {}
    for packager, job in plan_jobs(course, list(PACKAGERS), "unit"):
        key = (packager.style, tuple(u.code for u in job.units))
        if key not in sites:
            sites[key] = render_site(course, packager.style, key[1])
        data = package_bytes(packager, job, sites[key], None)
        packages[f"{job.ident}-{packager.name}"] = _members(data, packager.container)
    standalone = self_assessment_package(course)
    if standalone is not None:
        packages[standalone.name] = _members(standalone.data, "zip")
    return packages


def _members(data: bytes, container: str) -> dict[str, bytes]:
    """Every file of a package, zip or (a Moodle backup) gzip-compressed tar, as bytes."""
    if container == "tar.gz":
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as backup:
            return {m.name: backup.extractfile(m).read() for m in backup.getmembers() if m.isfile()}  # type: ignore[union-attr]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
