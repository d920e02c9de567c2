"""Validate stage: official-schema and integrity validation of SCORM / IMS packages, safe on hostile input."""

from __future__ import annotations

import io
import socket
import zipfile
from pathlib import Path

import pytest

from generator.validate import PackageReport, locate_schemas, validate_bytes, validate_package
from generator.validate.schemas import _build
from generator.validate.xsd import lxml_schema
from helpers import SCHEMAS

# --- minimal hand-written packages, one per format ---------------------------------------------------------------

PAGE = "<!doctype html><html><head><title>Lesson</title></head><body><p>Hello</p></body></html>\n"

SCORM12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo" version="1.0"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
          xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                              http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd
                              http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
    <imsmd:lom>
      <imsmd:general>
        <imsmd:title><imsmd:langstring xml:lang="en">Demo</imsmd:langstring></imsmd:title>
      </imsmd:general>
    </imsmd:lom>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Demo</title>
      <item identifier="item1" identifierref="res1">
        <title>Lesson 1</title>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo" version="1"
          xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
          xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
          xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
          xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
          xmlns:lom="http://ltsc.ieee.org/xsd/LOM"
          xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
          xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 http://example.invalid/imscp_v1p1.xsd
                              http://www.imsglobal.org/xsd/imsss http://example.invalid/imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
    <lom:lom>
      <lom:general>
        <lom:title><lom:string language="en">Demo</lom:string></lom:title>
      </lom:general>
    </lom:lom>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Demo</title>
      <item identifier="item1" identifierref="res1">
        <title>Lesson 1</title>
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="obj1" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure>
              <imsss:mapInfo targetObjectiveID="global.obj1" readSatisfiedStatus="true" writeSatisfiedStatus="true"/>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

IMSCP = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="demo" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">
  <metadata>
    <schema>IMS Content</schema>
    <schemaversion>1.1.4</schemaversion>
  </metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Demo</title>
      <item identifier="item1" identifierref="res1"><title>Lesson 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""

CC11 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
          xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.1.0</schemaversion>
    <lomimscc:lom>
      <lomimscc:general>
        <lomimscc:title><lomimscc:string language="en">Demo course</lomimscc:string></lomimscc:title>
      </lomimscc:general>
    </lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="org" structure="rooted-hierarchy">
      <item identifier="root">
        <item identifier="section1">
          <title>Unit 1</title>
          <item identifier="i_page" identifierref="r_page"><title>Page</title></item>
          <item identifier="i_link" identifierref="r_link"><title>Link</title></item>
          <item identifier="i_topic" identifierref="r_topic"><title>Forum</title></item>
          <item identifier="i_quiz" identifierref="r_quiz"><title>Quiz</title></item>
        </item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r_page" type="webcontent" href="page.html"><file href="page.html"/></resource>
    <resource identifier="r_link" type="imswl_xmlv1p1"><file href="link.xml"/></resource>
    <resource identifier="r_topic" type="imsdt_xmlv1p1"><file href="topic.xml"/></resource>
    <resource identifier="r_quiz" type="imsqti_xmlv1p2/imscc_xmlv1p1/assessment">
      <file href="quiz/assessment.xml"/>
    </resource>
  </resources>
</manifest>
"""

CC11_LINK = """<?xml version="1.0" encoding="UTF-8"?>
<webLink xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imswl_v1p1">
  <title>Example</title>
  <url href="https://example.org/" target="_blank"/>
</webLink>
"""

CC11_TOPIC = """<?xml version="1.0" encoding="UTF-8"?>
<topic xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imsdt_v1p1">
  <title>Discuss</title>
  <text texttype="text/plain">What did you learn?</text>
