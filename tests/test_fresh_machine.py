"""A clone with nothing beside it, an empty HOME and no schemas anywhere: the README's first command still works (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fresh import copy_of_the_project, new_user_env, python, run


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("fresh")
    root = copy_of_the_project(tmp)
    return root, new_user_env(tmp, PYTHONPATH=str(root))  # the copy's code, so ../shared is looked for beside it


def curriculum(clone: tuple[Path, dict[str, str]], *args: str) -> tuple[int, str]:
    root, env = clone
    done = run([python(), "-m", "generator", *args], root, env)
    return done.returncode, done.stdout + done.stderr


def test_the_copy_runs_its_own_code(clone: tuple[Path, dict[str, str]]) -> None:
    root, env = clone
    done = run([python(), "-c", "import generator; print(generator.__file__)"], root, env)
    assert Path(done.stdout.strip()).is_relative_to(root)


def test_check_strict_passes_and_build_writes_packages_saying_they_were_not_xsd_validated(
        clone: tuple[Path, dict[str, str]]) -> None:
    code, output = curriculum(clone, "check", "--strict")
    assert code == 0, output
    code, output = curriculum(clone, "build", "--format", "scorm12,cc11", "--unit", "U01")
    assert code == 0, output
    assert "NOT validated against the official XSDs" in output
    assert output.count("CUR310") == 1 and "curriculum schemas install" in output
    assert sorted(p.name for p in (clone[0] / "build").iterdir()) == ["cmp-U01-scorm12.zip", "cmp-cc11.imscc"]


def test_validate_exits_1_and_says_why(clone: tuple[Path, dict[str, str]]) -> None:
    curriculum(clone, "build", "--format", "scorm12", "--unit", "U01")
    code, output = curriculum(clone, "validate", "build/cmp-U01-scorm12.zip")
    assert code == 1
    assert "valid (XSD not checked)" in output and "CUR415" in output
    assert "curriculum schemas install" in output and "--no-xsd" in output
    code, output = curriculum(clone, "validate", "build/cmp-U01-scorm12.zip", "--no-xsd")
    assert code == 0, output


def test_schemas_status_says_none_is_installed_and_what_to_run(clone: tuple[Path, dict[str, str]]) -> None:
    code, output = curriculum(clone, "schemas", "status")
    assert code == 1
    assert "In use: none" in output and "curriculum schemas install" in output
    assert str(Path(clone[1]["HOME"]) / ".local" / "share" / "curriculum-compiler" / "schemas") in output
