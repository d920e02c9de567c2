"""Check stage: a quiz measures only if its answers cannot be guessed from the way it is written.

Four cues let a learner pass without reading, each counted per quiz: one option position holding the
key in many single-answer questions; the longest option being the key; multiple-answer questions
listing every correct option before the wrong ones; true/false answers leaning one way. A rule speaks
only once a cue repeats often enough to be a pattern rather than chance (the minimum counts below), so
a two-question quiz is never told that 50 % of its keys sit in one place.

Positions are the author's: packages show options in an order derived from the question id, but the
source is what authors, reviewers and any other tool read, and a question pinned with
`shuffle: false` keeps its written order on purpose, so it is left out of the position rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Final

from generator.diagnostics import Diagnostic, warning
from generator.model import Curriculum, Question, Quiz

KEY_POSITION_LIMIT: Final = Fraction(40, 100)
"""At most this share of a quiz's single-answer keys may sit in one option position."""
LONGEST_KEY_LIMIT: Final = Fraction(40, 100)
"""At most this share of a quiz's single-answer keys may be the strictly longest option."""
CORRECT_FIRST_LIMIT: Final = Fraction(1, 2)
"""At most this share of a quiz's multiple-answer questions may list all correct options first."""
TRUE_FALSE_LIMIT: Final = Fraction(70, 100)
"""At most this share of a quiz's true/false answers may be the same."""
MIN_REPEATS: Final = 3
"""A single-answer cue (CUR280, CUR281) must repeat at least this often: 2 of 4 keys in one place is chance."""
MIN_MULTIPLE: Final = 2
"""Multiple-answer questions (with a wrong option) a quiz needs before CUR282 judges it: one is no pattern."""
MIN_TRUE_FALSE: Final = 4
"""True/false questions a quiz needs before CUR283 judges it: with 2 or 3, one statement decides the share."""
MIN_OPTIONS: Final = 3
"""With two options a key sits in one of two places or is one of two lengths: half by chance."""


@dataclass(frozen=True, slots=True)
class _Where:
    unit: str
    file: PurePosixPath
    line: int | None


def check_quiz_validity(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR280-CUR283, one per quiz and cue, at the quiz's `questions:` line."""
    for unit in course.units:
        if unit.quiz is None or unit.quiz_positions is None:
            continue
        where = _Where(unit.code, unit.quiz_positions.file, unit.quiz_positions.line("questions"))
        yield from _key_position(unit.quiz, where)
        yield from _longest_key(unit.quiz, where)
        yield from _correct_first(unit.quiz, where)
        yield from _true_false_balance(unit.quiz, where)


def _singles(quiz: Quiz) -> list[Question]:
    return [q for q in quiz.questions if q.type == "single" and len(q.options) >= MIN_OPTIONS
            and sum(o.correct for o in q.options) == 1]


def _key_index(question: Question) -> int:
    return next(i for i, option in enumerate(question.options) if option.correct)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %"


def _share(limit: Fraction) -> str:
    return f"{round(100 * limit)} %"


def _ids(questions: list[Question]) -> str:
    return ", ".join(q.id for q in questions)


def _key_position(quiz: Quiz, where: _Where) -> Iterator[Diagnostic]:
    singles = [q for q in _singles(quiz) if q.shuffle]
    if not singles:
        return
    by_position = Counter(_key_index(q) for q in singles)
    position, held = min(by_position.items(), key=lambda item: (-item[1], item[0]))
    if held >= MIN_REPEATS and Fraction(held, len(singles)) > KEY_POSITION_LIMIT:
        at = [q for q in singles if _key_index(q) == position]
        yield warning("CUR280", f"quiz of unit {where.unit}: option {position + 1} is the key in {held} of "
                                f"{len(singles)} single-answer questions ({_percent(held, len(singles))}; "
                                f"at most {_share(KEY_POSITION_LIMIT)}): {_ids(at)}", where.file, where.line,
                      hint="Move some right answers to other positions, so learners cannot answer by position.")


def _is_longest(question: Question, index: int) -> bool:
    lengths = [len(option.text) for option in question.options]
    return all(lengths[index] > length for i, length in enumerate(lengths) if i != index)


def _longest_key(quiz: Quiz, where: _Where) -> Iterator[Diagnostic]:
    singles = _singles(quiz)
    longest = [q for q in singles if _is_longest(q, _key_index(q))]
    if len(longest) >= MIN_REPEATS and Fraction(len(longest), len(singles)) > LONGEST_KEY_LIMIT:
        yield warning("CUR281", f"quiz of unit {where.unit}: the longest option is the key in {len(longest)} of "
                                f"{len(singles)} single-answer questions ({_percent(len(longest), len(singles))}; "
                                f"at most {_share(LONGEST_KEY_LIMIT)}): {_ids(longest)}", where.file, where.line,
                      hint="Make distractors as precise and as qualified as the right answer, or the right answer "
                           "as short as they are.")


def _lists_correct_first(question: Question) -> bool:
    flags = [option.correct for option in question.options]
    return flags == sorted(flags, reverse=True)


def _correct_first(quiz: Quiz, where: _Where) -> Iterator[Diagnostic]:
    multiples = [q for q in quiz.questions if q.type == "multiple" and q.shuffle
                 and any(o.correct for o in q.options) and not all(o.correct for o in q.options)]
    if len(multiples) < MIN_MULTIPLE:
        return
    first = [q for q in multiples if _lists_correct_first(q)]
    if Fraction(len(first), len(multiples)) > CORRECT_FIRST_LIMIT:
        yield warning("CUR282", f"quiz of unit {where.unit}: {len(first)} of {len(multiples)} multiple-answer "
                                f"questions list every correct option before the wrong ones "
                                f"({_percent(len(first), len(multiples))}; at most half): {_ids(first)}",
                      where.file, where.line, hint="Mix the correct options in among the wrong ones.")


def _true_false_balance(quiz: Quiz, where: _Where) -> Iterator[Diagnostic]:
    answers = [q.answer for q in quiz.questions if q.type == "true-false" and q.answer is not None]
    if len(answers) < MIN_TRUE_FALSE:
        return
    true = sum(answers)
    side, held = ("true", true) if true * 2 >= len(answers) else ("false", len(answers) - true)
    if Fraction(held, len(answers)) > TRUE_FALSE_LIMIT:
        yield warning("CUR283", f"quiz of unit {where.unit}: {held} of {len(answers)} true/false questions are "
                                f"{side} ({_percent(held, len(answers))}; at most {_share(TRUE_FALSE_LIMIT)})",
                      where.file, where.line,
                      hint=f"Rewrite some statements so that they are {'false' if side == 'true' else 'true'}.")
