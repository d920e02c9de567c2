"""The wheel carries everything the compiler reads at run time: installed outside the checkout, `init` and `build` work (issue 12)."""

from __future__ import annotations

import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from fresh import copy_of_the_project, new_user_env, python, run

from helpers import REPO, SCHEMAS_FOUND

pytestmark = [pytest.mark.slow, pytest.mark.xsd]


def build_wheel(tmp_path: Path) -> Path:
    # From a copy, so setuptools' build/ and egg-info never land in the checkout.
    source = copy_of_the_project(tmp_path / "source")
    dist = tmp_path / "dist"
    done = run([python(), "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(source)], tmp_path,
               new_user_env(tmp_path))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (wheel,) = dist.glob("curriculum_compiler-*.whl")
    return wheel


def fresh_venv(folder: Path) -> Path:
    """A new virtual environment; the dependencies come from this interpreter's site folders (no network)."""
    venv.create(folder, with_pip=False)
    purelib = Path(sysconfig.get_paths(vars={"base": str(folder), "platbase": str(folder)})["purelib"])
    # Plain paths in a .pth file: the folders' own .pth files (our editable install) are not run.
    parents = [p for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()]
    (purelib / "dependencies.pth").write_text("\n".join(parents) + "\n", encoding="utf-8")
    return folder / "bin"


def test_wheel_installed_in_a_fresh_venv_inits_and_builds_a_programme(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    bin_dir = fresh_venv(tmp_path / "venv")
    done = run([python(), "-m", "pip", "--python", str(bin_dir / "python"), "install", "--quiet", "--no-deps",
                "--no-index", str(wheel)], tmp_path, new_user_env(tmp_path))
    assert done.returncode == 0, done.stderr
    work = tmp_path / "work"
    work.mkdir()
    env = new_user_env(tmp_path)
    where = run([str(bin_dir / "python"), "-c", "import generator; print(generator.__file__)"], work, env)
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where
    assert not Path(where.stdout.strip()).is_relative_to(REPO)

    assert run([str(bin_dir / "curriculum"), "init", "demo"], work, env).returncode == 0
    demo = work / "demo"
    assert run([str(bin_dir / "curriculum"), "check", "--strict"], demo, env).returncode == 0
    built = run([str(bin_dir / "curriculum"), "build", "--lang", "de"], demo, env)  # a locale catalogue, too
    assert built.returncode == 0, built.stderr
    assert "NOT validated against the official XSDs" in built.stderr  # nothing installed yet, and no ../shared

    assert SCHEMAS_FOUND is not None
    installed = run([str(bin_dir / "curriculum"), "schemas", "install", "--from", str(SCHEMAS_FOUND)], demo, env)
    assert installed.returncode == 0, installed.stderr  # the lock is package data
    built = run([str(bin_dir / "curriculum"), "build"], demo, env)
    assert built.returncode == 0, built.stderr
    assert "7 package(s) written" in built.stderr and "validated against the official XSDs in" in built.stderr
    assert "curriculum-compiler/schemas/official-" in built.stderr
    exported = run([str(bin_dir / "curriculum"), "export", "all"], demo, env)  # the exports' templates
    assert exported.returncode == 0, exported.stderr
