"""Validate stage, incremental: a rebuilt package skips only the checks that passed before on the very same inputs.

With what an earlier validation passed (`Passed`), `inspect_bytes` must give exactly the report and LMS findings
of a validation from scratch, whatever changed since: a page, a CRC, the manifest, the schemas' verdict.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_one_pass import HOSTILE, _corrupt
from test_validate import PACKAGES, write_zip_bytes

import generator.validate.entries as entries_module
import generator.validate.package as package_module
from generator.build import PACKAGERS, BuildResult, build_project
from generator.lms import LMS_NAMES, inspect_bytes
from generator.validate.memo import Passed
from helpers import REPO, SCHEMAS

SALT = "compiler and schemas"


def passed_by(*versions: bytes, name: str = "pkg.zip") -> Passed:
    """What validating each version in turn passed, carried from one to the next as a build carries it."""
    passed = Passed(SALT)
    for data in versions:
        passed = Passed(SALT, passed.now)
        inspect_bytes(name, data, SCHEMAS, LMS_NAMES, passed)
    return Passed(SALT, passed.now)


def assert_memo_agrees(data: bytes, passed: Passed, name: str = "pkg.zip") -> None:
    for lms in (LMS_NAMES, ("canvas",), ()):
        with_memo = inspect_bytes(name, data, SCHEMAS, lms, Passed(SALT, passed.known))
        assert with_memo == inspect_bytes(name, data, SCHEMAS, lms)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    result = build_project(REPO, tmp_path_factory.mktemp("built"), list(PACKAGERS), "programme", SCHEMAS)
    assert result.ok
    return result


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the entries whose CRC is checked by reading them whole."""
    names: list[str] = []
    original = entries_module._is_intact

    def counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *args: object) -> bool:
        names.append(info.filename)
        return original(archive, info, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(entries_module, "_is_intact", counting)
    yield names


def _zip_with(data: bytes, name: str, content: bytes) -> bytes:
    """The package with one entry's content replaced, every other entry's bytes unchanged."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename == name:
                target.writestr(info, content, compress_type=info.compress_type)
            else:
                with source.open(info) as stream:
                    target.writestr(info, stream.read(), compress_type=info.compress_type)
    return buffer.getvalue()


def _page_of(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return next(n for n in archive.namelist() if n.endswith(".html"))


def test_every_format_we_build_gets_the_same_report_and_findings_from_what_passed(built: BuildResult) -> None:
    for package in built.packages:
        data = package.path.read_bytes()
        assert_memo_agrees(data, passed_by(data, name=package.path.name), package.path.name)


def test_an_unchanged_package_is_not_inflated_again(built: BuildResult, inflated: list[str]) -> None:
    package = next(p.path for p in built.packages if p.path.name.endswith("-scorm12.zip"))
    data = package.read_bytes()
    passed = passed_by(data)
    inflated.clear()
    inspect_bytes("pkg.zip", data, SCHEMAS, LMS_NAMES, passed)
    assert inflated == []


def test_a_rebuilt_package_checks_only_its_changed_entry_and_passes_the_same(built: BuildResult,
                                                                           inflated: list[str]) -> None:
    for package in (p.path for p in built.packages if p.path.suffix in (".zip", ".imscc")):
        built_bytes = package.read_bytes()
        page = _page_of(built_bytes)
        html = zipfile.ZipFile(io.BytesIO(built_bytes)).read(page)
        data, edited = _zip_with(built_bytes, page, html), _zip_with(built_bytes, page, html + b"<!-- edited -->")
        passed = passed_by(data)
        inflated.clear()
        report, _ = inspect_bytes("pkg.zip", edited, SCHEMAS, LMS_NAMES, passed)
        assert report.ok, package.name
        assert inflated == [page], package.name
        assert_memo_agrees(edited, passed)


def test_the_manifest_checks_run_again_only_when_the_manifest_changed(built: BuildResult,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = next(p.path for p in built.packages if p.path.name.endswith("-scorm2004.zip")).read_bytes()
    calls: list[str] = []
    original = package_module.validate_tree
    monkeypatch.setattr(package_module, "validate_tree", lambda *args: calls.append(args[2]) or original(*args))
    passed = passed_by(data)
    calls.clear()
    inspect_bytes("pkg.zip", data, SCHEMAS, LMS_NAMES, Passed(SALT, passed.known))
    assert calls == []
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml")
    inspect_bytes("pkg.zip", _zip_with(data, "imsmanifest.xml", manifest + b"\n"), SCHEMAS, LMS_NAMES,
                  Passed(SALT, passed.known))
    assert calls == ["scorm2004"]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_damaged_and_hostile_packages_get_the_same_diagnostics_after_a_clean_version(case: str) -> None:
    # what the clean packages the hostile ones derive from passed is known: none of it may hide the damage
    clean = [write_zip_bytes(files) for files in PACKAGES.values()]
    assert_memo_agrees(HOSTILE[case], passed_by(*clean))
    assert_memo_agrees(HOSTILE[case], passed_by(HOSTILE[case]))


def test_a_corrupt_stream_behind_a_known_name_is_found() -> None:
    clean = write_zip_bytes({**PACKAGES["cc11"], "page.html": "<p>" + "text " * 400 + "</p>"})
    passed = passed_by(clean)
    report, _ = inspect_bytes("pkg.zip", _corrupt(clean, "page.html"), SCHEMAS, LMS_NAMES, Passed(SALT, passed.known))
    assert "CUR410" in {d.code for d in report.diagnostics}


def _with_crc(data: bytes, name: str, crc: int) -> bytes:
    """The zip with the CRC-32 of entry `name` changed in its local header and its central directory record."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    changed = bytearray(data)
    changed[local + 14:local + 18] = crc.to_bytes(4, "little")
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != name.encode():
        at = data.find(b"PK\x01\x02", at + 1)
    changed[at + 16:at + 20] = crc.to_bytes(4, "little")
    return bytes(changed)


def test_a_changed_crc_over_an_unchanged_stream_is_found() -> None:
    clean = write_zip_bytes(PACKAGES["scorm12"])
    crc = zipfile.ZipFile(io.BytesIO(clean)).getinfo("index.html").CRC
    tampered = _with_crc(clean, "index.html", crc ^ 1)
    assert_memo_agrees(tampered, passed_by(clean))
    report, _ = inspect_bytes("pkg.zip", tampered, SCHEMAS, LMS_NAMES, passed_by(clean))
    assert "CUR410" in {d.code for d in report.diagnostics}


def test_a_page_that_gains_a_script_or_a_page_link_is_reported_again() -> None:
    files = dict(PACKAGES["cc11"])
    before = write_zip_bytes(files)
    passed = passed_by(before)
    for change in ("<script>alert(1)</script>", '<a href="other.html">next</a>'):
        after = write_zip_bytes({**files, "page.html": str(files["page.html"]) + change, "other.html": "<p>x</p>"})
        assert_memo_agrees(after, passed)
        findings = inspect_bytes("pkg.zip", after, SCHEMAS, LMS_NAMES, Passed(SALT, passed.known))[1]
        assert {"CUR435", "CUR436"} & {f.rule.code for f in findings}


def test_facts_of_another_salt_are_never_used(built: BuildResult, inflated: list[str]) -> None:
    data = next(p.path for p in built.packages if p.path.name.endswith("-imscp.zip")).read_bytes()
    passed = passed_by(data)
    inflated.clear()
    inspect_bytes("pkg.zip", data, SCHEMAS, LMS_NAMES, Passed("other schemas", passed.known))
    assert len(inflated) > 1


def test_a_rebuild_after_an_edit_skips_what_passed_and_writes_the_clean_bytes(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            inflated: list[str]) -> None:
    import shutil

    root = tmp_path / "project"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns("build", ".git", "tests", "docs", "generator"))
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path / "cache"))
    formats = ["scorm12", "cc11"]
    build_project(root, tmp_path / "out", formats, "programme", SCHEMAS, jobs=1)
    lesson = next((root / "modules").glob("*/01-*.md"))
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    inflated.clear()
    rebuilt = build_project(root, tmp_path / "out", formats, "programme", SCHEMAS, jobs=1)
    checked = list(inflated)
    clean = build_project(root, tmp_path / "clean", formats, "programme", SCHEMAS, jobs=1, cache=False)
    assert rebuilt.ok and rebuilt.diagnostics == clean.diagnostics
    assert [(p.path.name, p.sha256, p.report.diagnostics, p.lms) for p in rebuilt.packages] == [
        (p.path.name, p.sha256, p.report.diagnostics, p.lms) for p in clean.packages]
    edited_page = [name for name in checked if name.startswith("units/")]
    assert len(edited_page) == 2 and len(set(edited_page)) == 1  # the edited page, once per package
    assert len(checked) < 20  # and the standalone self-assessment package, whose validation is not cached