</topic>
"""

QTI = """<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">
  <assessment ident="A1" title="Quiz">
    <qtimetadata>
      <qtimetadatafield><fieldlabel>cc_profile</fieldlabel><fieldentry>cc.exam.v0p1</fieldentry></qtimetadatafield>
    </qtimetadata>
    <section ident="root_section">
      <item ident="Q1" title="Sum">
        <itemmetadata>
          <qtimetadata>
            <qtimetadatafield>
              <fieldlabel>cc_profile</fieldlabel><fieldentry>cc.multiple_choice.v0p1</fieldentry>
            </qtimetadatafield>
          </qtimetadata>
        </itemmetadata>
        <presentation>
          <material><mattext texttype="text/plain">2 + 2 = ?</mattext></material>
          <response_lid ident="R1" rcardinality="Single">
            <render_choice>
              <response_label ident="A"><material><mattext texttype="text/plain">4</mattext></material></response_label>
              <response_label ident="B"><material><mattext texttype="text/plain">5</mattext></material></response_label>
            </render_choice>
          </response_lid>
        </presentation>
        <resprocessing>
          <outcomes><decvar varname="SCORE" vartype="Decimal" minvalue="0" maxvalue="100"/></outcomes>
          <respcondition continue="No">
            <conditionvar><varequal respident="R1">A</varequal></conditionvar>
            <setvar varname="SCORE" action="Set">100</setvar>
          </respcondition>
        </resprocessing>
      </item>
    </section>
  </assessment>
</questestinterop>
"""

CC13 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="cc" xmlns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
          xmlns:lomimscc="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest">
  <metadata>
    <schema>IMS Common Cartridge</schema>
    <schemaversion>1.3.0</schemaversion>
    <lomimscc:lom>
      <lomimscc:general>
        <lomimscc:title><lomimscc:string language="en">Demo course</lomimscc:string></lomimscc:title>
      </lomimscc:general>
    </lomimscc:lom>
  </metadata>
  <organizations>
    <organization identifier="org" structure="rooted-hierarchy">
      <item identifier="root">
        <item identifier="i_page" identifierref="r_page"><title>Page</title></item>
        <item identifier="i_link" identifierref="r_link"><title>Link</title></item>
        <item identifier="i_topic" identifierref="r_topic"><title>Forum</title></item>
        <item identifier="i_quiz" identifierref="r_quiz"><title>Quiz</title></item>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r_page" type="webcontent" href="page.html"><file href="page.html"/></resource>
    <resource identifier="r_link" type="imswl_xmlv1p3"><file href="link.xml"/></resource>
    <resource identifier="r_topic" type="imsdt_xmlv1p3"><file href="topic.xml"/></resource>
    <resource identifier="r_quiz" type="imsqti_xmlv1p2/imscc_xmlv1p3/assessment">
      <file href="quiz/assessment.xml"/>
    </resource>
  </resources>
</manifest>
"""

CC13_LINK = CC11_LINK.replace("imsccv1p1/imswl_v1p1", "imsccv1p3/imswl_v1p3")
CC13_TOPIC = CC11_TOPIC.replace("imsccv1p1/imsdt_v1p1", "imsccv1p3/imsdt_v1p3")

PACKAGES: dict[str, dict[str, str | bytes]] = {
    "scorm12": {"imsmanifest.xml": SCORM12, "index.html": PAGE},
    "scorm2004": {"imsmanifest.xml": SCORM2004, "index.html": PAGE},
    "imscp": {"imsmanifest.xml": IMSCP, "index.html": PAGE},
    "cc11": {"imsmanifest.xml": CC11, "page.html": PAGE, "link.xml": CC11_LINK, "topic.xml": CC11_TOPIC,
             "quiz/assessment.xml": QTI},
    "cc13": {"imsmanifest.xml": CC13, "page.html": PAGE, "link.xml": CC13_LINK, "topic.xml": CC13_TOPIC,
             "quiz/assessment.xml": QTI},
}

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE manifest SYSTEM "file:///etc/passwd" [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<manifest identifier="demo" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">
  <metadata><schema>&xxe;</schema></metadata>
  <organizations/>
  <resources/>
</manifest>
"""

LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE manifest [\n  <!ENTITY lol "lol">\n'
          + "".join(f'  <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n'
                    for n in range(1, 10))
          + ']>\n<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">&lol9;</manifest>\n')


# --- helpers ----------------------------------------------------------------------------------------------------

def write_zip_bytes(files: dict[str, str | bytes]) -> bytes:
    """`files` (entry name -> content) as a deflated zip, in the order given, names stored unchanged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def write_zip(path: Path, files: dict[str, str | bytes]) -> Path:
    path.write_bytes(write_zip_bytes(files))
    return path


def package(tmp_path: Path, kind: str, changes: dict[str, str | bytes | None] | None = None,
            name: str = "pkg.zip") -> Path:
    """Write the valid `kind` package with entries added or replaced (text/bytes) or removed (None)."""
    files = dict(PACKAGES[kind])
    for entry, content in (changes or {}).items():
        if content is None:
            files.pop(entry)
        else:
            files[entry] = content
    return write_zip(tmp_path / name, files)


def codes(report: PackageReport) -> list[str]:
    return [d.code for d in report.diagnostics]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.fixture
def schemas() -> Path:
    found = locate_schemas(SCHEMAS)
    assert found is not None, f"official schemas not found at {SCHEMAS}"
    return found


# --- valid packages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "version", "resources"), [
    ("scorm12", "SCORM 1.2", 1),
    ("scorm2004", "SCORM 2004 4th Edition", 1),
    ("imscp", "IMS CP 1.1.4", 1),
    ("cc11", "IMS CC 1.1", 4),
    ("cc13", "IMS CC 1.3", 4),
])
def test_minimal_package_of_each_format_is_valid(tmp_path: Path, schemas: Path, kind: str, version: str,
                                                  resources: int) -> None:
    report = validate_package(package(tmp_path, kind), schemas)
    assert report.diagnostics == ()
    assert (report.ok, report.format, report.version, report.resources) == (True, kind, version, resources)


