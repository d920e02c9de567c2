"""Package stage helper: quizzes as IMS QTI 1.2.1 in the Common Cartridge profile.

Shaped after what Moodle's CC importer reads (backup/cc/entity11.quiz.class.php): the cc_profile of
each item names its type, `setvar` 100 marks the right answer, true/false options are identified
`true` and `false`, multiple-response answers are `varequal case="Yes"` inside an `and`, general
feedback hangs on a `continue="Yes"` condition, and `cc_weighting` carries the points. The profile
has no numerical or matching type: numerical questions become fill-in-the-blank items accepting the
value (every whole number in range when the tolerance allows), matching questions one
single-choice item per left-hand item.

Options are listed in the order generator/order.py derives from the question id; their idents keep
the source order (`U01-Q1-1` is the first option written). `render_choice` also says `shuffle="Yes"`
(`"No"` for pinned and true/false questions), which the QTI format allows but Moodle's CC importer
does not read: it restores every question with shuffleanswers 0, so the listed order is what
Moodle learners see.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Final

from lxml import etree
from lxml.builder import ElementMaker

from generator.model import Question, Quiz
from generator.numbers import accepted_numbers
from generator.order import option_orders
from generator.render.markdown import MarkdownRenderer, Resolved

QTI: Final = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
Q = ElementMaker(namespace=QTI, nsmap={None: QTI})
PROFILES: Final = {"single": "cc.multiple_choice.v0p1", "multiple": "cc.multiple_response.v0p1",
                   "true-false": "cc.true_false.v0p1", "short": "cc.fib.v0p1", "numerical": "cc.fib.v0p1",
                   "essay": "cc.essay.v0p1", "matching": "cc.multiple_choice.v0p1"}


def _html(markdown: MarkdownRenderer, text: str) -> str:
    return markdown.render(text, lambda target, is_image: Resolved(None)).strip()


def _inline(markdown: MarkdownRenderer, text: str) -> str:
    """An option's HTML without the paragraph Markdown wraps it in."""
    html = _html(markdown, text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def _name(ident: str, text: str) -> str:
    """Question name in Moodle's question bank: the id and the start of the question."""
    plain = " ".join(text.replace("*", "").replace("`", "").split())
    return f"{ident} {plain[:70]}{'…' if len(plain) > 70 else ''}"


def _mattext(text: str) -> etree._Element:
    return Q.material(Q.mattext(text, texttype="text/html"))


def _metadata(**fields: str) -> etree._Element:
    return Q.qtimetadata(*[Q.qtimetadatafield(Q.fieldlabel(label), Q.fieldentry(value))
                           for label, value in fields.items()])


def item_weights(quiz: Quiz) -> dict[str, int]:
    """Whole-number weight per QTI item, proportional to the points (matching items share their question's).

    Moodle reads cc_weighting as a whole number from 0 to 99, so the quiz's weights are scaled by the
    smallest factor that makes every share whole; only if that would pass 99 are they rounded.
    """
    shares: dict[str, Fraction] = {}
    for q in quiz.questions:
        if q.type == "matching":
            for n in range(1, len(q.pairs) + 1):
                shares[f"{q.id}-{n}"] = Fraction(q.points) / len(q.pairs)
        else:
            shares[q.id] = Fraction(q.points)
    factor = math.lcm(*(share.denominator for share in shares.values()))
    if max(shares.values()) * factor > 99:
        factor = 1
    return {ident: max(1, min(99, round(share * factor))) for ident, share in shares.items()}


def _feedback(ident: str, text: str, markdown: MarkdownRenderer) -> etree._Element:
    return Q.itemfeedback(Q.flow_mat(_mattext(_html(markdown, text))), ident=ident)


class QtiWriter:
    def __init__(self, gettext: Callable[[str], str] = lambda text: text) -> None:
        self.markdown = MarkdownRenderer()
        self._ = gettext
        self.weights: dict[str, int] = {}
        self.orders: dict[str, tuple[int, ...]] = {}

    def assessment(self, ident: str, quiz: Quiz) -> etree._Element:
        return Q.questestinterop(Q.assessment(
            _metadata(cc_profile="cc.exam.v0p1", qmd_assessmenttype="Examination", qmd_scoretype="Percentage",
                      cc_maxattempts="unlimited"),
            Q.section(*self.items(quiz), ident=f"{ident}-section"),
            ident=ident, title=quiz.title))

    def bank(self, ident: str, quizzes: list[Quiz]) -> etree._Element:
        items = [item for quiz in quizzes for item in self.items(quiz)]
        return Q.questestinterop(Q.objectbank(_metadata(cc_profile="cc.question_bank.v0p1"), *items, ident=ident))

    def items(self, quiz: Quiz) -> list[etree._Element]:
        result: list[etree._Element] = []
        self.weights = item_weights(quiz)
        self.orders = option_orders(quiz)
        for question in quiz.questions:
            if question.type == "matching":
                result += self._matching(question)
            else:
                result.append(self._item(question))
        return result

    def _item(self, question: Question) -> etree._Element:
        build = {"single": self._choice, "multiple": self._choice, "true-false": self._true_false,
                 "short": self._fib, "numerical": self._fib, "essay": self._essay}[question.type]
        presentation, conditions, feedback = build(question)
        return self._wrap(question.id, question, presentation, conditions, feedback, _html(self.markdown, question.text))

    def _wrap(self, ident: str, question: Question, response: etree._Element, conditions: list[etree._Element],
              feedback: list[etree._Element], text: str) -> etree._Element:
        general = question.feedback.general
        if general:
            conditions = [Q.respcondition(Q.conditionvar(Q.other()), Q.displayfeedback(feedbacktype="Response",
                                                                                       linkrefid="general_fb"),
                                          **{"continue": "Yes"}), *conditions]
            feedback = [_feedback("general_fb", general, self.markdown), *feedback]
        processing = Q.resprocessing(
            Q.outcomes(Q.decvar(varname="SCORE", vartype="Decimal", minvalue="0", maxvalue="100")), *conditions)
        return Q.item(
            Q.itemmetadata(_metadata(cc_profile=PROFILES[question.type], cc_weighting=str(self.weights[ident]))),
            Q.presentation(_mattext(text), response),
            processing, *feedback,
            ident=ident, title=_name(ident, question.text))

    def _choice(self, question: Question) -> tuple[etree._Element, list[etree._Element], list[etree._Element]]:
        labels = [Q.response_label(_mattext(_inline(self.markdown, question.options[i].text)),
                                   ident=f"{question.id}-{i + 1}")
                  for i in self.orders[question.id]]
        single = question.type == "single"
        response = Q.response_lid(Q.render_choice(*labels, shuffle="Yes" if question.shuffle else "No"),
                                  ident="response1", rcardinality="Single" if single else "Multiple")
        conditions, feedback = [], []
        if single:
            for i, option in enumerate(question.options, start=1):
                parts = [Q.conditionvar(Q.varequal(f"{question.id}-{i}", respident="response1"))]
                if option.correct:
                    parts.append(Q.setvar("100", varname="SCORE", action="Set"))
                if option.feedback:
                    parts.append(Q.displayfeedback(feedbacktype="Response", linkrefid=f"{question.id}-{i}_fb"))
                    feedback.append(_feedback(f"{question.id}-{i}_fb", option.feedback, self.markdown))
                conditions.append(Q.respcondition(*parts))
            return response, conditions, feedback
        checks = [Q.varequal(f"{question.id}-{i}", respident="response1", case="Yes") if o.correct
                  else Q("not", Q.varequal(f"{question.id}-{i}", respident="response1", case="Yes"))
                  for i, o in enumerate(question.options, start=1)]
        conditions.append(Q.respcondition(Q.conditionvar(Q("and", *checks)),
                                          Q.setvar("100", varname="SCORE", action="Set"), **{"continue": "No"}))
        for i, option in enumerate(question.options, start=1):
            if option.feedback:
                conditions.append(Q.respcondition(
                    Q.conditionvar(Q.varequal(f"{question.id}-{i}", respident="response1")),
                    Q.displayfeedback(feedbacktype="Response", linkrefid=f"{question.id}-{i}_fb"), **{"continue": "Yes"}))
                feedback.append(_feedback(f"{question.id}-{i}_fb", option.feedback, self.markdown))
        return response, conditions, feedback

    def _true_false(self, question: Question) -> tuple[etree._Element, list[etree._Element], list[etree._Element]]:
        response = Q.response_lid(Q.render_choice(
            Q.response_label(_mattext(self._("True")), ident="true"), Q.response_label(_mattext(self._("False")), ident="false"),
            shuffle="No"),
            ident="response1", rcardinality="Single")
        conditions, feedback = [], []
        for ident in ("true", "false"):
            right = (ident == "true") == question.answer
            text = question.feedback.correct if right else question.feedback.incorrect
            parts = [Q.conditionvar(Q.varequal(ident, respident="response1"))]
            if right:
                parts.append(Q.setvar("100", varname="SCORE", action="Set"))
            if text:
                parts.append(Q.displayfeedback(feedbacktype="Response", linkrefid=f"{ident}_fb"))
                feedback.append(_feedback(f"{ident}_fb", text, self.markdown))
            conditions.append(Q.respcondition(*parts))
        return response, conditions, feedback

    def _fib(self, question: Question) -> tuple[etree._Element, list[etree._Element], list[etree._Element]]:
        accepted = list(question.answers) if question.type == "short" else accepted_numbers(question)
        response = Q.response_str(Q.render_fib(rows="1", prompt="Box"), ident="response1", rcardinality="Single")
        right = [Q.varequal(answer, respident="response1", case="No") for answer in accepted]
        parts = [Q.conditionvar(*right), Q.setvar("100", varname="SCORE", action="Set")]
        feedback = []
        if question.feedback.correct:
            parts.append(Q.displayfeedback(feedbacktype="Response", linkrefid="correct_fb"))
            feedback.append(_feedback("correct_fb", question.feedback.correct, self.markdown))
        conditions = [Q.respcondition(*parts, **{"continue": "No"})]
        if question.feedback.incorrect:
            conditions.append(Q.respcondition(Q.conditionvar(Q.other()),
                                              Q.displayfeedback(feedbacktype="Response", linkrefid="incorrect_fb")))
            feedback.append(_feedback("incorrect_fb", question.feedback.incorrect, self.markdown))
        return response, conditions, feedback

    def _essay(self, question: Question) -> tuple[etree._Element, list[etree._Element], list[etree._Element]]:
        response = Q.response_str(Q.render_fib(rows="15"), ident="response1", rcardinality="Single")
        return response, [Q.respcondition(Q.conditionvar(Q.other()), **{"continue": "No"})], []  # graded by a tutor

    def _matching(self, question: Question) -> list[etree._Element]:
        rights = sorted({p.right for p in question.pairs})
        items = []
        for n, pair in enumerate(question.pairs, start=1):
            ident = f"{question.id}-{n}"
            labels = [Q.response_label(_mattext(_inline(self.markdown, r)), ident=f"{ident}-{i}")
                      for i, r in enumerate(rights, start=1)]
            response = Q.response_lid(Q.render_choice(*labels, shuffle="Yes"), ident="response1", rcardinality="Single")
            correct = rights.index(pair.right) + 1
            conditions = [Q.respcondition(Q.conditionvar(Q.varequal(f"{ident}-{correct}", respident="response1")),
                                          Q.setvar("100", varname="SCORE", action="Set"))]
            stem = f"{_html(self.markdown, question.text)}<p><strong>{_html_text(pair.left)}</strong></p>"
            part = question.model_copy(update={"type": "single"})
            items.append(self._wrap(ident, part, response, conditions, [], stem))
        return items


def _html_text(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
