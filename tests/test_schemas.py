"""The official XSDs anywhere: the lock, the lookup order, `schemas install` / `status`, and life without them (issue 12)."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.validate.install as install_module
import generator.validate.schemas as schemas_module
from generator.build import build_project
from generator.cli import cli
from generator.validate import find_schemas
from generator.validate.schemaset import (
    Lock,
    Source,
    data_folder,
    installed_set_path,
    packaged_lock,
    sha256_of,
    verify_folder,
)
from helpers import PROJECTS, SCHEMAS_FOUND

xsd = pytest.mark.xsd


@pytest.fixture
def bare_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No schemas anywhere: an empty data folder, no variable, no ../shared beside the checkout."""
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    for name in ("CURRICULUM_SCHEMAS", "CURRICULUM_SCHEMAS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(schemas_module, "_beside_checkout", lambda: None)
    return data


@dataclass
class Mirror:
    url: str
    folder: Path
    truncate: set[str] = field(default_factory=set)
    """Paths the server cuts off halfway, as a dropped connection would."""


class _Handler(http.server.SimpleHTTPRequestHandler):
    mirror: Mirror

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.lstrip("/")
        if path not in self.mirror.truncate:
            super().do_GET()
            return
        data = (self.mirror.folder / path).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    """A local web server in front of a copy of the official schemas."""
    assert SCHEMAS_FOUND is not None
    folder = tmp_path / "mirror"
    shutil.copytree(SCHEMAS_FOUND, folder)
    served = Mirror("", folder)
    handler = type("Handler", (_Handler,), {"mirror": served})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    served.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served
    server.shutdown()
    server.server_close()
    thread.join()


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def leftovers(data: Path) -> list[str]:
    folder = data / "curriculum-compiler" / "schemas"
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.is_dir() else []


# --- the lock -------------------------------------------------------------------------------------------------------

@xsd
def test_lock_names_every_file_of_the_official_set_with_its_sha256() -> None:
    assert SCHEMAS_FOUND is not None
    on_disk = {p.relative_to(SCHEMAS_FOUND).as_posix() for p in SCHEMAS_FOUND.rglob("*")
               if p.is_file() and p.name not in ("README.md", "schemas.lock.json")}
    assert {f.path for f in packaged_lock().files} == on_disk
    assert verify_folder(SCHEMAS_FOUND).ok


def test_lock_pins_every_file_to_a_public_location() -> None:
    lock = packaged_lock()
    for source in lock.sources.values():
        if source.url is not None:
            assert re.match(r"https://raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}/.*\{member\}$", source.url)
        else:
            assert source.archive is not None and source.archive.startswith("https://")
            assert re.fullmatch(r"[0-9a-f]{64}", source.archive_sha256 or "")
    assert all(f.source in lock.sources and re.fullmatch(r"[0-9a-f]{64}", f.sha256) for f in lock.files)


# --- the lookup order -----------------------------------------------------------------------------------------------

def fake_set(folder: Path) -> Path:
    (folder / "scorm12").mkdir(parents=True)
    (folder / "cc_1.1").mkdir()
    return folder


def test_lookup_order_is_option_then_variable_then_installed_set_then_development_layout(
        tmp_path: Path, bare_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit, env, development = (fake_set(tmp_path / name) for name in ("explicit", "env", "development"))
    monkeypatch.setattr(schemas_module, "_beside_checkout", lambda: development)
    assert find_schemas().origin == "the development layout ../shared/schemas"
    fake_set(installed_set_path())
    assert (find_schemas().path, find_schemas().origin) == (installed_set_path(), "the installed set")
    monkeypatch.setenv("CURRICULUM_SCHEMAS", str(env))
    assert find_schemas().path == env
    assert find_schemas(explicit).path == explicit


def test_a_named_folder_without_schemas_is_an_error_not_a_silent_fallback(
        tmp_path: Path, bare_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_set(installed_set_path())
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("CURRICULUM_SCHEMAS", str(tmp_path / "empty"))
    lookup = find_schemas()
    assert lookup.path is None and lookup.problem is not None and lookup.problem.code == "CUR412"
    assert "$CURRICULUM_SCHEMAS" in lookup.problem.message
    code, _, stderr = run("build", str(PROJECTS / "minimal"), "--out", str(tmp_path / "out"))
    assert code == 1 and "CUR412" in stderr and not (tmp_path / "out").exists()


def test_the_data_folder_follows_xdg_data_home(bare_machine: Path) -> None:
    assert data_folder() == bare_machine / "curriculum-compiler" / "schemas"


# --- schemas install ------------------------------------------------------------------------------------------------

@xsd
def test_install_from_a_web_server_verifies_every_file_and_is_then_used(bare_machine: Path, mirror: Mirror) -> None:
    code, _, stderr = run("schemas", "install", "--base-url", mirror.url)
    assert code == 0, stderr
    assert "Installed and verified" in stderr
    assert verify_folder(installed_set_path()).ok
    assert find_schemas().path == installed_set_path()
    assert leftovers(bare_machine) == []
    code, _, stderr = run("schemas", "install", "--base-url", mirror.url)
    assert code == 0 and "already installed and verified" in stderr


@xsd
def test_install_reads_the_mirror_url_from_the_environment(bare_machine: Path, mirror: Mirror,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURRICULUM_SCHEMAS_URL", mirror.url)
    assert run("schemas", "install")[0] == 0
    assert verify_folder(installed_set_path()).ok


@xsd
def test_a_changed_byte_is_refused_naming_the_file_and_both_hashes(bare_machine: Path, mirror: Mirror) -> None:
    target = mirror.folder / "cc_1.3" / "ccv1p3_imswl_v1p3.xsd"
    data = bytearray(target.read_bytes())
    data[200] ^= 0x01
    target.write_bytes(bytes(data))
    expected = next(f.sha256 for f in packaged_lock().files if f.path == "cc_1.3/ccv1p3_imswl_v1p3.xsd")
    code, _, stderr = run("schemas", "install", "--base-url", mirror.url)
    assert code == 1
    assert "CUR416" in stderr and "cc_1.3/ccv1p3_imswl_v1p3.xsd" in stderr
    import hashlib
    assert expected in stderr and hashlib.sha256(bytes(data)).hexdigest() in stderr
    assert not installed_set_path().exists() and leftovers(bare_machine) == []


@xsd
def test_an_interrupted_download_leaves_the_earlier_set_intact(bare_machine: Path, mirror: Mirror) -> None:
    assert run("schemas", "install", "--base-url", mirror.url)[0] == 0
    before = {p: p.stat().st_mtime_ns for p in installed_set_path().rglob("*")}
    mirror.truncate.add("scorm2004_4th/imsss_v1p0.xsd")
    code, _, stderr = run("schemas", "install", "--force", "--base-url", mirror.url)
    assert code == 1
    assert "CUR417" in stderr and "interrupted" in stderr and "imsss_v1p0.xsd" in stderr
    assert "unchanged" in stderr
    assert verify_folder(installed_set_path()).ok
    assert {p: p.stat().st_mtime_ns for p in installed_set_path().rglob("*")} == before
    assert leftovers(bare_machine) == []


@xsd
def test_force_replaces_a_good_set_with_a_verified_one(bare_machine: Path, mirror: Mirror) -> None:
    assert run("schemas", "install", "--base-url", mirror.url)[0] == 0
    assert run("schemas", "install", "--force", "--base-url", mirror.url)[0] == 0
    assert verify_folder(installed_set_path()).ok and leftovers(bare_machine) == []


@xsd
def test_a_damaged_installed_set_is_reported_and_reinstalled(bare_machine: Path, mirror: Mirror) -> None:
    assert run("schemas", "install", "--base-url", mirror.url)[0] == 0
    (installed_set_path() / "w3c" / "xml.xsd").write_bytes(b"<changed/>")
    code, stdout, stderr = run("schemas", "status")
    assert code == 1 and "DOES NOT VERIFY" in stdout and "CUR416" in stderr and "w3c/xml.xsd" in stderr
    assert run("schemas", "install", "--base-url", mirror.url)[0] == 0  # no --force needed: the set did not verify
    assert run("schemas", "status")[0] == 0


@xsd
def test_install_from_a_local_folder_or_zip_for_offline_machines(bare_machine: Path, tmp_path: Path) -> None:
    assert SCHEMAS_FOUND is not None
    archive = tmp_path / "schemas.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(SCHEMAS_FOUND.rglob("*")):
            if file.is_file():
                out.write(file, f"schemas/{file.relative_to(SCHEMAS_FOUND).as_posix()}")
    assert run("schemas", "install", "--from", str(archive))[0] == 0
    assert verify_folder(installed_set_path()).ok
    assert run("schemas", "install", "--force", "--from", str(SCHEMAS_FOUND))[0] == 0
    assert verify_folder(installed_set_path()).ok


@xsd
def test_a_copy_missing_a_file_is_refused(bare_machine: Path, tmp_path: Path) -> None:
    assert SCHEMAS_FOUND is not None
    partial = tmp_path / "partial"
    shutil.copytree(SCHEMAS_FOUND, partial)
    (partial / "scorm12" / "ims_xml.xsd").unlink()
    code, _, stderr = run("schemas", "install", "--from", str(partial))
    assert code == 1 and "CUR418" in stderr and "scorm12/ims_xml.xsd" in stderr
    assert not installed_set_path().exists()


def test_install_without_network_says_how_to_install_offline(bare_machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OSError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    code, _, stderr = run("schemas", "install")
    assert code == 1 and "CUR417" in stderr and "--from DIR|ZIP" in stderr
    assert not installed_set_path().exists() and leftovers(bare_machine) == []


# --- schemas status -------------------------------------------------------------------------------------------------

def test_status_without_any_set_says_what_to_run(bare_machine: Path) -> None:
    code, stdout, stderr = run("schemas", "status")
    assert code == 1
    assert "In use: none" in stdout and "curriculum schemas install" in stdout
    assert str(installed_set_path()) in stdout and "CUR412" in stderr


@xsd
def test_status_lists_each_set_where_it_is_and_whether_it_verifies(bare_machine: Path, mirror: Mirror) -> None:
    assert run("schemas", "install", "--base-url", mirror.url)[0] == 0
    other = data_folder() / "official-000000000000"
    shutil.copytree(installed_set_path(), other)
    code, stdout, _ = run("schemas", "status")
    assert code == 0
    assert "* the installed set" in stdout and str(installed_set_path()) in stdout
    assert "installed by another version" in stdout and str(other) in stdout
    assert stdout.count(f"verified: all {len(packaged_lock().files)} files match") == 2


# --- without schemas: build warns once and writes, validate runs the integrity checks ------------------------------

def test_build_without_schemas_writes_the_packages_and_says_once_they_were_not_xsd_validated(
        bare_machine: Path, tmp_path: Path) -> None:
    code, _, stderr = run("build", str(PROJECTS / "minimal"), "--out", str(tmp_path / "out"), "--format", "scorm12,cc11")
    assert code == 0, stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "demo-U01-scorm12.zip", "demo-U02-scorm12.zip", "demo-cc11.imscc", "demo-self-assessment-scorm12.zip"]
    assert stderr.count("CUR310") == 1
    assert "NOT validated against the official XSDs" in stderr and "curriculum schemas install" in stderr


def test_build_without_schemas_still_runs_the_structural_checks(bare_machine: Path, tmp_path: Path) -> None:
    result = build_project(PROJECTS / "broken", tmp_path, ["scorm12"], "unit", None)
    assert result.packages == () and "CUR301" in [d.code for d in result.diagnostics]


def test_build_strict_without_schemas_is_an_error_and_writes_nothing(bare_machine: Path, tmp_path: Path) -> None:
    code, _, stderr = run("build", str(PROJECTS / "minimal"), "--out", str(tmp_path / "out"), "--strict")
    assert code == 1
    assert "error CUR310" in stderr and "curriculum schemas install" in stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.fixture
def unvalidated(bare_machine: Path, tmp_path: Path) -> Path:
    result = build_project(PROJECTS / "minimal", tmp_path / "out", ["scorm12"], "programme", None)
    return result.packages[0].path


def test_validate_without_schemas_reports_the_xsd_part_not_checked_and_exits_1(unvalidated: Path) -> None:
    code, _, stderr = run("validate", str(unvalidated))
    assert code == 1
    assert "demo-scorm12.zip: valid (XSD not checked)" in stderr
    assert "CUR415" in stderr and "--no-xsd" in stderr and "curriculum schemas install" in stderr


def test_validate_no_xsd_runs_only_the_integrity_checks(unvalidated: Path, tmp_path: Path) -> None:
    code, _, stderr = run("validate", str(unvalidated), "--no-xsd")
    assert code == 0, stderr
    assert "valid (XSD not checked)" in stderr and "CUR415" not in stderr
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(unvalidated) as source, zipfile.ZipFile(broken, "w") as out:
        for info in source.infolist():
            if not info.filename.endswith(".html"):
                out.writestr(info, source.read(info))
    code, _, stderr = run("validate", str(broken), "--no-xsd")
    assert code == 1 and "CUR406" in stderr  # integrity still checked


def test_validate_json_says_per_package_whether_the_xsd_part_was_checked(unvalidated: Path) -> None:
    code, stdout, _ = run("validate", str(unvalidated), "--format", "json")
    document = json.loads(stdout)
    assert code == 1
    assert document["packages"][0]["xsd"] == "not checked"
    assert [d["code"] for d in document["diagnostics"]] == ["CUR415"]


# --- the pinned locations: files by URL, and members of npm / PyPI archives -----------------------------------------

def pinned_lock_served_by(mirror: Mirror) -> Lock:
    """The real lock with every source moved to the local server: GitHub-style URLs, a .tgz and a wheel."""
    real = packaged_lock()
    by_url = [f for f in real.files if f.path.startswith(("cc_", "imscp"))]
    in_tgz = [f for f in real.files if f.path.startswith("scorm2004_4th/")]
    in_wheel = [f for f in real.files if f not in by_url and f not in in_tgz]
    tgz, wheel = mirror.folder / "pkg.tgz", mirror.folder / "pkg.whl"
    with tarfile.open(tgz, "w:gz") as out:
        for f in in_tgz:
            out.add(mirror.folder / f.path, f"package/xsd/{f.path}")
    with zipfile.ZipFile(wheel, "w") as out:
        for f in in_wheel:
            out.write(mirror.folder / f.path, f"pkg/schemas/{f.path}")
    sources = {
        "raw": Source("raw", "files by URL", url=mirror.url + "{member}"),
        "tgz": Source("tgz", "an npm tarball", archive=mirror.url + "pkg.tgz", archive_sha256=sha256_of(tgz.read_bytes())),
        "whl": Source("whl", "a wheel", archive=mirror.url + "pkg.whl", archive_sha256=sha256_of(wheel.read_bytes())),
    }
    files = [replace(f, source="raw", member=f.path) for f in by_url]
    files += [replace(f, source="tgz", member=f"package/xsd/{f.path}") for f in in_tgz]
    files += [replace(f, source="whl", member=f"pkg/schemas/{f.path}") for f in in_wheel]
    return Lock(sources, tuple(sorted(files, key=lambda f: f.path)))


@xsd
def test_install_from_pinned_locations_reads_files_and_archive_members(
        bare_machine: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = pinned_lock_served_by(mirror)
    monkeypatch.setattr(install_module, "packaged_lock", lambda: lock)
    result = install_module.install_schemas()
    assert result.ok, result.diagnostics
    assert result.origin == "the pinned public locations"
    assert verify_folder(result.path, lock).ok and verify_folder(result.path).ok  # type: ignore[arg-type]


@xsd
def test_a_changed_archive_is_refused_before_any_member_is_used(
        bare_machine: Path, mirror: Mirror, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = pinned_lock_served_by(mirror)
    pinned = lock.sources["whl"].archive_sha256
    wheel = mirror.folder / "pkg.whl"
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    monkeypatch.setattr(install_module, "packaged_lock", lambda: lock)
    result = install_module.install_schemas()
    assert not result.ok
    assert [d.code for d in result.diagnostics] == ["CUR416"]
    message = result.diagnostics[0].message
    assert "pkg.whl" in message and str(pinned) in message and sha256_of(wheel.read_bytes()) in message
    assert leftovers(bare_machine) == []
