"""Multilingual builds: interface catalogues, translated lessons, and what check says about translations."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from generator.build import build_project
from generator.i18n import interface_languages, source_hash
from helpers import PROJECTS, REPO, SCHEMAS, MakeProject, found

LESSON = "modules/01-basics/02-mapping.md"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def extracted_messages() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found_ids = set()
    for _, _, message, _, _ in extract_from_dir(str(REPO / "generator"), method_map, options,
                                               keywords={"_": None, "gettext": None, "N_": None}):
        found_ids.add(message if isinstance(message, str) else message[0])
    return found_ids


CATALOGUES = ["de", "fr", "sv", "fi", "lt"]


@pytest.mark.parametrize("lang", CATALOGUES)
def test_every_catalogue_translates_every_interface_string_with_its_placeholders(lang: str) -> None:
    with (REPO / f"generator/locale/{lang}/LC_MESSAGES/messages.po").open("rb") as stream:
        catalog = read_po(stream)
    assert str(catalog.locale) == lang
    translated = {m.id: m.string for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    messages = extracted_messages()
    assert len(messages) > 140
    assert sorted(messages - set(translated)) == []
    assert sorted(set(translated) - messages) == []  # no leftovers from strings that are gone
    for message in messages:
        assert sorted(PLACEHOLDER.findall(message)) == sorted(PLACEHOLDER.findall(translated[message])), message
        assert translated[message].strip(), message


def test_the_interface_ships_in_english_and_the_partner_languages() -> None:
    assert interface_languages() == ["en", *sorted(CATALOGUES)]


@pytest.mark.parametrize(("lang", "check_answers", "true", "about"), [
    ("fr", "Vérifier mes réponses", "Vrai", "À propos de cette unité"),
    ("sv", "Rätta mina svar", "Sant", "Om modulen"),
    ("fi", "Tarkista vastaukseni", "Tosi", "Tietoa opintojaksosta"),
    ("lt", "Tikrinti atsakymus", "Teisinga", "Apie modulį"),
])
def test_a_partner_language_build_speaks_it_in_pages_quizzes_and_manifests(
        tmp_path: Path, lang: str, check_answers: str, true: str, about: str) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm2004", "cc11"], "unit", SCHEMAS, ["U01"], lang=lang)
    assert result.ok, result.diagnostics
    assert sorted(p.path.name for p in result.packages) == [f"demo-{lang}-U01-scorm2004.zip", f"demo-{lang}-cc11.imscc"]
    with zipfile.ZipFile(tmp_path / f"demo-{lang}-U01-scorm2004.zip") as archive:
        quiz = archive.read("units/U01/quiz.html").decode()
        manifest = archive.read("imsmanifest.xml").decode()
    assert f'<html lang="{lang}">' in quiz and check_answers in quiz and f"<span>{true}</span>" in quiz
    assert f"<lom:language>{lang}</lom:language>" in manifest and about in manifest
    with zipfile.ZipFile(tmp_path / f"demo-{lang}-cc11.imscc") as archive:
        assert f"<mattext texttype=\"text/html\">{true}</mattext>" in archive.read("quizzes/U01/assessment.xml").decode()


@pytest.mark.parametrize("lang", ["fr", "sv", "fi", "lt"])
def test_build_lang_on_the_command_line(tmp_path: Path, lang: str) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    result = CliRunner().invoke(cli, ["build", str(PROJECTS / "minimal"), "--lang", lang, "--format", "cc11",
                                      "--out", str(tmp_path), "--schemas", str(SCHEMAS)])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / f"demo-{lang}-cc11.imscc").is_file()


def test_german_build_carries_de_in_manifests_and_pages(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["scorm2004", "cc11"], "unit", SCHEMAS, ["U01"], lang="de")
    assert result.ok and sorted(p.path.name for p in result.packages) == ["demo-de-U01-scorm2004.zip", "demo-de-cc11.imscc"]
    for package in result.packages:
        with zipfile.ZipFile(package.path) as archive:
            manifest = archive.read("imsmanifest.xml").decode()
            assert "<lom:language>de</lom:language>" in manifest or "<lomimscc:language>de</lomimscc:language>" in manifest
            assert "Über diese Einheit" in manifest and "Programmübersicht" in manifest
            lesson = archive.read("units/U01/U01-L1.html").decode()
    assert '<html lang="de">' in lesson
    assert "Was Sie danach können" in lesson and '<div class="prose" lang="en">' in lesson
    assert '"correct":"Richtig."' not in lesson  # cartridge pages carry no scripts or strings for them
    with zipfile.ZipFile(tmp_path / "demo-de-U01-scorm2004.zip") as archive:
        quiz = archive.read("units/U01/quiz.html").decode()
    assert '"correct":"Richtig."' in quiz and "Antworten prüfen" in quiz


def test_a_translated_lesson_is_used_in_its_language(make_project: MakeProject, tmp_path: Path) -> None:
    source = (PROJECTS / "minimal" / LESSON).read_text()
    root = make_project({
        "curriculum/programme.yaml": (PROJECTS / "minimal/curriculum/programme.yaml").read_text()
        .replace("languages: [en]", "languages: [en, de]"),
        "modules/01-basics/02-mapping.de.md": f"---\ntitle: Akteure kartieren\ntranslated_from: {source_hash(source)}\n"
                                              "---\n## Warum kartieren\n\nDie Karte zeigt, wer zählt.\n",
    })
    result = build_project(root, tmp_path, ["scorm12"], "unit", SCHEMAS, ["U01"], lang="de")
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(result.packages[0].path) as archive:
        page = archive.read("units/U01/U01-L2.html").decode()
        manifest = archive.read("imsmanifest.xml").decode()
    assert "<h1>Akteure kartieren</h1>" in page and "Die Karte zeigt, wer zählt." in page
    assert '<div class="prose">' in page  # translated: the page's own language, no lang override
    assert "<title>Akteure kartieren</title>" in manifest


def test_missing_translation_is_a_warning_for_declared_languages(make_project: MakeProject) -> None:
    root = make_project({"curriculum/programme.yaml": (PROJECTS / "minimal/curriculum/programme.yaml").read_text()
                         .replace("languages: [en]", "languages: [en, de]")})
    missing = found(root, "CUR270")
    assert ("CUR270", LESSON, 1) in missing and len(missing) == 4  # three lessons and one case study


def test_stale_translation_is_reported_with_the_current_fingerprint(make_project: MakeProject) -> None:
    root = make_project({
        "curriculum/programme.yaml": (PROJECTS / "minimal/curriculum/programme.yaml").read_text()
        .replace("languages: [en]", "languages: [en, de]"),
        "modules/01-basics/02-mapping.de.md": "---\ntitle: Akteure\ntranslated_from: 'abcdef012345'\n---\nText.\n",
    })
    assert found(root, "CUR271") == [("CUR271", "modules/01-basics/02-mapping.de.md", 3)]
    from generator import check_project

    hint = next(d.hint for d in check_project(root) if d.code == "CUR271")
    assert hint is not None and source_hash((root / LESSON).read_text()) in hint


def test_orphan_and_undeclared_translations(make_project: MakeProject) -> None:
    root = make_project({
        "modules/01-basics/09-gone.de.md": "---\ntitle: Weg\ntranslated_from: 'abcdef012345'\n---\nText.\n",
        "modules/01-basics/02-mapping.fr.md": "---\ntitle: Cartographier\ntranslated_from: 'abcdef012345'\n---\nTexte.\n",
    })
    assert found(root, "CUR272") == [("CUR272", "modules/01-basics/09-gone.de.md", 1)]
    assert found(root, "CUR273") == [("CUR273", "modules/01-basics/02-mapping.fr.md", 1)]


def test_unknown_interface_language_is_refused(tmp_path: Path) -> None:
    result = build_project(PROJECTS / "minimal", tmp_path, ["cc11"], "unit", SCHEMAS, lang="et")
    refused = [d for d in result.diagnostics if d.code == "CUR304"]
    assert refused and result.packages == ()
    assert refused[0].hint is not None and "Available: en, de, fi, fr, lt, sv." in refused[0].hint
