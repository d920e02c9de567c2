"""CI reports: check and validate in every output format, as golden files; JUnit read back; pre-commit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from generator.build import build_project
from generator.cli import cli
from helpers import PROJECTS, REPO, SCHEMAS

GOLDEN = Path(__file__).parent / "golden" / "reports"


def run(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(cli, args)
    return result.exit_code, result.stdout, result.stderr


def golden(name: str, actual: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing {path}: run pytest --update-golden and review the diff"
    assert actual == path.read_text(encoding="utf-8"), name


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_check_reports_the_same_problems_in_every_format(fmt: str, monkeypatch: pytest.MonkeyPatch,
                                                        update_golden: bool) -> None:
    code, stdout, stderr = run(["check", ".", "--format", fmt], PROJECTS / "broken", monkeypatch)
    assert code == 1
    golden(f"check-broken.{fmt}", stdout if fmt in ("json", "junit") else stderr if fmt == "text" else stdout,
           update_golden)


def test_github_annotations_point_at_files_from_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, _ = run(["check", "tests/projects/broken", "--format", "github"], REPO, monkeypatch)
    assert code == 1
    first = stdout.splitlines()[0]
    assert first.startswith("::error file=tests/projects/broken/case_studies/energy.md,line=7,col=1,title=CUR207::")
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in stdout.splitlines())


def test_junit_report_reads_back_with_a_case_per_source_file(monkeypatch: pytest.MonkeyPatch) -> None:
    _, stdout, _ = run(["check", ".", "--format", "junit"], PROJECTS / "minimal", monkeypatch)
    root = etree.fromstring(stdout.encode("utf-8"))
    cases = root.findall("testsuite/testcase")
    names = [c.get("name") for c in cases]
    assert "modules/01-basics/01-what-is-a-cluster.md" in names and "curriculum/programme.yaml" in names
    assert len(names) == 10 and root.get("tests") == "10" and root.get("failures") == "0"
    assert all(c.find("failure") is None for c in cases)
    notes = [c for c in cases if c.find("system-out") is not None]
    assert [c.get("name") for c in notes] == ["modules/01-basics/quiz.yaml"]


def test_junit_fails_warnings_only_when_strict(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(PROJECTS / "minimal", root)
    (root / "modules/02-practice/quiz.yaml").unlink()
    _, lenient, _ = run(["check", ".", "--format", "junit"], root, monkeypatch)
    code, strict, _ = run(["check", ".", "--format", "junit", "--strict"], root, monkeypatch)
    assert etree.fromstring(lenient.encode()).get("failures") == "0"
    assert etree.fromstring(strict.encode()).get("failures") == "1" and code == 1


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good package and a broken one (a lesson file missing), built from the sample."""
    out = tmp_path_factory.mktemp("packages")
    build_project(PROJECTS / "minimal", out, ["scorm12"], "programme", SCHEMAS)
    good = out / "demo-scorm12.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out / "broken.zip", "w") as target:
        for info in source.infolist():
            if info.filename != "units/U01/U01-L2.html":
                target.writestr(info, source.read(info))
    return out


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit"])
def test_validate_reports_in_every_format(fmt: str, packages: Path, monkeypatch: pytest.MonkeyPatch,
                                          update_golden: bool) -> None:
    code, stdout, stderr = run(["validate", "demo-scorm12.zip", "broken.zip", "--schemas", str(SCHEMAS),
                                "--format", fmt], packages, monkeypatch)
    assert code == 1
    golden(f"validate.{fmt}", stderr if fmt == "text" else stdout, update_golden)


def test_validate_summary_line_per_package(packages: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, _, stderr = run(["validate", "demo-scorm12.zip", "broken.zip", "--schemas", str(SCHEMAS)], packages, monkeypatch)
    lines = stderr.splitlines()
    assert lines[0] == "demo-scorm12.zip: valid  SCORM 1.2, 11 resources, 0 errors, 0 warnings"
    assert lines[1] == "broken.zip: INVALID  SCORM 1.2, 11 resources, 2 errors, 0 warnings"


def test_pre_commit_hook_runs_check_on_a_curriculum_repository(tmp_path: Path) -> None:
    if shutil.which("pre-commit") is None and os.environ.get("CI") != "true":
        pytest.skip("pre-commit is not installed (./scripts/test installs it)")
    repo = tmp_path / "curriculum-repo"
    shutil.copytree(PROJECTS / "minimal", repo)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "curriculum"], check=True)

    def try_repo() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "curriculum-check",
                               "--all-files"], cwd=repo, capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")})

    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "curriculum check" in clean.stdout and "Passed" in clean.stdout
    lesson = repo / "modules/01-basics/02-mapping.md"
    lesson.write_text(lesson.read_text().replace("outcome_ids: [U01-LO2]", "outcome_ids: [U01-LO9]"))
    broken = try_repo()
    assert broken.returncode == 1
    assert "modules/01-basics/02-mapping.md:4:1: error CUR204" in broken.stdout