def test_validate_bytes_names_entries_inside_the_package(schemas: Path) -> None:
    files = dict(PACKAGES["scorm12"], **{"imsmanifest.xml": SCORM12.replace('identifierref="res1"',
                                                                            'identifierref="missing"')})
    data = write_zip_bytes(files)
    report = validate_bytes("demo-scorm12.zip", data, schemas)
    assert report.path == Path("demo-scorm12.zip")
    assert [(d.code, str(d.file), d.line) for d in report.diagnostics] == [
        ("CUR407", "demo-scorm12.zip/imsmanifest.xml", line_of(SCORM12, 'identifierref="res1"'))]


def test_xml_base_is_applied_to_hrefs(tmp_path: Path, schemas: Path) -> None:
    manifest = SCORM12.replace('<resource identifier="res1"', '<resource xml:base="sco1/" identifier="res1"')
    path = write_zip(tmp_path / "pkg.zip", {"imsmanifest.xml": manifest, "sco1/index.html": PAGE})
    assert validate_package(path, schemas).diagnostics == ()


def test_schema_files_beside_the_manifest_are_not_reported_unreferenced(tmp_path: Path, schemas: Path) -> None:
    path = package(tmp_path, "scorm12", {"adlcp_rootv1p2.xsd": "<xs:schema/>", "notes.txt": "stray"})
    report = validate_package(path, schemas)
    assert [(d.code, str(d.file), d.is_error) for d in report.diagnostics] == [("CUR414", "pkg.zip/notes.txt", False)]
    assert report.ok


# --- broken packages: one code each -----------------------------------------------------------------------------

def test_missing_file_is_cur406(tmp_path: Path, schemas: Path) -> None:
    report = validate_package(package(tmp_path, "imscp", {"index.html": None}), schemas)
    assert codes(report) == ["CUR406", "CUR406"]
    assert "index.html" in report.diagnostics[0].message and not report.ok