def test_packages_of_one_rendering_read_their_shared_pages_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                inflated: list[str]) -> None:
    monkeypatch.setenv("CURRICULUM_CACHE", str(tmp_path / "cache"))
    result = build_project(REPO, tmp_path / "out", ["scorm12", "scorm2004", "imscp"], "programme", SCHEMAS, jobs=1)
    assert result.ok
    pages = [name for name in inflated if name.startswith("units/")]
    assert pages and len(pages) == len(set(pages))  # each page once, not once per package
    assert inflated.count("imsmanifest.xml") >= 3  # each package's own manifest is checked


def _stored_zip(entries: list[tuple[str, bytes]], extra_central: tuple[tuple[str, int, bytes], ...] = ()) -> bytes:
    """A zip of stored entries, written by hand; `extra_central` adds central records (name, offset, content)
    pointing at bytes of the zip that no local header of their own introduces."""
    out, central, records = bytearray(), bytearray(), []
    for name, data in entries:
        records.append((name.encode(), len(out), zlib.crc32(data), len(data)))
        out += struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(data), len(data), len(data),
                           len(name.encode()), 0) + name.encode() + data
    records += [(name.encode(), offset, zlib.crc32(data), len(data)) for name, offset, data in extra_central]
    for encoded, offset, crc, size in records:
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, size, size,
                               len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    start = len(out)
    out += central + struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(records), len(records), len(central), start, 0)
    return bytes(out)


