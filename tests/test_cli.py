"""The `curriculum` command: wiring, output formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from helpers import PROJECTS, MakeProject


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_check_clean_project_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", str(PROJECTS / "minimal"), "--strict"])
    assert result.exit_code == 0, result.output
    assert " error " not in result.output and " warning " not in result.output
    assert result.stderr.rstrip().endswith("0 errors, 0 warnings, 2 notes")  # CC 1.1 fallbacks are notes


def test_check_broken_project_exits_1_with_file_line_diagnostics(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", str(PROJECTS / "broken")])
    assert result.exit_code == 1
    assert "modules/02-practice/01-agreeing.md:4:1: error CUR204: lesson 'U02-L1' references unknown outcome 'U02-LO9'" \
        in result.stderr
    assert "  hint: " in result.stderr
    assert result.stderr.rstrip().endswith("36 errors, 5 warnings")


def test_check_keeps_rendered_bodies_in_the_build_cache_and_no_cache_leaves_it_alone(
        runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CURRICULUM_CACHE", str(cache))
    fresh = runner.invoke(cli, ["check", str(PROJECTS / "broken"), "--no-cache"])
    assert not cache.exists()
    first = runner.invoke(cli, ["check", str(PROJECTS / "broken")])
    assert any(cache.rglob("*")) and first.exit_code == fresh.exit_code == 1
    again = runner.invoke(cli, ["check", str(PROJECTS / "broken")])
    assert fresh.stderr == first.stderr == again.stderr


def test_warnings_fail_only_with_strict(runner: CliRunner, make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/unit.yaml":
                         (PROJECTS / "minimal/modules/02-practice/unit.yaml").read_text().replace("Describe", "Knowing")})
    assert runner.invoke(cli, ["check", str(root)]).exit_code == 0
    strict = runner.invoke(cli, ["check", str(root), "--strict"])
    assert strict.exit_code == 1
    assert "warning CUR248" in strict.stderr


def test_json_format_carries_the_same_diagnostics(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", str(PROJECTS / "broken"), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == 36 and data["warnings"] == 5
    first = data["diagnostics"][0]
    assert set(first) == {"code", "severity", "message", "file", "line", "column", "hint"}


def test_usage_errors_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["check", str(tmp_path / "nowhere")]).exit_code == 2
    assert runner.invoke(cli, ["check", "--format", "yaml"]).exit_code == 2
    assert runner.invoke(cli, ["frobnicate"]).exit_code == 2


def test_empty_folder_gives_diagnostics_not_a_traceback(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "CUR106" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_list_codes(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "--list-codes"])
    assert result.exit_code == 0
    assert "CUR204  lesson references an unknown outcome" in result.output


def test_help_explains_with_an_example(runner: CliRunner) -> None:
    for args in (["--help"], ["check", "--help"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0
        assert "curriculum check" in result.output
