"""`check` warns when a quiz's answers can be guessed from how it is written, per quiz, with the counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from helpers import MakeProject, found

QUIZ = "modules/02-practice/quiz.yaml"
OUTCOMES = ["U02-LO1", "U02-LO2", "U02-LO3"]


def single(n: int, key: int, texts: list[str] | None = None, shuffle: bool | None = None) -> dict[str, object]:
    """A single-answer question whose key is option `key` (0-based) of four equally long options."""
    texts = texts or ["Option one", "Option two", "Option tri", "Option for"]
    question: dict[str, object] = {
        "id": f"U02-Q{n}", "type": "single", "outcome_ids": OUTCOMES, "text": f"Question {n}?",
        "options": [{"text": text, "correct": i == key} for i, text in enumerate(texts)]}
    if shuffle is not None:
        question["shuffle"] = shuffle
    return question


def multiple(n: int, correct: list[bool]) -> dict[str, object]:
    return {"id": f"U02-Q{n}", "type": "multiple", "outcome_ids": OUTCOMES, "text": f"Question {n}?",
            "options": [{"text": f"Option {i}", "correct": flag} for i, flag in enumerate(correct)]}


def true_false(n: int, answer: bool) -> dict[str, object]:
    return {"id": f"U02-Q{n}", "type": "true-false", "outcome_ids": OUTCOMES, "text": f"Statement {n}.",
            "answer": answer}


QuizProject = Callable[[list[dict[str, object]]], Path]


@pytest.fixture
def quiz_project(make_project: MakeProject) -> QuizProject:
    """The minimal project with unit U02's quiz replaced; each call rewrites the same project."""
    root = make_project()

    def write(questions: list[dict[str, object]]) -> Path:
        (root / QUIZ).write_text(yaml.safe_dump({"questions": questions}, sort_keys=False), encoding="utf-8")
        return root

    return write


def messages(root: Path, code: str) -> list[str]:
    from generator import check_project

    return [f"{d.file}:{d.line}: {d.severity.value} {d.message}" for d in check_project(root) if d.code == code]


def said(root: Path, code: str) -> list[str]:
    from generator import check_project

    return [d.message for d in check_project(root) if d.code == code]


def test_keys_always_in_the_first_position_are_reported_with_the_counts(quiz_project: QuizProject) -> None:
    root = quiz_project([single(n, key=0) for n in range(1, 6)])
    assert messages(root, "CUR280") == [
        f"{QUIZ}:1: warning quiz of unit U02: option 1 is the key in 5 of 5 single-answer questions "
        "(100 %; at most 40 %): U02-Q1, U02-Q2, U02-Q3, U02-Q4, U02-Q5"]


def test_keys_spread_over_the_positions_pass(quiz_project: QuizProject) -> None:
    root = quiz_project([single(n, key=key) for n, key in enumerate([0, 1, 2, 3, 0, 2], start=1)])
    assert messages(root, "CUR280") == []


def test_a_position_may_hold_forty_percent_but_not_more(quiz_project: QuizProject) -> None:
    at_limit = quiz_project([single(n, key) for n, key in enumerate([2, 2, 0, 1, 3], start=1)])
    assert messages(at_limit, "CUR280") == []  # 2 of 5 = 40 %
    over = quiz_project([single(n, key) for n, key in enumerate([2, 2, 2, 1, 3, 0], start=1)])
    assert said(over, "CUR280") == [
        "quiz of unit U02: option 3 is the key in 3 of 6 single-answer questions (50 %; at most 40 %): "
        "U02-Q1, U02-Q2, U02-Q3"]


def test_tiny_quizzes_are_not_judged_on_chance(quiz_project: QuizProject) -> None:
    longest_first = ["A much longer key", "Short", "Brief", "Small"]
    root = quiz_project([single(1, 0, longest_first), single(2, 0, longest_first),
                                       true_false(3, True), true_false(4, True)])
    assert found(root, "CUR280") == found(root, "CUR281") == found(root, "CUR283") == []


