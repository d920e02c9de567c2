"""Packages show options in a stable order derived from the question ids that spreads the keys, even
where the sources put every key first; `shuffle: false` pins the author's order."""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from lxml import etree, html

from generator.build import build_project
from generator.load.project import load_project
from generator.model import Curriculum
from helpers import REPO, SCHEMAS, MakeProject

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
QUIZ = "modules/02-practice/quiz.yaml"
OUTCOMES = ["U02-LO1", "U02-LO2", "U02-LO3"]
LIMIT = 0.4


def qti_orders(package: Path) -> dict[str, tuple[list[bool], str | None]]:
    """Per QTI item of a cartridge: whether each listed option is correct, in listed order, and its shuffle flag."""
    found: dict[str, tuple[list[bool], str | None]] = {}
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            if not name.endswith("assessment.xml"):
                continue
            for item in etree.fromstring(archive.read(name)).iter(f"{QTI}item"):
                labels = [label.get("ident") for label in item.iter(f"{QTI}response_label")]
                right = {cond.findtext(f"{QTI}conditionvar/{QTI}varequal")
                         for cond in item.iter(f"{QTI}respcondition") if cond.find(f"{QTI}setvar") is not None}
                right |= {v.text for v in item.iter(f"{QTI}varequal") if v.get("case") == "Yes"
                          and v.getparent().tag == f"{QTI}and"}
                choice = item.find(f".//{QTI}render_choice")
                found[item.get("ident")] = ([label in right for label in labels],
                                            choice.get("shuffle") if choice is not None else None)
    return found


def scorm_orders(package: Path) -> dict[str, list[bool]]:
    """Per question of every quiz page in a SCORM package: whether each shown option is correct, in page order."""
    found: dict[str, list[bool]] = {}
    with zipfile.ZipFile(package) as archive:
        for name in archive.namelist():
            if not name.endswith("quiz.html"):
                continue
            page = html.fromstring(archive.read(name))
            key = json.loads(page.get_element_by_id("quiz-key").text)
            for question in key["questions"]:
                if "options" not in question:
                    continue
                correct = {o["key"]: o["correct"] for o in question["options"]}
                shown = page.xpath("//input[@name=$name]/@value", name=question["id"])
                assert sorted(shown) == sorted(correct)
                found[question["id"]] = [correct[k] for k in shown]
    return found


def key_share(orders: list[list[bool]]) -> float:
    positions = Counter(flags.index(True) for flags in orders)
    return max(positions.values()) / len(orders)


def questions_of(course: Curriculum, kind: str) -> set[str]:
    return {q.id for u in course.units if u.quiz for q in u.quiz.questions if q.type == kind and q.shuffle}


def test_the_real_programme_spreads_its_single_answer_keys_in_every_package(tmp_path: Path) -> None:
    course, _ = load_project(REPO)
    singles = questions_of(course, "single")
    result = build_project(REPO, tmp_path, ["cc11", "cc13", "scorm12", "mbz"], "programme", SCHEMAS)
    assert result.ok, [d for d in result.diagnostics if d.is_error][:3]
    packages = sorted(p.path for p in result.packages)
    assert [p.name for p in packages] == ["cmp-cc11.imscc", "cmp-cc13.imscc", "cmp-mbz.mbz", "cmp-scorm12.zip",
                                          "cmp-self-assessment-scorm12.zip"]
    for cartridge in packages[:2]:
        orders = qti_orders(cartridge)
        keyed = [orders[q][0] for q in sorted(singles)]
        assert len(keyed) == len(singles) > 40
        assert key_share(keyed) <= LIMIT, cartridge.name
    scorm = scorm_orders(packages[3])
    assert key_share([scorm[q] for q in sorted(singles)]) <= LIMIT
    backup = backup_orders(packages[2])
    assert key_share([backup[q] for q in sorted(singles)]) <= LIMIT


def backup_orders(package: Path) -> dict[str, list[bool]]:
    """Per question id number of a Moodle backup: whether each stored answer is right, in stored order."""
    with tarfile.open(package, "r:gz") as archive:
        member = archive.extractfile("questions.xml")
        assert member is not None
        root = etree.fromstring(member.read(), etree.XMLParser(resolve_entities=False, no_network=True))
    found = {}
    for entry in root.iter("question_bank_entry"):
        answers = entry.findall(".//plugin_qtype_multichoice_question/answers/answer")
        if answers:
            found[entry.findtext("idnumber", "")] = [float(a.findtext("fraction", "0")) == 1 for a in answers]
    return found


