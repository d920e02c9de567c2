"""`curriculum init`: a new programme that passes `check --strict` and builds (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from generator.build import PACKAGERS, build_project
from generator.checks import check_project
from generator.cli import cli
from helpers import REPO, SCHEMAS_FOUND


def init(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["init", *args])
    return result.exit_code, result.stderr


def test_init_then_check_strict_then_build(tmp_path: Path) -> None:
    root = tmp_path / "green-skills"
    code, stderr = init(str(root))
    assert code == 0, stderr
    assert "curriculum check --strict && curriculum build" in stderr
    assert check_project(root) == []
    result = CliRunner().invoke(cli, ["check", str(root), "--strict"])
    assert result.exit_code == 0, result.stderr
    built = build_project(root, tmp_path / "out", list(PACKAGERS), "unit", SCHEMAS_FOUND)
    assert built.ok, built.diagnostics
    assert sorted(p.path.name for p in built.packages) == [
        "green-skills-U01-imscp.zip", "green-skills-U01-mbz.mbz", "green-skills-U01-scorm12.zip",
        "green-skills-U01-scorm2004.zip", "green-skills-cc11.imscc", "green-skills-cc13.imscc",
        "green-skills-self-assessment-scorm12.zip"]


def test_init_writes_the_whole_skeleton_with_names_from_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "green-skills"
    init(str(root))
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert written == [
        ".github/workflows/curriculum.yml", ".gitignore", ".pre-commit-config.yaml", "case_studies/first-project.md",
        "curriculum/competences.yaml", "curriculum/programme.yaml", "modules/01-getting-started/01-context.md",
        "modules/01-getting-started/02-planning.md", "modules/01-getting-started/quiz.yaml",
        "modules/01-getting-started/unit.yaml"]
    programme = (root / "curriculum" / "programme.yaml").read_text(encoding="utf-8")
    assert "id: green-skills\n" in programme and 'title: "Green Skills"\n' in programme
    assert "build/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_init_writes_the_workflow_and_pre_commit_config_shown_in_docs_ci(tmp_path: Path) -> None:
    init(str(tmp_path / "p"))
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "docs" / "ci.md").read_text(encoding="utf-8"), re.S)
    assert (tmp_path / "p" / ".github" / "workflows" / "curriculum.yml").read_text(encoding="utf-8") in blocks
    assert (tmp_path / "p" / ".pre-commit-config.yaml").read_text(encoding="utf-8") in blocks


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, stderr = init(str(tmp_path))
    assert code == 1 and "CUR311" in stderr and "--force" in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_init_force_writes_into_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    code, _ = init(str(tmp_path), "--force")
    assert code == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert check_project(tmp_path) == []


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    code, stderr = init(str(tmp_path / "file"))
    assert code == 1 and "CUR312" in stderr
