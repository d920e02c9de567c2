"""Check stage: quizzes are well formed, assess their unit's outcomes, and every outcome is assessed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from generator.checks.content import check_document
from generator.diagnostics import Diagnostic, error, note, warning
from generator.load.markdown import read_markdown
from generator.model import Curriculum, Question, UnitSource
from generator.numbers import accepted_numbers

TYPE_FIELDS: Final[dict[str, frozenset[str]]] = {
    "single": frozenset({"options", "shuffle"}),
    "multiple": frozenset({"options", "shuffle"}),
    "true-false": frozenset({"answer"}),
    "short": frozenset({"answers"}),
    "numerical": frozenset({"value", "tolerance"}),
    "matching": frozenset({"pairs"}),
    "essay": frozenset({"guidance"}),
}
TYPED: Final = frozenset().union(*TYPE_FIELDS.values())
MAX_OPTIONS: Final = 26
CC11_FALLBACK: Final = {
    "numerical": "the Common Cartridge QTI profile has no numerical type: the cartridges carry a fill-in-the-blank "
                 "question accepting {accepted}",
    "matching": "the Common Cartridge QTI profile has no matching type: the cartridges carry one single-choice "
                "question per left-hand item",
}


def check_quizzes(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR260-CUR269, and the body rules (CUR240-CUR249) for the Markdown in questions."""
    lessons = {lesson.id for lesson in course.lessons}
    cases = {case.id for case in course.case_studies}
    for unit in course.units:
        if unit.quiz is not None and unit.quiz_positions is not None:
            yield from _check_quiz_markdown(course, unit, lessons, cases)
        if unit.quiz is None:
            yield warning("CUR266", f"unit {unit.code} has no quiz", unit.file, unit.positions.line("code"),
                          hint=f"Add {unit.folder}/quiz.yaml (docs/authoring.md, Quizzes).")
            continue
        for index, question in enumerate(unit.quiz.questions):
            yield from _check_question(unit, index, question)
        yield from _check_outcomes_assessed(unit)


def _check_question(unit: UnitSource, index: int, question: Question) -> Iterator[Diagnostic]:
    assert unit.quiz_positions is not None
    pos = unit.quiz_positions
    file = pos.file
    line = pos.line("questions", index, "id")
    given = {name for name in TYPED if name in question.model_fields_set}
    for extra in sorted(given - TYPE_FIELDS[question.type]):
        yield error("CUR263", f"question '{question.id}' is of type {question.type}, which does not use '{extra}'",
                    file, pos.line("questions", index, extra),
                    hint=f"Remove '{extra}' or change the type; {question.type} uses "
                         f"{', '.join(sorted(TYPE_FIELDS[question.type]))}.")
    yield from _check_type(question, file, line)
    own = {o.id for o in unit.unit.learning_outcomes}
    for o, ref in enumerate(question.outcome_ids):
        if ref not in own:
            yield error("CUR264", f"question '{question.id}' assesses '{ref}', not an outcome of unit {unit.code}", file,
                        pos.line("questions", index, "outcome_ids", o), hint=f"Unit {unit.code} has {', '.join(sorted(own))}.")
    if question.type in CC11_FALLBACK:
        accepted = ", ".join(accepted_numbers(question)) if question.type == "numerical" else ""
        yield note("CUR268", f"question '{question.id}': " + CC11_FALLBACK[question.type].format(accepted=accepted),
                   file, line, hint="SCORM packages keep the question as written.")


def _check_type(question: Question, file, line: int | None) -> Iterator[Diagnostic]:  # type: ignore[no-untyped-def]
    kind = question.type
    correct = sum(option.correct for option in question.options)
    if kind in ("single", "multiple") and len(question.options) < 2:
        yield error("CUR262", f"question '{question.id}' needs at least two options", file, line,
                    hint="Add options, each with 'text' and, for the right ones, 'correct: true'.")
    elif len(question.options) > MAX_OPTIONS or len(question.pairs) > MAX_OPTIONS:
        yield error("CUR262", f"question '{question.id}' has more than {MAX_OPTIONS} options or pairs", file, line,
                    hint="SCORM 1.2 identifies each option by one letter; split the question.")
    elif kind == "single" and correct != 1:
        yield error("CUR260", f"single-choice question '{question.id}' has {correct} correct options", file, line,
                    hint="Mark exactly one option 'correct: true', or make the question type 'multiple'.")
    elif kind == "multiple" and correct == 0:
        yield error("CUR261", f"multiple-choice question '{question.id}' has no correct option", file, line,
                    hint="Mark the right options with 'correct: true'.")
    missing = {"true-false": question.answer is None, "short": not question.answers,
               "numerical": question.value is None, "matching": len(question.pairs) < 2}.get(kind, False)
    if missing:
        need = {"true-false": "'answer: true' or 'answer: false'", "short": "'answers' (accepted answers)",
                "numerical": "'value' (and optionally 'tolerance')", "matching": "at least two 'pairs'"}[kind]
        yield error("CUR262", f"{kind} question '{question.id}' needs {need}", file, line,
                    hint="See docs/authoring.md, Quizzes, for an example of each question type.")
    lefts = [p.left.casefold() for p in question.pairs]
    rights = [p.right.casefold() for p in question.pairs]
    if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
        yield error("CUR267", f"matching question '{question.id}' repeats an item", file, line,
                    hint="Each left and each right item must be different, or learners cannot tell them apart.")


def _check_quiz_markdown(course: Curriculum, unit: UnitSource, lessons: set[str], cases: set[str],
                         ) -> Iterator[Diagnostic]:
    assert unit.quiz is not None and unit.quiz_positions is not None
    pos = unit.quiz_positions
    for q, question in enumerate(unit.quiz.questions):
        for path, text in question.markdown_fields():
            if not text:
                continue
            line = pos.line("questions", q, *path) or 1
            doc = read_markdown(text, line)
            if any(ref.is_image for ref in doc.refs):
                yield error("CUR269", f"question '{question.id}' shows an image, which quizzes cannot carry",
                            pos.file, line, hint="Describe it in words, or put the image in a lesson.")
            # a YAML string's lines are not the file's (folding, quoting): report at the field's line
            yield from check_document(course.root, pos.file, doc, lessons, cases, line_of=_fixed_line(line))


def _fixed_line(line: int) -> Callable[[object], int]:
    return lambda _: line


def _check_outcomes_assessed(unit: UnitSource) -> Iterator[Diagnostic]:
    assert unit.quiz is not None
    assessed = {ref for q in unit.quiz.questions for ref in q.outcome_ids}
    for i, outcome in enumerate(unit.unit.learning_outcomes):
        if outcome.id not in assessed:
            yield error("CUR265", f"outcome '{outcome.id}' is assessed by no question of the unit's quiz", unit.file,
                        unit.positions.line("learning_outcomes", i, "id"),
                        hint=f"Add a question with 'outcome_ids: [{outcome.id}]' to {unit.folder}/quiz.yaml.")