def single(n: int, **extra: object) -> dict[str, object]:
    return {"id": f"U02-Q{n}", "type": "single", "outcome_ids": OUTCOMES, "text": f"Question {n}?",
            "options": [{"text": "Right", "correct": True}, {"text": "Wrong one"}, {"text": "Wrong two"},
                        {"text": "Wrong three"}], **extra}


def multiple(n: int) -> dict[str, object]:
    return {"id": f"U02-Q{n}", "type": "multiple", "outcome_ids": OUTCOMES, "text": f"Question {n}?",
            "options": [{"text": "Right one", "correct": True}, {"text": "Right two", "correct": True},
                        {"text": "Wrong one"}, {"text": "Wrong two"}]}


@pytest.fixture
def keys_first(make_project: MakeProject, tmp_path: Path) -> dict[str, Path]:
    """Unit U02 with 9 single- and 4 multiple-answer questions whose sources list every key first, one pinned."""
    questions = [single(n) for n in range(1, 10)] + [multiple(n) for n in range(10, 14)]
    questions.append(single(14, shuffle=False))
    questions.append({"id": "U02-Q15", "type": "true-false", "outcome_ids": OUTCOMES, "text": "Yes?", "answer": True})
    root = make_project({QUIZ: yaml.safe_dump({"questions": questions}, sort_keys=False)})
    result = build_project(root, tmp_path / "out", ["cc11", "scorm2004"], "unit", SCHEMAS, ["U02"])
    assert result.ok, result.diagnostics
    return {p.path.suffix: p.path for p in result.packages}


def test_keys_written_first_are_spread_in_the_cartridge_and_the_scorm_quiz(keys_first: dict[str, Path]) -> None:
    qti = qti_orders(keys_first[".imscc"])
    scorm = scorm_orders(keys_first[".zip"])
    for orders in ({q: flags for q, (flags, _) in qti.items()}, scorm):
        singles = [orders[f"U02-Q{n}"] for n in range(1, 10)]
        assert key_share(singles) <= LIMIT
        assert Counter(flags.index(True) for flags in singles).most_common(1)[0][1] == 3  # 9 keys over 4 places
        for n in range(10, 14):
            assert orders[f"U02-Q{n}"] != [True, True, False, False]
    assert [qti[f"U02-Q{n}"][0] for n in range(1, 14)] == [scorm[f"U02-Q{n}"] for n in range(1, 14)]


def test_a_pinned_question_keeps_the_authors_order(keys_first: dict[str, Path]) -> None:
    qti = qti_orders(keys_first[".imscc"])
    assert qti["U02-Q14"] == ([True, False, False, False], "No")
    assert scorm_orders(keys_first[".zip"])["U02-Q14"] == [True, False, False, False]


def test_the_cartridge_asks_the_lms_to_shuffle_what_may_be_shuffled(keys_first: dict[str, Path]) -> None:
    qti = qti_orders(keys_first[".imscc"])
    assert {qti[f"U02-Q{n}"][1] for n in range(1, 14)} == {"Yes"}
    assert qti["U02-Q15"][1] == "No"  # True stays above False


def test_options_keep_their_identity_wherever_they_are_shown(keys_first: dict[str, Path]) -> None:
    with zipfile.ZipFile(keys_first[".imscc"]) as archive:
        item = next(i for i in etree.fromstring(archive.read("quizzes/U02/assessment.xml")).iter(f"{QTI}item")
                    if i.get("ident") == "U02-Q1")
    labels = {label.get("ident"): label.findtext(f"{QTI}material/{QTI}mattext")
              for label in item.iter(f"{QTI}response_label")}
    assert labels == {"U02-Q1-1": "Right", "U02-Q1-2": "Wrong one", "U02-Q1-3": "Wrong two", "U02-Q1-4": "Wrong three"}
    with zipfile.ZipFile(keys_first[".zip"]) as archive:
        page = html.fromstring(archive.read("units/U02/quiz.html"))
    shown = {i.get("value"): i.getparent().text_content().strip() for i in page.xpath("//input[@name='U02-Q1']")}
    assert shown == {"a": "Right", "b": "Wrong one", "c": "Wrong two", "d": "Wrong three"}
