"""The quiz SCO against a real SCORM runtime (scorm-again) in headless Chromium: scores, interactions,
objectives, and answers that survive a relaunch; and the same quiz offline with no LMS."""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.build import build_project
from helpers import PROJECTS, SCHEMAS

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is missing").expect
QUIZ = "units/U01/quiz.html"
# The sample quiz: right-hand items of the matching question are offered sorted:
# a = Funding, b = Market knowledge, c = Research.
RIGHT = {"U01-Q1": "a", "U01-Q2": ["a", "b"], "U01-Q3": "true", "U01-Q4": "  Benchmarking ", "U01-Q5": "52",
         "U01-Q6": {"1": "c", "2": "a", "3": "b"}, "U01-Q7": "I rate each skill and collect evidence."}
WRONG = {"U01-Q1": "b", "U01-Q2": ["a", "c"], "U01-Q3": "false", "U01-Q4": "networking", "U01-Q5": "80",
         "U01-Q6": {"1": "a", "2": "c", "3": "b"}, "U01-Q7": ""}


@pytest.fixture
def unpack(tmp_path: Path) -> Callable[[str, Path], None]:
    def run(fmt: str, target: Path) -> None:
        result = build_project(PROJECTS / "minimal", tmp_path / "out", [fmt], "unit", SCHEMAS, ["U01"])
        assert result.ok, result.diagnostics
        with zipfile.ZipFile(result.packages[0].path) as archive:
            archive.extractall(target)

    return run


def answer(frame: Any, answers: dict[str, Any]) -> None:
    for question, value in answers.items():
        if isinstance(value, list):
            for key in value:
                frame.locator(f"input[name='{question}'][value='{key}']").check()
        elif isinstance(value, dict):
            for left, key in value.items():
                frame.locator(f"select[name='{question}.{left}']").select_option(key)
        elif question in ("U01-Q1", "U01-Q3"):
            frame.locator(f"input[name='{question}'][value='{value}']").check()
        elif question == "U01-Q7":
            frame.locator(f"textarea[name='{question}']").fill(value)
        else:
            frame.locator(f"input[name='{question}']").fill(value)


def ready(page: Any, initialize: str) -> Any:
    """Wait until the SCO has opened its session and the quiz has restored its answers and listens."""
    page.wait_for_function(f"window.calls.some(c => c[0] === '{initialize}')")
    frame = page.frame_locator("#sco")
    frame.locator("#quiz[data-ready]").wait_for(state="attached")
    return frame


