"""Display order of the options of a quiz's questions: the same every build, with the keys spread.

Authors tend to write the right answer first; showing options as written lets a learner pass without
reading. Every package (QTI in the cartridges, the SCORM quiz, the preview) therefore shows options in
an order derived from the question ids, never from the clock:

- a single-answer question's key goes to the position that the quiz's earlier single-answer keys
  used least, so one position never holds much more than its share (5 four-option questions: at most
  2 keys in one place); "earlier" is the order of a hash of the question id, and ties between
  positions are broken by a hash too, so the outcome is no pattern a learner could learn;
- the other options, and all options of a multiple-answer question, are ordered by a hash of the
  question id and each option's place in the source; a multiple-answer question whose correct options
  would all come first is rotated by one, so that cue never appears either;
- `shuffle: false` keeps the author's order (e.g. "all of the above" last).

Options keep their identity by their place in the source, whatever the order they are shown in.
In an LMS the SCORM quiz page applies the same rules once more, seeded by the learner id, so each
learner sees an order of their own (static/quiz.js, `learnerOrders`).
"""

from __future__ import annotations

import hashlib
from collections import Counter

from generator.model import Question, Quiz


def option_orders(quiz: Quiz) -> dict[str, tuple[int, ...]]:
    """For each single- or multiple-answer question id: indexes into its `options`, in the order to show them."""
    used: Counter[int] = Counter()
    orders: dict[str, tuple[int, ...]] = {}
    for question in sorted(quiz.questions, key=lambda q: _rank(q.id, "question")):
        if question.type in ("single", "multiple"):
            orders[question.id] = _order(question, used)
    return orders


def _order(question: Question, used: Counter[int]) -> tuple[int, ...]:
    places = range(len(question.options))
    if not question.shuffle:
        return tuple(places)
    mixed = sorted(places, key=lambda i: _rank(question.id, f"option {i}"))
    correct = [i for i in places if question.options[i].correct]
    if question.type == "single" and len(correct) == 1:
        slot = min(places, key=lambda p: (used[p], _rank(question.id, f"slot {p}")))
        used[slot] += 1
        others = [i for i in mixed if i != correct[0]]
        return tuple(others[:slot] + correct + others[slot:])
    if 0 < len(correct) < len(mixed) and all(question.options[i].correct for i in mixed[:len(correct)]):
        mixed = mixed[1:] + mixed[:1]
    return tuple(mixed)


def _rank(question_id: str, what: str) -> bytes:
    return hashlib.blake2b(f"{question_id}\x00{what}".encode(), digest_size=8).digest()