def test_missing_cartridge_descriptor_is_cur406(tmp_path: Path, schemas: Path) -> None:
    report = validate_package(package(tmp_path, "cc11", {"link.xml": None}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR406", line_of(CC11, 'href="link.xml"'))]


def test_missing_sco_launch_file_is_cur413(tmp_path: Path, schemas: Path) -> None:
    manifest = SCORM2004.replace('href="index.html">', 'href="start.html">')
    report = validate_package(package(tmp_path, "scorm2004", {"imsmanifest.xml": manifest}), schemas)
    assert codes(report) == ["CUR413"]
    assert "start.html" in report.diagnostics[0].message


def test_item_launching_a_resource_without_href_is_cur413(tmp_path: Path, schemas: Path) -> None:
    manifest = IMSCP.replace(' href="index.html">', ">")
    report = validate_package(package(tmp_path, "imscp", {"imsmanifest.xml": manifest}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR413", line_of(manifest, '<item identifier="item1"'))]


def test_bad_identifierref_is_cur407(tmp_path: Path, schemas: Path) -> None:
    manifest = IMSCP.replace('identifierref="res1"', 'identifierref="res9"')
    report = validate_package(package(tmp_path, "imscp", {"imsmanifest.xml": manifest}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR407", line_of(manifest, "res9"))]
    assert "'res9'" in report.diagnostics[0].message


def test_duplicate_identifier_is_cur408(tmp_path: Path, schemas: Path) -> None:
    manifest = SCORM12.replace('<item identifier="item1"', '<item identifier="org"')
    report = validate_package(package(tmp_path, "scorm12", {"imsmanifest.xml": manifest}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR408", line_of(manifest, '<item identifier="org"'))]


def test_zip_slip_entry_is_cur409(tmp_path: Path, schemas: Path) -> None:
    path = write_zip(tmp_path / "pkg.zip", {**PACKAGES["imscp"], "../evil.txt": "pwned"})
    report = validate_package(path, schemas)
    assert codes(report) == ["CUR409"]
    assert "'../evil.txt'" in report.diagnostics[0].message


def test_xxe_is_refused_without_reading_the_file(tmp_path: Path, schemas: Path) -> None:
    report = validate_package(package(tmp_path, "imscp", {"imsmanifest.xml": XXE}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR403", 2)]
    secret = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace") if Path("/etc/passwd").exists() else ""
    for d in report.diagnostics:
        text = f"{d.message}\n{d.hint}"
        assert "root:" not in text
        assert not any(line and line in text for line in secret.splitlines())


def test_billion_laughs_is_cur403(tmp_path: Path, schemas: Path) -> None:
    report = validate_package(package(tmp_path, "imscp", {"imsmanifest.xml": LAUGHS}), schemas)
    assert codes(report) == ["CUR403"]


def test_unknown_manifest_namespace_is_cur404(tmp_path: Path, schemas: Path) -> None:
    cc10 = "http://www.imsglobal.org/xsd/imscc/imscp_v1p1"
    manifest = IMSCP.replace("http://www.imsglobal.org/xsd/imscp_v1p1", cc10)
    report = validate_package(package(tmp_path, "imscp", {"imsmanifest.xml": manifest}), schemas)
    assert codes(report) == ["CUR404"]
    assert cc10 in report.diagnostics[0].message
    assert report.format is None


def test_schema_invalid_manifest_is_cur405_with_line(tmp_path: Path, schemas: Path) -> None:
    manifest = SCORM2004.replace('adlcp:scormType="sco"', 'adlcp:scormType="scoo"')
    report = validate_package(package(tmp_path, "scorm2004", {"imsmanifest.xml": manifest}), schemas)
    assert [(d.code, d.line) for d in report.diagnostics] == [("CUR405", line_of(manifest, "scoo"))]
    assert "scoo" in report.diagnostics[0].message


def test_schema_invalid_cartridge_descriptor_is_cur405(tmp_path: Path, schemas: Path) -> None:
    link = CC11_LINK.replace("<title>Example</title>", "")
    report = validate_package(package(tmp_path, "cc11", {"link.xml": link}), schemas)
    assert [(d.code, str(d.file)) for d in report.diagnostics] == [("CUR405", "pkg.zip/link.xml")]


def test_corrupt_entry_is_cur410(tmp_path: Path, schemas: Path) -> None:
    path = package(tmp_path, "imscp", {"index.html": PAGE * 50})
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("index.html")
    data = bytearray(path.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = validate_package(path, schemas)
    assert [(d.code, str(d.file)) for d in report.diagnostics] == [("CUR410", "pkg.zip/index.html")]


def test_zip_bomb_entry_is_cur411(tmp_path: Path, schemas: Path) -> None:
    report = validate_package(package(tmp_path, "imscp", {"zeros.bin": bytes(2 << 20)}), schemas)
    assert codes(report) == ["CUR411"]
    assert "zeros.bin" in report.diagnostics[0].message


def test_too_many_entries_is_cur411(tmp_path: Path, schemas: Path) -> None:
    extra: dict[str, str | bytes | None] = {f"f/{n}.txt": "" for n in range(10_001)}
    report = validate_package(package(tmp_path, "imscp", extra), schemas)
    assert codes(report) == ["CUR411"]
    assert "10,00" in report.diagnostics[0].message


def test_not_a_zip_is_cur401(tmp_path: Path, schemas: Path) -> None:
    path = tmp_path / "course.zip"
    path.write_text("this is not a zip", encoding="utf-8")
    report = validate_package(path, schemas)
    assert [(d.code, str(d.file)) for d in report.diagnostics] == [("CUR401", "course.zip")]
    assert (report.format, report.resources) == (None, 0)


def test_manifest_in_a_subfolder_is_cur402(tmp_path: Path, schemas: Path) -> None:
    path = write_zip(tmp_path / "pkg.zip", {f"course/{n}": c for n, c in PACKAGES["imscp"].items()})
    report = validate_package(path, schemas)
    assert codes(report) == ["CUR402"]
    assert "course/imsmanifest.xml" in report.diagnostics[0].message


# --- schema location and offline operation ----------------------------------------------------------------------

def test_validation_never_touches_the_network(tmp_path: Path, schemas: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    _build.cache_clear()  # rebuild every schema under the patch
    lxml_schema.cache_clear()
    for kind in PACKAGES:
        assert validate_package(package(tmp_path, kind, name=f"{kind}.zip"), schemas).diagnostics == ()


# --- issue #17: links, pipes and oversized manifests ---------------------------------------------------------------

def _with_special_entry(files: dict[str, str | bytes], name: str, content: bytes, mode: int) -> bytes:
    buffer = io.BytesIO(write_zip_bytes(files))
    with zipfile.ZipFile(buffer, "a") as archive:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 3  # Unix: the mode sits in the high bits of external_attr, as unzip reads it
        info.external_attr = mode << 16
        archive.writestr(info, content)
    return buffer.getvalue()


def test_a_symlink_entry_is_an_error_not_a_valid_package(tmp_path: Path, schemas: Path) -> None:
    data = _with_special_entry(PACKAGES["scorm12"], "passwd.html", b"/etc/passwd", 0o120777)
    report = validate_bytes("pkg.zip", data, schemas)
    assert not report.ok
    assert [(d.code, str(d.file)) for d in report.diagnostics if d.code == "CUR470"] == [("CUR470", "pkg.zip/passwd.html")]


@pytest.mark.parametrize("mode", [0o010644, 0o020644, 0o060644, 0o140644])  # FIFO, character and block device, socket
def test_other_special_entries_are_errors(schemas: Path, mode: int) -> None:
    report = validate_bytes("pkg.zip", _with_special_entry(PACKAGES["scorm12"], "odd", b"", mode), schemas)
    assert "CUR471" in codes(report) and not report.ok


def test_a_fifo_given_as_the_package_is_refused_not_waited_for(tmp_path: Path, schemas: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "pkg.zip"
    os.mkfifo(fifo)
    reports: list[PackageReport] = []
    thread = threading.Thread(target=lambda: reports.append(validate_package(fifo, schemas)), daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive() and codes(reports[0]) == ["CUR471"]


def test_a_manifest_over_the_size_cap_is_not_read(schemas: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.validate.package as package_module

    monkeypatch.setattr(package_module, "MAX_XML_BYTES", len(SCORM12) - 1)
    report = validate_bytes("pkg.zip", write_zip_bytes(PACKAGES["scorm12"]), schemas)
    assert codes(report) == ["CUR472"]


def test_a_manifest_with_too_many_elements_is_not_parsed(schemas: Path) -> None:
    from generator.validate.safexml import MAX_ELEMENTS

    resources = "".join(f'<resource identifier="r{n}" type="webcontent"/>' for n in range(MAX_ELEMENTS))
    manifest = SCORM12.replace("</resources>", resources + "</resources>")
    report = validate_bytes("pkg.zip", write_zip_bytes({**PACKAGES["scorm12"], "imsmanifest.xml": manifest}), schemas)
    assert codes(report) == ["CUR473"]


def test_diagnostics_beyond_the_cap_are_summarised_by_code(schemas: Path) -> None:
    from generator.validate.package import MAX_DIAGNOSTICS

    resources = "".join(f'<resource identifier="r{n}" type="webcontent" href="missing{n}.html">'
                        f'<file href="missing{n}.html"/></resource>' for n in range(300))
    manifest = SCORM12.replace("</resources>", resources + "</resources>")
    report = validate_bytes("pkg.zip", write_zip_bytes({**PACKAGES["scorm12"], "imsmanifest.xml": manifest}), schemas)
    assert len(report.diagnostics) == MAX_DIAGNOSTICS + 1
    summary = report.diagnostics[-1]
    assert summary.code == "CUR474" and summary.is_error and "CUR406 ×" in summary.message
