"""Package stage helper (Moodle backup): questions.xml — one question category per unit, in Moodle 4's question bank.

Since Moodle 4.0 a question lives in a question bank entry, which holds versions, each holding the question;
quizzes point at the entry (`question_reference`), not at the question. Every question type of quiz.yaml has
a native Moodle type: single/multiple → multichoice, true-false → truefalse, short → shortanswer,
numerical → numerical (with its tolerance), matching → match, essay → essay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from lxml import etree

from generator.formats.moodle.activities import QuizSlot
from generator.formats.moodle.plan import COURSE_CONTEXT, COURSE_ID, TOP_CATEGORY, CoursePlan, fit_name
from generator.formats.moodle.xml import E, Value, decimal, leaves, node
from generator.model import Question, UnitSource
from generator.numbers import plain_decimal
from generator.order import option_orders
from generator.render.markdown import MarkdownRenderer, Resolved

QTYPES = {"single": "multichoice", "multiple": "multichoice", "true-false": "truefalse", "short": "shortanswer",
          "numerical": "numerical", "matching": "match", "essay": "essay"}
CONTEXT_LEVEL_COURSE = 50


@dataclass(slots=True)
class QuestionBank:
    """Builds questions.xml and remembers, per unit, the entries its quiz uses."""

    plan: CoursePlan
    gettext: Callable[[str], str]
    markdown: MarkdownRenderer = field(default_factory=MarkdownRenderer)
    slots: dict[str, list[QuizSlot]] = field(default_factory=dict)
    _next_id: int = 0
    _next_answer: int = 0
    _orders: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def xml(self) -> etree._Element:
        top = self._category(TOP_CATEGORY, "top", "", 0, 0, [])
        categories = [top]
        for unit in self.plan.job.units:
            if unit.quiz is None:
                continue
            self._orders.update(option_orders(unit.quiz))
            entries = [self._entry(unit, index, q) for index, q in enumerate(unit.quiz.questions, start=1)]
            title = fit_name(f"{unit.code} {unit.unit.title}")
            info = self.gettext("Questions of the quiz of unit %(code)s.") % {"code": unit.code}
            categories.append(self._category(self.plan.unit_category(unit), title, info, TOP_CATEGORY,
                                             len(categories), entries))
        return E.question_categories(*categories)

    def _category(self, ident: int, name: str, info: str, parent: int, sortorder: int,
                  entries: list[etree._Element]) -> etree._Element:
        return node("question_category", ident, leaves(
            ("name", name), ("contextid", COURSE_CONTEXT), ("contextlevel", CONTEXT_LEVEL_COURSE),
            ("contextinstanceid", COURSE_ID), ("info", info), ("infoformat", 1),
            ("stamp", f"{self.plan.job.ident}+category+{ident}"), ("parent", parent), ("sortorder", sortorder),
            ("idnumber", None)), E.question_bank_entries(*entries))

    def _entry(self, unit: UnitSource, slot: int, question: Question) -> etree._Element:
        self._next_id += 1
        ident = self._next_id
        self.slots.setdefault(unit.code, []).append(QuizSlot(slot, ident, question.points))
        body = self._question(ident, question)
        return node("question_bank_entry", ident, leaves(
            ("questioncategoryid", self.plan.unit_category(unit)), ("idnumber", question.id), ("ownerid", None)),
            E.question_version(node("question_versions", ident, leaves(("version", 1), ("status", "ready")),
                                    E.questions(body))))

    def _question(self, ident: int, q: Question) -> etree._Element:
        stamp = self.plan.timestamp
        plugin = {"single": self._multichoice, "multiple": self._multichoice, "true-false": self._truefalse,
                  "short": self._shortanswer, "numerical": self._numerical, "matching": self._match,
                  "essay": self._essay}[q.type](q)
        return node("question", ident, leaves(
            ("parent", 0), ("name", _name(q)), ("questiontext", self._html(q.text)), ("questiontextformat", 1),
            ("generalfeedback", self._html(q.feedback.general)), ("generalfeedbackformat", 1),
            ("defaultmark", decimal(q.points)), ("penalty", decimal(Decimal("0.3333333"))), ("qtype", QTYPES[q.type]),
            ("length", 1), ("stamp", f"{self.plan.job.ident}+question+{q.id}"), ("timecreated", stamp),
            ("timemodified", stamp), ("createdby", None), ("modifiedby", None)),
            plugin,
            E.plugin_qbank_comment_question(E.comments()),
            E.plugin_qbank_customfields_question(E.customfields()),
            E.question_hints(), E.tags())

    # --- one method per question type -----------------------------------------------------------------
    def _multichoice(self, q: Question) -> etree._Element:
        single = q.type == "single"
        right = sum(1 for o in q.options if o.correct)
        wrong = len(q.options) - right
        answers = []
        # Stored in the order every other package shows (keys spread); Moodle shuffles again unless pinned.
        for option in (q.options[i] for i in self._orders.get(q.id, range(len(q.options)))):
            # Multiple response: the right options share 100 %, each wrong one takes as much away.
            fraction = Fraction(1) if single and option.correct else Fraction(0) if single else (
                Fraction(1, right) if option.correct else -Fraction(1, max(wrong, 1)) if right else Fraction(0))
            answers.append(self._answer(self._inline(option.text), 1, fraction, option.feedback))
        return E.plugin_qtype_multichoice_question(E.answers(*answers), node("multichoice", self._new_answer_id(), leaves(
            ("layout", 0), ("single", single), ("shuffleanswers", int(q.shuffle)), *self._combined_feedback(q),
            ("answernumbering", "abc"), ("shownumcorrect", not single), ("showstandardinstruction", 1))))

    def _truefalse(self, q: Question) -> etree._Element:
        true_id, false_id = self._next_answer + 1, self._next_answer + 2
        right, wrong = q.feedback.correct, q.feedback.incorrect
        answers = [self._answer(self.gettext("True"), 0, Fraction(int(q.answer is True)), right if q.answer else wrong),
                   self._answer(self.gettext("False"), 0, Fraction(int(q.answer is False)),
                                wrong if q.answer else right)]
        return E.plugin_qtype_truefalse_question(E.answers(*answers), node("truefalse", self._new_answer_id(), leaves(
            ("trueanswer", true_id), ("falseanswer", false_id), ("showstandardinstruction", 1))))

    def _shortanswer(self, q: Question) -> etree._Element:
        answers = [self._answer(a, 0, Fraction(1), q.feedback.correct) for a in q.answers]
        answers.append(self._answer("*", 0, Fraction(0), q.feedback.incorrect))
        return E.plugin_qtype_shortanswer_question(E.answers(*answers),
                                                   node("shortanswer", self._new_answer_id(), leaves(("usecase", 0))))

    def _numerical(self, q: Question) -> etree._Element:
        assert q.value is not None
        first = self._next_answer + 1
        answers = [self._answer(plain_decimal(q.value), 0, Fraction(1), q.feedback.correct),
                   self._answer("*", 0, Fraction(0), q.feedback.incorrect)]
        records = [node("numerical_record", first, leaves(("answer", first), ("tolerance", plain_decimal(q.tolerance)))),
                   node("numerical_record", first + 1, leaves(("answer", first + 1), ("tolerance", "0")))]
        return E.plugin_qtype_numerical_question(
            E.answers(*answers), E.numerical_units(),
            E.numerical_options(node("numerical_option", self._new_answer_id(), leaves(
                ("showunits", 3), ("unitsleft", 0), ("unitgradingtype", 0), ("unitpenalty", decimal(Decimal("0.1")))))),
            E.numerical_records(*records))

    def _match(self, q: Question) -> etree._Element:
        options = node("matchoptions", self._new_answer_id(), leaves(
            ("shuffleanswers", 1), *self._combined_feedback(q), ("shownumcorrect", 1)))
        matches = [node("match", self._new_answer_id(), leaves(
            ("questiontext", self._inline(pair.left)), ("questiontextformat", 1), ("answertext", pair.right)))
            for pair in q.pairs]
        return E.plugin_qtype_match_question(options, E.matches(*matches))

    def _essay(self, q: Question) -> etree._Element:
        return E.plugin_qtype_essay_question(node("essay", self._new_answer_id(), leaves(
            ("responseformat", "editor"), ("responserequired", 1), ("responsefieldlines", 15), ("minwordlimit", None),
            ("maxwordlimit", None), ("attachments", 0), ("attachmentsrequired", 0),
            ("graderinfo", self._html(q.guidance)), ("graderinfoformat", 1), ("responsetemplate", ""),
            ("responsetemplateformat", 1), ("filetypeslist", None), ("maxbytes", 0))))

    # --- shared parts -------------------------------------------------------------------------------------
    def _answer(self, text: str, answerformat: int, fraction: Fraction, feedback: str) -> etree._Element:
        return node("answer", self._new_answer_id(), leaves(
            ("answertext", text), ("answerformat", answerformat), ("fraction", _fraction(fraction)),
            ("feedback", self._html(feedback)), ("feedbackformat", 1)))

    def _combined_feedback(self, q: Question) -> list[tuple[str, Value]]:
        return [("correctfeedback", self._html(q.feedback.correct)), ("correctfeedbackformat", 1),
                ("partiallycorrectfeedback", ""), ("partiallycorrectfeedbackformat", 1),
                ("incorrectfeedback", self._html(q.feedback.incorrect)), ("incorrectfeedbackformat", 1)]

    def _new_answer_id(self) -> int:
        self._next_answer += 1
        return self._next_answer

    def _html(self, text: str) -> str:
        # Quizzes cannot carry files, so links and images are dropped (check reports images in quizzes: CUR269).
        return self.markdown.render(text, lambda target, is_image: Resolved(None)).strip() if text else ""

    def _inline(self, text: str) -> str:
        html = self._html(text)
        if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
            return html[3:-4]
        return html


def _fraction(value: Fraction) -> str:
    return decimal(Decimal(value.numerator) / Decimal(value.denominator))


def _name(q: Question) -> str:
    """The name in the question bank: the id, then the start of the question."""
    plain = " ".join(q.text.replace("*", "").replace("`", "").split())
    return f"{q.id} {plain[:70]}{'…' if len(plain) > 70 else ''}"