def test_pinned_questions_leave_the_position_rules(quiz_project: QuizProject) -> None:
    pinned = [single(n, key=3, shuffle=False) for n in range(1, 5)]  # "all of the above" is last, on purpose
    root = quiz_project([*pinned, single(5, 0), single(6, 1)])
    assert found(root, "CUR280") == []
    root = quiz_project([*pinned, single(5, 3), single(6, 3), single(7, 3)])
    assert "option 4 is the key in 3 of 3" in messages(root, "CUR280")[0]


def test_the_longest_option_as_key_is_reported(quiz_project: QuizProject) -> None:
    def keyed(n: int, long_key: bool) -> dict[str, object]:
        texts = ["The right answer, carefully qualified" if long_key else "The right one",
                 "A wrong one", "Another wrong", "Third wrong"]
        return single(n, 0, texts)

    questions = [keyed(1, True), keyed(2, True), keyed(3, True), keyed(4, False), keyed(5, False)]
    root = quiz_project(questions)
    assert said(root, "CUR281") == [
        "quiz of unit U02: the longest option is the key in 3 of 5 single-answer questions (60 %; at most 40 %): "
        "U02-Q1, U02-Q2, U02-Q3"]


def test_an_option_as_long_as_the_key_means_the_key_is_not_the_longest(quiz_project: QuizProject) -> None:
    tied = ["Same length A", "Same length B", "short", "short"]
    root = quiz_project([single(n, n % 4, tied if n % 4 < 2 else tied[::-1]) for n in range(1, 6)])
    assert found(root, "CUR281") == []


def test_multiple_answer_questions_listing_correct_options_first(quiz_project: QuizProject) -> None:
    first = [multiple(1, [True, True, False, False]), multiple(2, [True, False, False])]
    root = quiz_project(first)
    assert said(root, "CUR282") == [
        "quiz of unit U02: 2 of 2 multiple-answer questions list every correct option before the wrong ones "
        "(100 %; at most half): U02-Q1, U02-Q2"]
    mixed = quiz_project([*first, multiple(3, [False, True, False, True]),
                                        multiple(4, [False, False, True])])
    assert found(mixed, "CUR282") == []  # 2 of 4 is half, not more
    alone = quiz_project([multiple(1, [True, False, False]), multiple(2, [True, True, True])])
    assert found(alone, "CUR282") == []  # all-correct options say nothing; one question is no pattern


def test_true_false_answers_that_lean_one_way(quiz_project: QuizProject) -> None:
    leaning = quiz_project([true_false(n, answer) for n, answer in
                                          enumerate([False, False, True, False], start=1)])
    assert said(leaning, "CUR283") == [
        "quiz of unit U02: 3 of 4 true/false questions are false (75 %; at most 70 %)"]
    balanced = quiz_project([true_false(n, n % 2 == 0) for n in range(1, 5)])
    assert found(balanced, "CUR283") == []
    few = quiz_project([true_false(n, True) for n in range(1, 4)])
    assert found(few, "CUR283") == []


def test_strict_makes_the_validity_warnings_fail_the_run(quiz_project: QuizProject) -> None:
    root = quiz_project([single(n, key=0) for n in range(1, 6)])
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(root)]).exit_code == 0
    strict = runner.invoke(cli, ["check", str(root), "--strict"])
    assert strict.exit_code == 1 and "warning CUR280" in strict.stderr


def test_shuffle_is_only_for_questions_with_options(quiz_project: QuizProject) -> None:
    root = quiz_project([single(1, 0), single(2, 1), {**true_false(3, True), "shuffle": False}])
    assert messages(root, "CUR263") == [
        f"{QUIZ}:36: error question 'U02-Q3' is of type true-false, which does not use 'shuffle'"]


def test_the_codes_are_listed() -> None:
    listed = CliRunner().invoke(cli, ["check", "--list-codes"]).stdout
    assert all(code in listed for code in ("CUR280", "CUR281", "CUR282", "CUR283"))
