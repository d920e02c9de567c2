"""Building as a user runs it: reproducible bytes, atomic writes, the CLI, and the real programme."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import PACKAGERS, build_project
from generator.cli import cli
from generator.diagnostics import Severity
from helpers import PROJECTS, REPO, SCHEMAS


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_sources_give_byte_identical_packages(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(PROJECTS / "minimal", copy)
    for path in copy.rglob("*"):  # other timestamps and another location must not change a byte
        os.utime(path, (1_000_000_000, 1_000_000_000))
    first = build_project(PROJECTS / "minimal", tmp_path / "a", list(PACKAGERS), "unit", SCHEMAS)
    second = build_project(copy, tmp_path / "b", list(PACKAGERS), "unit", SCHEMAS)
    assert first.ok and second.ok
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    assert len(digests(tmp_path / "a")) == 11  # two units × scorm12, scorm2004, imscp, mbz; two cartridges; the self-assessment


def test_zip_entries_are_sorted_with_fixed_times_and_permissions(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm12"], "programme", SCHEMAS)
    with zipfile.ZipFile(result.packages[0].path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "imsmanifest.xml" and names[1:] == sorted(names[1:])
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o644}


def test_a_build_killed_midway_leaves_only_whole_packages(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "build", str(REPO), "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = digests(out)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill once the rebuild has replaced a few packages
        # only final names: a temporary .part file can be renamed away between listing and stat
        changed = [p for p in out.iterdir()
                   if not p.name.startswith(".") and p.stat().st_mtime_ns > time.time_ns() - 2_000_000_000]
        if len(changed) >= 3 or process.poll() is not None:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finals = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert finals == set(before), "a killed build must not lose or add packages under final names"
    for name in finals:
        if name.endswith(".mbz"):
            with tarfile.open(out / name, "r:gz") as backup:
                for member in backup.getmembers():  # reading every member checks the gzip stream's CRC
                    stream = backup.extractfile(member)
                    assert stream is None or len(stream.read()) == member.size
        else:
            with zipfile.ZipFile(out / name) as archive:
                assert archive.testzip() is None
        assert digests(out)[name] == before[name]  # reproducible, so a replaced package is identical too


def test_cli_build_prints_a_summary_and_validates(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(PROJECTS / "minimal"), "--format", "scorm2004,cc11",
                                      "--out", str(tmp_path), "--schemas", str(SCHEMAS)])
    assert result.exit_code == 0, result.output
    assert "demo-cc11.imscc  IMS Common Cartridge 1.1" in result.stderr
    assert "3 package(s) written to" in result.stderr


def test_cli_build_refuses_broken_sources(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", str(PROJECTS / "broken"), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "error CUR301" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_build_rejects_unknown_format() -> None:
    result = CliRunner().invoke(cli, ["build", str(PROJECTS / "minimal"), "--format", "scorm3"])
    assert result.exit_code == 2
    assert "unknown format scorm3" in result.output


def test_cli_validate_summarises_each_package(tmp_path: Path) -> None:
    build_project(PROJECTS / "minimal", tmp_path, ["scorm12", "cc13"], "programme", SCHEMAS)
    packages = sorted(str(p) for p in tmp_path.iterdir())
    result = CliRunner().invoke(cli, ["validate", *packages, "--schemas", str(SCHEMAS)])
    assert result.exit_code == 0, result.output
    assert "demo-cc13.imscc: valid  IMS CC 1.3" in result.stderr
    assert "demo-scorm12.zip: valid  SCORM 1.2" in result.stderr


def test_cli_validate_fails_on_a_broken_package(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest xmlns='urn:nothing'/>")
    result = CliRunner().invoke(cli, ["validate", str(bad), "--schemas", str(SCHEMAS), "--format", "json"])
    assert result.exit_code == 1
    assert '"code": "CUR404"' in result.stdout


def test_the_real_programme_checks_strict_and_builds_in_every_format(tmp_path: Path) -> None:
    result = build_project(REPO, tmp_path, list(PACKAGERS), None, SCHEMAS)  # each format's default scope
    problems = [d for d in result.diagnostics if d.severity is not Severity.NOTE]
    assert result.ok and problems == [], problems[:5]
    assert len(result.packages) == 13 * 3 + 2 + 1 + 1  # SCORM 1.2, 2004, IMS CP per unit; two cartridges; one backup; the self-assessment