def _entries(files: dict[str, str | bytes]) -> list[tuple[str, bytes]]:
    return [(name, content.encode() if isinstance(content, str) else content) for name, content in files.items()]


def test_an_entry_overlapping_the_next_is_found_on_every_python_memo_or_not() -> None:
    # 'inner.bin' is stored and holds a whole local entry for 'b.txt'; a second central record points into it
    inner = b"hello"
    nested = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0x21, zlib.crc32(inner), len(inner),
                         len(inner), len("b.txt"), 0) + b"b.txt" + inner
    files = [("inner.bin", nested), *_entries(PACKAGES["imscp"])]
    clean, hostile = _stored_zip(files), _stored_zip(files, (("b.txt", 30 + len("inner.bin"), inner),))
    report, _ = inspect_bytes("pkg.zip", hostile, SCHEMAS, LMS_NAMES)
    assert any(d.code == "CUR410" and "overlaps" in d.message for d in report.diagnostics)
    assert_memo_agrees(hostile, passed_by(clean))
    assert "CUR410" not in {d.code for d in inspect_bytes("pkg.zip", clean, SCHEMAS, LMS_NAMES)[0].diagnostics}


def test_one_local_entry_listed_twice_is_found_memo_or_not() -> None:
    files = _entries(PACKAGES["scorm12"])
    clean = _stored_zip(files)
    page_offset = 30 + len(files[0][0]) + len(files[0][1])
    hostile = _stored_zip(files, (("index.html", page_offset, files[1][1]),))  # the classic overlapping bomb
    assert "CUR410" in {d.code for d in inspect_bytes("pkg.zip", hostile, SCHEMAS, LMS_NAMES)[0].diagnostics}
    assert_memo_agrees(hostile, passed_by(clean))


def test_entry_names_joined_alike_are_still_other_names() -> None:
    files = dict(PACKAGES["scorm12"])
    page = files.pop("index.html")
    manifest = str(files["imsmanifest.xml"]).replace("index.html", "x.html").replace(
        '<file href="x.html"/>', '<file href="x.html"/><file href="y.html"/>')
    clean = write_zip_bytes({"imsmanifest.xml": manifest, "x.html": page, "y.html": page})
    assert inspect_bytes("pkg.zip", clean, SCHEMAS, LMS_NAMES)[0].diagnostics == ()
    hostile = write_zip_bytes({"imsmanifest.xml": manifest, "x.html\ny.html": page})  # one name, with a newline
    assert not inspect_bytes("pkg.zip", hostile, SCHEMAS, LMS_NAMES)[0].ok
    assert_memo_agrees(hostile, passed_by(clean))
