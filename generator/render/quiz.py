"""Render stage: a unit's quiz as an accessible HTML form plus the answer key its script scores with.

SCORM quizzes are scored in the browser (there is no server in a SCORM package), so the key ships with
the page; the LMS records what the script reports. Option keys are single letters because SCORM 1.2
choice responses must be short identifiers; a key names an option by its place in the source (`a` is
the first written), never by where the page shows it, so scoring and the interactions reported to the
LMS do not depend on the display order (generator/order.py).
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from generator.model import Question, Quiz, UnitSource
from generator.numbers import plain_decimal
from generator.order import option_orders
from generator.render.markdown import MarkdownRenderer, Resolved
from generator.render.site import script_json

KEYS = string.ascii_lowercase


@dataclass(frozen=True, slots=True)
class Choice:
    key: str
    html: Markup


@dataclass(frozen=True, slots=True)
class QuestionView:
    id: str
    type: str
    html: Markup
    points: str
    choices: tuple[Choice, ...] = ()
    lefts: tuple[Choice, ...] = ()
    """Matching: the items to match, each answered by picking one of `choices`."""
    shuffle: bool = False
    """Single and multiple: the page may show each learner the options in an order of their own."""


def quiz_id(unit: UnitSource) -> str:
    return f"{unit.code}-QUIZ"


class QuizRenderer:
    def __init__(self, markdown: MarkdownRenderer, gettext: Callable[[str], str] = lambda text: text) -> None:
        self.markdown = markdown
        self._ = gettext

    def _html(self, text: str, inline: bool = False) -> Markup:
        html = self.markdown.render(text, lambda target, is_image: Resolved(None)).strip()
        if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            html = html[3:-4]
        return Markup(html)

    def views(self, quiz: Quiz) -> list[QuestionView]:
        orders = option_orders(quiz)
        return [self._view(q, orders.get(q.id, ())) for q in quiz.questions]

    def _view(self, q: Question, order: tuple[int, ...]) -> QuestionView:
        points = plain_decimal(q.points)
        if q.type in ("single", "multiple"):
            choices = tuple(Choice(KEYS[i], self._html(q.options[i].text, inline=True)) for i in order)
            return QuestionView(q.id, q.type, self._html(q.text), points, choices, shuffle=q.shuffle)
        if q.type == "true-false":
            return QuestionView(q.id, q.type, self._html(q.text), points,
                                (Choice("true", Markup.escape(self._("True"))), Choice("false", Markup.escape(self._("False")))))
        if q.type == "matching":
            rights = _matching_rights(q)
            return QuestionView(q.id, q.type, self._html(q.text), points,
                                tuple(Choice(KEYS[i], self._html(r, inline=True)) for i, r in enumerate(rights)),
                                tuple(Choice(str(i), self._html(p.left, inline=True))
                                      for i, p in enumerate(q.pairs, start=1)))
        return QuestionView(q.id, q.type, self._html(q.text), points)

    def key(self, unit: UnitSource, quiz: Quiz) -> Markup:
        """The answer key as JSON, safe inside a <script type="application/json"> element."""
        questions = []
        for q in quiz.questions:
            entry: dict[str, object] = {"id": q.id, "type": q.type, "points": float(q.points),
                                        "outcomes": list(q.outcome_ids),
                                        "feedback": {k: str(self._html(v)) for k, v in q.feedback.model_dump().items() if v}}
            if q.type in ("single", "multiple"):
                entry["shuffle"] = q.shuffle
                entry["options"] = [{"key": KEYS[i], "correct": o.correct, "feedback": str(self._html(o.feedback)) if o.feedback else ""}
                                    for i, o in enumerate(q.options)]
            elif q.type == "true-false":
                entry["answer"] = q.answer
            elif q.type == "short":
                entry["answers"] = list(q.answers)
            elif q.type == "numerical":
                entry["value"] = float(q.value or 0)
                entry["tolerance"] = float(q.tolerance)
            elif q.type == "matching":
                rights = _matching_rights(q)
                entry["pairs"] = {str(i): KEYS[rights.index(p.right)] for i, p in enumerate(q.pairs, start=1)}
            questions.append(entry)
        data = {"id": quiz_id(unit), "passMark": quiz.pass_mark, "questions": questions}
        return script_json(data)


def _matching_rights(q: Question) -> list[str]:
    """Right-hand items in a stable order that does not give the answer away (sorted, not paired)."""
    return sorted({p.right for p in q.pairs}, key=str.casefold)
