"""Render stage: interface strings the page scripts show, translated at render time and passed as JSON."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from markupsafe import Markup

from generator.i18n import N_, translate_all
from generator.render.site import script_json

UI_STRINGS: Final = {
    # runtime.js
    "completed": N_("You have reached the end of this page. It is marked as completed."),
    "menu_hint": N_("Open “{title}” from the course menu of your learning platform."),
    # quiz.js
    "correct": N_("Correct."),
    "incorrect": N_("Not quite."),
    "neutral": N_("Saved for your tutor."),
    "matched": N_("{good} of {total} matched correctly."),
    "accepted": N_("Accepted answer: {answer}"),
    "score": N_("Your score: {percent} % ({total} of {possible} points)."),
    "passed": N_("You passed (pass mark {mark} %)."),
    "failed": N_("You need {mark} % to pass: review the feedback and try again."),
    # selfassessment.js
    "target_profile": N_("Target profile: {path}"),
    "weighted_for": N_("(weighted for {country})"),
    "rated_all": N_("You rated {rated} of {total} skills."),
    "rated_some": N_("You rated {rated} of {total} skills; unrated skills count as 0."),
    "gap_line": N_("{skill}: you {rating}, target {target} (gap {gap})"),
    "gap_line_weighted": N_("{skill}: you {rating}, target {target} (gap {gap}, weighted {weighted})"),
    "no_gaps": N_("No gaps: you meet the target profile on every skill."),
    "unit_line": N_("{unit} ({points} ECVET points, months {months}) closes gaps in {skills}"),
    "radar_title": N_("Radar chart: {field}"),
    "radar_desc": N_("Your rating and the target level for each skill of this field; the same numbers are in the "
                     "table below the chart."),
    "table_caption": N_("Ratings and targets: {field}"),
    "col_skill": N_("Skill"),
    "col_you": N_("You"),
    "col_earlier": N_("Earlier"),
    "col_target": N_("Target"),
    "col_gap": N_("Gap"),
    "field_summary": N_("Mean rating {rating} of {top}, target {target}, total gap {gap}."),
    "downloaded": N_("Downloaded {file}. Keep it to compare with a later self-assessment."),
    "compared": N_("Compared with {file}."),
    "not_a_file": N_("That file is not a self-assessment downloaded from this page."),
}


@lru_cache(maxsize=16)  # as the catalogues are (i18n.translations): a worker makes a renderer per unit
def ui_strings_json(lang: str) -> Markup:
    return script_json(translate_all(UI_STRINGS, lang))