def launch(browser: Any, url: str, version: str) -> tuple[Any, Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/lms.html?v={version}&sco={QUIZ}")
    frame = ready(page, "Initialize" if version == "2004" else "LMSInitialize")
    page.errors = errors  # type: ignore[attr-defined]
    return page, frame


def relaunch(page: Any, initialize: str) -> Any:
    """Close the SCO and open it again, as a learner coming back does; returns the new frame once it is ready."""
    page.evaluate("window.relaunch()")
    return ready(page, initialize)


def submit(page: Any, frame: Any, commit: str) -> None:
    frame.locator("button[type=submit]").click()
    page.wait_for_function(f"window.calls.some(c => c[0] === '{commit}')")


def values(page: Any, *elements: str) -> list[str]:
    return [page.evaluate(f"get('{e}')") for e in elements]


def set_calls(page: Any, name: str) -> dict[str, str]:
    return {c[1]: c[2] for c in page.evaluate("window.calls") if c[0] == name}


def test_scorm2004_quiz_answered_right_reports_score_interactions_and_objectives(
        browser: Any, lms: tuple[str, Path], unpack: Callable[[str, Path], None]) -> None:
    url, folder = lms
    unpack("scorm2004", folder)
    page, frame = launch(browser, url, "2004")
    page.evaluate("window.calls = []")
    answer(frame, RIGHT)
    submit(page, frame, "Commit")
    assert values(page, "cmi.score.raw", "cmi.score.min", "cmi.score.max", "cmi.score.scaled",
                  "cmi.success_status", "cmi.completion_status") == ["7", "0", "7", "1", "passed", "completed"]
    assert page.evaluate("get('cmi.interactions._count')") == "7"
    set_values = set_calls(page, "SetValue")
    expected = {
        0: ("U01-Q1", "choice", "a", "a", "correct"),
        1: ("U01-Q2", "choice", "a[,]b", "a[,]b", "correct"),
        2: ("U01-Q3", "true-false", "true", "true", "correct"),
        3: ("U01-Q4", "fill-in", "Benchmarking", "{case_matters=false}benchmarking", "correct"),
        4: ("U01-Q5", "numeric", "52", "45[:]55", "correct"),
        5: ("U01-Q6", "matching", "1[.]c[,]2[.]a[,]3[.]b", "1[.]c[,]2[.]a[,]3[.]b", "correct"),
    }
    for n, (ident, kind, response, pattern, result) in expected.items():
        base = f"cmi.interactions.{n}."
        assert values(page, base + "id", base + "type", base + "result") == [ident, kind, result]
        assert set_values[base + "learner_response"].strip() == response
        assert set_values[base + "correct_responses.0.pattern"] == pattern
        assert set_values[base + "latency"].startswith("PT")
    assert values(page, "cmi.interactions.6.type", "cmi.interactions.6.result") == ["long-fill-in", "neutral"]
    assert set_values["cmi.interactions.6.learner_response"] == RIGHT["U01-Q7"]
    objectives = page.evaluate("""[...Array(Number(get('cmi.objectives._count'))).keys()].map(n =>
        [get('cmi.objectives.' + n + '.id'), get('cmi.objectives.' + n + '.success_status'),
         get('cmi.objectives.' + n + '.score.scaled')])""")
    assert objectives == [["U01-LO1", "passed", "1"], ["U01-LO2", "passed", "1"]]
    assert page.errors == []


def test_scorm2004_quiz_answered_wrong_fails_with_incorrect_interactions(
        browser: Any, lms: tuple[str, Path], unpack: Callable[[str, Path], None]) -> None:
    url, folder = lms
    unpack("scorm2004", folder)
    page, frame = launch(browser, url, "2004")
    answer(frame, WRONG)
    submit(page, frame, "Commit")
    assert values(page, "cmi.score.raw", "cmi.score.scaled", "cmi.success_status", "cmi.completion_status") == [
        "0.33", "0.0476", "failed", "completed"]  # one matching pair of three right: 1/3 of 1 point out of 7
    results = [page.evaluate(f"get('cmi.interactions.{n}.result')") for n in range(6)]
    assert results == ["incorrect"] * 6
    objectives = page.evaluate("""[...Array(Number(get('cmi.objectives._count'))).keys()].map(n =>
        [get('cmi.objectives.' + n + '.id'), get('cmi.objectives.' + n + '.success_status')])""")
    assert objectives == [["U01-LO1", "failed"], ["U01-LO2", "failed"]]
    assert "You need 60 % to pass" in frame.locator("#quiz-result").inner_text()


def test_scorm12_quiz_reports_percent_score_status_and_interactions(
        browser: Any, lms: tuple[str, Path], unpack: Callable[[str, Path], None]) -> None:
    url, folder = lms
    unpack("scorm12", folder)
    page, frame = launch(browser, url, "12")
    answer(frame, RIGHT)
    submit(page, frame, "LMSCommit")
    assert values(page, "cmi.core.score.raw", "cmi.core.score.min", "cmi.core.score.max",
                  "cmi.core.lesson_status") == ["100", "0", "100", "passed"]
    set_values = set_calls(page, "LMSSetValue")
    assert set_values["cmi.interactions.0.id"] == "U01-Q1"
    assert set_values["cmi.interactions.1.student_response"] == "a,b"
    assert set_values["cmi.interactions.2.type"] == "true-false"
    assert set_values["cmi.interactions.2.correct_responses.0.pattern"] == "t"
    assert set_values["cmi.interactions.5.student_response"] == "1.c,2.a,3.b"
    assert set_values["cmi.interactions.0.result"] == "correct"
    assert set_values["cmi.interactions.6.result"] == "neutral"
    assert set_values["cmi.interactions.0.latency"].count(":") == 2
    assert values(page, "cmi.objectives.0.id", "cmi.objectives.0.status", "cmi.objectives.0.score.raw") == [
        "U01-LO1", "passed", "100"]
    page.evaluate("window.calls = []")
    answer(frame, {"U01-Q1": "b"})
    submit(page, frame, "LMSCommit")
    set_values = set_calls(page, "LMSSetValue")
    assert set_values["cmi.interactions.7.result"] == "wrong"  # a second attempt is journaled after the first
    assert values(page, "cmi.core.score.raw")[0] == "85.71"


def test_the_quiz_scores_and_reports_options_by_key_in_whatever_order_they_are_shown(
        browser: Any, lms: tuple[str, Path], unpack: Callable[[str, Path], None]) -> None:
    """An LMS or a script may show the options in another order: scoring and the interactions must not change."""
    url, folder = lms
    unpack("scorm2004", folder)
    page, frame = launch(browser, url, "2004")
    orders = frame.locator(".question__choices").evaluate_all("""boxes => boxes.map(box => {
        const keys = () => [...box.querySelectorAll('input')].map(input => input.value);
        const before = keys();
        [...box.children].reverse().forEach(choice => box.appendChild(choice));
        return [before, keys()];
    })""")
    assert [after for _, after in orders] == [before[::-1] for before, _ in orders]
    assert orders[0][0] != ["a", "b", "c"]  # the package already shows U01-Q1 in an order of its own
    page.evaluate("window.calls = []")
    answer(frame, RIGHT)
    submit(page, frame, "Commit")
    assert values(page, "cmi.score.raw", "cmi.success_status") == ["7", "passed"]
    set_values = set_calls(page, "SetValue")
    assert set_values["cmi.interactions.0.learner_response"] == "a"
    assert set_values["cmi.interactions.1.learner_response"] == "a[,]b"
    assert page.errors == []


def test_quiz_answers_survive_a_relaunch_mid_quiz(browser: Any, lms: tuple[str, Path],
                                                  unpack: Callable[[str, Path], None]) -> None:
    url, folder = lms
    unpack("scorm2004", folder)
    page, frame = launch(browser, url, "2004")
    answer(frame, {k: RIGHT[k] for k in ("U01-Q1", "U01-Q2", "U01-Q4", "U01-Q6")})
    page.wait_for_function("window.saved.includes('Benchmarking')")
    frame = relaunch(page, "Initialize")
    assert page.evaluate("get('cmi.entry')") == "resume"
    expect(frame.locator("input[name='U01-Q1'][value='a']")).to_be_checked()
    expect(frame.locator("input[name='U01-Q2'][value='b']")).to_be_checked()
    expect(frame.locator("input[name='U01-Q4']")).to_have_value("  Benchmarking ")
    expect(frame.locator("select[name='U01-Q6.2']")).to_have_value("a")
    assert not frame.locator("input[name='U01-Q3'][value='true']").is_checked()  # restored: no waiting needed


def test_quiz_without_an_lms_scores_and_keeps_answers_over_a_reload(browser: Any, lms: tuple[str, Path],
                                                                    unpack: Callable[[str, Path], None]) -> None:
    url, folder = lms
    unpack("scorm12", folder)
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/pkg/{QUIZ}")
    page.locator("#quiz[data-ready]").wait_for(state="attached")
    answer(page, {"U01-Q1": "a", "U01-Q4": "benchmark"})
    page.reload()
    page.locator("#quiz[data-ready]").wait_for(state="attached")
    expect(page.locator("input[name='U01-Q1'][value='a']")).to_be_checked()
    expect(page.locator("input[name='U01-Q4']")).to_have_value("benchmark")
    page.locator("button[type=submit]").click()
    assert page.evaluate("window.CurriculumQuiz.lastResult.total") == 2
    assert "Correct." in page.locator("#feedback-U01-Q1").inner_text()
    assert "Accepted answer: 50" in page.locator("#feedback-U01-Q5").inner_text()
    assert errors == []


def test_scorm12_keeps_a_long_essay_within_the_suspend_data_limit(browser: Any, lms: tuple[str, Path],
                                                                 unpack: Callable[[str, Path], None]) -> None:
    """Regression (review): SCORM 1.2 suspend data holds 4096 characters; a 4000-character essay broke saving."""
    url, folder = lms
    unpack("scorm12", folder)
    page, frame = launch(browser, url, "12")
    essay = "A long answer about my cluster. " * 125
    answer(frame, {"U01-Q1": "a", "U01-Q7": essay})
    page.wait_for_function("window.saved.includes('aside')")
    assert len(page.evaluate("window.saved")) < 4096
    frame = relaunch(page, "LMSInitialize")
    expect(frame.locator("textarea[name='U01-Q7']")).to_have_value(essay)
    expect(frame.locator("input[name='U01-Q1'][value='a']")).to_be_checked()


def keys_first_quiz() -> str:
    """Unit U02's quiz as authors used to write it: 9 single- and 2 multiple-answer keys first, one pinned."""
    outcomes = ["U02-LO1", "U02-LO2", "U02-LO3"]
    questions: list[dict[str, object]] = [
        {"id": f"U02-Q{n}", "type": "single", "outcome_ids": outcomes, "text": f"Question {n}?",
         "options": [{"text": "Right", "correct": True}, {"text": "Wrong 1"}, {"text": "Wrong 2"}, {"text": "Wrong 3"}]}
        for n in range(1, 10)]
    questions += [{"id": f"U02-Q{n}", "type": "multiple", "outcome_ids": outcomes, "text": f"Question {n}?",
                   "options": [{"text": "Right 1", "correct": True}, {"text": "Right 2", "correct": True},
                               {"text": "Wrong 1"}, {"text": "Wrong 2"}]} for n in (10, 11)]
    questions.append({**questions[0], "id": "U02-Q12", "shuffle": False})
    return yaml.safe_dump({"questions": questions}, sort_keys=False)


def shown_orders(frame: Any) -> dict[str, list[str]]:
    return dict(frame.locator("fieldset[data-type='single'], fieldset[data-type='multiple']").evaluate_all(
        "sets => sets.map(s => [s.dataset.question, [...s.querySelectorAll('input')].map(i => i.value)])"))


def test_each_learner_sees_an_order_of_their_own_with_the_keys_still_spread(
        browser: Any, lms: tuple[str, Path], make_project: Callable[..., Path], tmp_path: Path) -> None:
    url, folder = lms
    root = make_project({"modules/02-practice/quiz.yaml": keys_first_quiz()})
    result = build_project(root, tmp_path / "out", ["scorm2004"], "unit", SCHEMAS, ["U02"])
    assert result.ok, result.diagnostics
    with zipfile.ZipFile(next(p.path for p in result.packages if "U02" in p.path.name)) as archive:
        archive.extractall(folder)
    seen: dict[str, dict[str, list[str]]] = {}
    for learner in ("anna", "bo", ""):
        page = browser.new_page()
        page.goto(f"{url}/lms.html?v=2004&sco=units/U02/quiz.html&learner={learner}")
        seen[learner] = shown_orders(ready(page, "Initialize"))
        if learner == "anna":
            assert shown_orders(relaunch(page, "Initialize")) == seen["anna"]  # the same at every launch
            frame = page.frame_locator("#sco")
            for n in range(1, 13):
                keys = ["a", "b"] if n in (10, 11) else ["a"]
                for k in keys:
                    frame.locator(f"input[name='U02-Q{n}'][value='{k}']").check()
            submit(page, frame, "Commit")
            assert values(page, "cmi.score.raw", "cmi.success_status") == ["12", "passed"]
        page.close()
    assert seen["anna"] != seen["bo"] and seen["anna"] != seen[""] != seen["bo"]
    for orders in seen.values():
        singles = Counter(orders[f"U02-Q{n}"].index("a") for n in range(1, 10))
        assert max(singles.values()) == 3  # 9 keys over 4 places: 3, 2, 2, 2
        assert all(orders[f"U02-Q{n}"][:2] not in (["a", "b"], ["b", "a"]) for n in (10, 11))
        assert orders["U02-Q12"] == ["a", "b", "c", "d"]
