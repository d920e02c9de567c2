"""Competence profile: gap analysis against a career path, ratings-file diagnostics, comparison, `curriculum profile`.

The minimal project has one activity field F01 with two skills on a 0-2 scale, for the career path `manager`:
F01.S01 (target 2; importance DE +, FR ++, CH +), developed by U01; F01.S02 (target 1; DE --, FR ++, CH +),
developed by U02. Every expected number below is worked out by hand from those figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from generator.load.project import load_project
from generator.profile import ProfileReport, analyse, format_profile, parse_ratings, profile_json, profile_project
from helpers import PROJECTS, REPO, MakeProject

MINIMAL = PROJECTS / "minimal"


def ratings_file(tmp_path: Path, name: str = "me.json", /, **content: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"career_path": "manager", **content}, indent=2), encoding="utf-8")
    return path


def run(tmp_path: Path, root: Path = MINIMAL, **content: object) -> ProfileReport:
    return profile_project(root, ratings_file(tmp_path, **content))


def codes(report: ProfileReport) -> list[tuple[str, int | None]]:
    return [(d.code, d.line) for d in report.diagnostics]


# --- the analysis ---------------------------------------------------------------------------------

def test_gaps_are_target_minus_rating_weighted_by_country_importance(tmp_path: Path) -> None:
    report = run(tmp_path, country="FR", ratings={"F01.S01": 0, "F01.S02": 0})
    assert report.diagnostics == () and report.profile is not None
    rows = [(g.id, g.rating, g.target, g.gap, g.weight, g.weighted_gap) for g in report.profile.skills]
    assert rows == [("F01.S01", 0, 2, 2, 1.5, 3.0), ("F01.S02", 0, 1, 1, 1.5, 1.5)]  # FR rated both ++


def test_weights_follow_the_country_and_are_one_without_a_country(tmp_path: Path) -> None:
    germany = run(tmp_path, country="DE", ratings={"F01.S01": 1, "F01.S02": 0}).profile
    nowhere = run(tmp_path, ratings={"F01.S01": 1, "F01.S02": 0}).profile
    assert germany and nowhere
    assert [(g.weight, g.weighted_gap) for g in germany.skills] == [(1.0, 1.0), (0.5, 0.5)]  # DE: + and --
    assert [(g.weight, g.weighted_gap) for g in nowhere.skills] == [(1.0, 1.0), (1.0, 1.0)]


def test_field_summary_has_mean_rating_mean_target_and_total_gap(tmp_path: Path) -> None:
    profile = run(tmp_path, country="DE", ratings={"F01.S01": 1, "F01.S02": 0}).profile
    assert profile
    [field] = profile.fields
    assert (field.id, field.mean_rating, field.mean_target, field.total_gap, field.total_weighted_gap) == \
        ("F01", 0.5, 1.5, 2, 1.5)


def test_a_rating_above_the_target_is_no_gap(tmp_path: Path) -> None:
    profile = run(tmp_path, ratings={"F01.S01": 2, "F01.S02": 2}).profile
    assert profile
    assert [g.gap for g in profile.skills] == [0, 0]
    assert profile.largest_gaps == () and profile.recommended_units == ()
    assert profile.fields[0].mean_rating == 2.0


def test_largest_gaps_by_weighted_gap_then_skill_id(tmp_path: Path, make_project: MakeProject) -> None:
    germany = run(tmp_path, country="DE", ratings={"F01.S01": 1, "F01.S02": 0}).profile
    assert germany and [g.id for g in germany.largest_gaps] == ["F01.S01", "F01.S02"]  # 1.0 before 0.5
    # Equal weighted gaps: the skill id decides, not the order in competences.yaml.
    text = (MINIMAL / "curriculum/competences.yaml").read_text()
    first, second = text.index("      - id: F01.S01"), text.index("      - id: F01.S02")
    swapped = text[:first] + text[second:] + "\n" + text[first:second].rstrip("\n")
    root = make_project({"curriculum/competences.yaml": swapped})
    profile = run(tmp_path, root, ratings={"F01.S01": 1, "F01.S02": 0}).profile
    assert profile and [g.id for g in profile.skills] == ["F01.S02", "F01.S01"]
    assert [g.id for g in profile.largest_gaps] == ["F01.S01", "F01.S02"]


def test_units_are_ranked_by_the_weighted_gaps_they_close(tmp_path: Path) -> None:
    profile = run(tmp_path, country="FR", ratings={"F01.S01": 0, "F01.S02": 0}).profile
    assert profile
    assert [(u.code, u.skill_ids, u.score) for u in profile.recommended_units] == \
        [("U01", ("F01.S01",), 3.0), ("U02", ("F01.S02",), 1.5)]
    first = profile.recommended_units[0]
    assert (first.title, str(first.ecvet_points), first.months) == ("Basics", "1", (1,))


def test_a_skill_counts_once_per_unit_however_many_outcomes_develop_it(tmp_path: Path, make_project: MakeProject) -> None:
    unit = (MINIMAL / "modules/01-basics/unit.yaml").read_text()
    root = make_project({"modules/01-basics/unit.yaml": unit.replace(
        "    text: Take responsibility for a first self-assessment.\n",
        "    text: Take responsibility for a first self-assessment.\n    skill_ids: [F01.S02]\n")})
    profile = run(tmp_path, root, country="FR", ratings={"F01.S01": 0, "F01.S02": 0}).profile
    assert profile
    # U01: LO1 and LO2 develop F01.S01 (3.0, once), LO3 develops F01.S02 (1.5).
    assert [(u.code, u.skill_ids, u.score) for u in profile.recommended_units] == \
        [("U01", ("F01.S01", "F01.S02"), 4.5), ("U02", ("F01.S02",), 1.5)]


def test_equal_scores_keep_programme_order(tmp_path: Path, make_project: MakeProject) -> None:
    ratings = {"F01.S01": 1, "F01.S02": 0}  # both gaps 1, no country: both units score 1.0
    profile = run(tmp_path, ratings=ratings).profile
    assert profile and [u.code for u in profile.recommended_units] == ["U01", "U02"]
    programme = (MINIMAL / "curriculum/programme.yaml").read_text()
    root = make_project({"curriculum/programme.yaml": programme.replace(
        "  - {code: U01, months: [1]}\n  - {code: U02, months: [2]}\n",
        "  - {code: U02, months: [2]}\n  - {code: U01, months: [1]}\n")})
    profile = run(tmp_path, root, ratings=ratings).profile
    assert profile and [u.code for u in profile.recommended_units] == ["U02", "U01"]


def test_path_and_country_options_override_the_file(tmp_path: Path, make_project: MakeProject) -> None:
    programme = (MINIMAL / "curriculum/programme.yaml").read_text()
    competences = (MINIMAL / "curriculum/competences.yaml").read_text()
    root = make_project({
        "curriculum/programme.yaml": programme.replace("  - {id: manager, title: Manager}\n",
                                                       "  - {id: manager, title: Manager}\n  - {id: scout, title: Scout}\n"),
        "curriculum/competences.yaml": competences.replace("{manager: 2}", "{manager: 2, scout: 0}")
                                                  .replace("{manager: 1}", "{manager: 1, scout: 2}")})
    path = ratings_file(tmp_path, country="DE", ratings={"F01.S01": 0, "F01.S02": 0})
    report = profile_project(root, path, career_path="scout", country="CH")
    assert report.profile and (report.profile.career_path, report.profile.country) == ("scout", "CH")
    assert [(g.target, g.weighted_gap) for g in report.profile.skills] == [(0, 0.0), (2, 2.0)]


def test_the_real_programme_at_target_has_no_gaps_and_from_zero_every_developing_unit_helps(tmp_path: Path) -> None:
    course, _ = load_project(REPO)
    skills = course.skills()
    targets = {s.id: s.target_levels["cluster-manager"] for s in skills.values()}
    at_target, _ = parse_ratings(json.dumps({"career_path": "cluster-manager", "ratings": targets}), None, course)
    assert at_target and analyse(course, at_target).largest_gaps == ()
    zero, _ = parse_ratings(json.dumps({"career_path": "cluster-manager", "country": "CH",
                                        "ratings": dict.fromkeys(skills, 0)}), None, course)
    assert zero
    profile = analyse(course, zero)
    assert (len(profile.skills), len(profile.fields)) == (61, 10)
    assert {u.code for u in profile.recommended_units} == \
        {u.code for u in course.units if any(o.skill_ids for o in u.unit.learning_outcomes)}
    assert profile.largest_gaps[0].weighted_gap == max(g.target * g.weight for g in profile.skills)


# --- ratings files --------------------------------------------------------------------------------

def test_missing_skills_are_a_warning_and_count_as_zero(tmp_path: Path) -> None:
    report = run(tmp_path, ratings={"F01.S01": 2})
    assert codes(report) == [("CUR506", None)]
    assert "F01.S02" in report.diagnostics[0].message
    assert report.profile and report.profile.skills[1].rating == 0


@pytest.mark.parametrize(("ratings", "expected"), [
    ({"F01.S01": 1, "F01.S02": 3}, [("CUR505", 5)]),      # above the 0-2 scale
    ({"F01.S01": -1, "F01.S02": 0}, [("CUR505", 4)]),
    ({"F01.S01": 1.5, "F01.S02": 0}, [("CUR505", 4)]),    # not a whole number
    ({"F01.S01": "2", "F01.S02": 0}, [("CUR505", 4)]),
    ({"F01.S01": 1, "F01.S02": 0, "F09.S99": 1}, [("CUR504", 6)]),
])
def test_bad_ratings_are_errors_with_their_line(tmp_path: Path, ratings: dict[str, object],
                                                expected: list[tuple[str, int]]) -> None:
    report = run(tmp_path, ratings=ratings)
    assert codes(report) == expected
    assert report.profile is None


def test_unknown_or_missing_career_path(tmp_path: Path) -> None:
    assert codes(run(tmp_path, career_path="astronaut", ratings={"F01.S01": 0, "F01.S02": 0})) == [("CUR503", 2)]
    path = tmp_path / "anon.json"
    path.write_text(json.dumps({"ratings": {"F01.S01": 0, "F01.S02": 0}}), encoding="utf-8")
    report = profile_project(MINIMAL, path)
    assert codes(report) == [("CUR503", None)] and "manager" in str(report.diagnostics[0].hint)


def test_file_shape_problems(tmp_path: Path) -> None:
    both = {"F01.S01": 0, "F01.S02": 0}  # lines 3-6 of the file; the next key is on line 7
    assert codes(run(tmp_path, ratings=both, country="SE")) == [("CUR507", 7)]
    assert codes(run(tmp_path, ratings=both, mood="good")) == [("CUR502", 7)]
    assert codes(run(tmp_path, ratings=both, taken="last week")) == [("CUR502", 7)]
    assert codes(run(tmp_path, ratings=[0, 1])) == [("CUR502", 3)]
    no_ratings = tmp_path / "empty.json"
    no_ratings.write_text('{"career_path": "manager"}', encoding="utf-8")
    assert codes(profile_project(MINIMAL, no_ratings)) == [("CUR502", None)]


def test_not_json_or_not_text_is_cur501(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "career_path": "manager",\n  "ratings": {"F01.S01": 1,}\n}\n', encoding="utf-8")
    report = profile_project(MINIMAL, broken)
    assert codes(report) == [("CUR501", 3)] and str(report.diagnostics[0].file) == broken.as_posix()
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    assert codes(profile_project(MINIMAL, binary)) == [("CUR501", None)]


def test_a_curriculum_that_does_not_load_gives_no_profile(tmp_path: Path, make_project: MakeProject) -> None:
    root = make_project({"curriculum/competences.yaml": "rating_scale: nonsense\n"})
    report = run(tmp_path, root, ratings={})
    assert report.profile is None and any(d.code.startswith("CUR1") for d in report.diagnostics)


# --- comparison -----------------------------------------------------------------------------------

def test_comparison_gives_the_change_per_skill(tmp_path: Path) -> None:
    earlier = ratings_file(tmp_path, "january.json", taken="2026-01-10", ratings={"F01.S01": 0, "F01.S02": 1})
    later = ratings_file(tmp_path, "june.json", taken="2026-06-20", ratings={"F01.S01": 2, "F01.S02": 0})
    report = profile_project(MINIMAL, later, compare_path=earlier)
    assert report.diagnostics == () and report.comparison
    assert [(c.id, c.earlier, c.later, c.change) for c in report.comparison.changes] == \
        [("F01.S01", 0, 2, 2), ("F01.S02", 1, 0, -1)]
    assert (report.comparison.improved, report.comparison.declined, report.comparison.unchanged) == (1, 1, 0)
    assert str(report.comparison.earlier_taken) == "2026-01-10"


def test_comparing_with_a_later_file_warns(tmp_path: Path) -> None:
    earlier = ratings_file(tmp_path, "a.json", taken="2026-09-01", ratings={"F01.S01": 0, "F01.S02": 0})
    later = ratings_file(tmp_path, "b.json", taken="2026-01-01", ratings={"F01.S01": 0, "F01.S02": 0})
    assert [d.code for d in profile_project(MINIMAL, later, compare_path=earlier).diagnostics] == ["CUR508"]


def test_errors_in_the_earlier_file_stop_the_analysis(tmp_path: Path) -> None:
    earlier = ratings_file(tmp_path, "a.json", ratings={"F01.S01": 9, "F01.S02": 0})
    later = ratings_file(tmp_path, "b.json", ratings={"F01.S01": 0, "F01.S02": 0})
    report = profile_project(MINIMAL, later, compare_path=earlier)
    assert [d.code for d in report.diagnostics] == ["CUR505"] and report.profile is None


# --- presenting and the command -------------------------------------------------------------------

def test_json_carries_the_same_numbers(tmp_path: Path) -> None:
    data = profile_json(run(tmp_path, country="FR", ratings={"F01.S01": 0, "F01.S02": 0}))
    profile = data["profile"]
    assert isinstance(profile, dict)
    assert profile["skills"][0] == {"id": "F01.S01", "title": "Read the regional economy", "field_id": "F01",
                                    "rating": 0, "target": 2, "gap": 2, "weight": 1.5, "weighted_gap": 3.0}
    assert profile["largest_gaps"] == ["F01.S01", "F01.S02"]
    assert profile["recommended_units"][0] == {"code": "U01", "title": "Basics", "ecvet_points": 1.0, "months": [1],
                                               "skill_ids": ["F01.S01"], "score": 3.0}
    assert (data["comparison"], data["errors"], data["warnings"]) == (None, 0, 0)


def test_text_shows_bars_gaps_and_units(tmp_path: Path) -> None:
    text = format_profile(run(tmp_path, country="FR", ratings={"F01.S01": 1, "F01.S02": 0}))
    assert "F01 Strategy  [#####----------.....]  0.5 / 1.5  gap 2" in text  # 20 cells for 0-2
    assert "F01.S01  1 -> 2  gap 1 x 1.5 = 1.5  Read the regional economy" in text
    assert "U01  Basics" in text and "1 ECVET points  month 1" in text and "closes F01.S01 (score 1.5)" in text


def test_cli_profile_text_and_json(tmp_path: Path) -> None:
    runner = CliRunner()
    path = ratings_file(tmp_path, ratings={"F01.S01": 1})
    result = runner.invoke(cli, ["profile", "--ratings", str(path), "--country", "FR", str(MINIMAL)])
    assert result.exit_code == 0, result.output
    assert "Competence profile against: Manager (manager), weighted for FR" in result.stdout
    assert "warning CUR506" in result.stderr
    result = runner.invoke(cli, ["profile", "--ratings", str(path), "--compare", str(path), "--format", "json", str(MINIMAL)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["profile"]["country"] is None and data["comparison"]["unchanged"] == 2 and data["warnings"] == 2


def test_cli_profile_exits_1_on_errors_and_2_on_bad_options(tmp_path: Path) -> None:
    runner = CliRunner()
    path = ratings_file(tmp_path, ratings={"F01.S01": 7})
    result = runner.invoke(cli, ["profile", "--ratings", str(path), str(MINIMAL)])
    assert result.exit_code == 1 and "error CUR505" in result.stderr and result.stdout == ""
    result = runner.invoke(cli, ["profile", "--ratings", str(path), "--format", "json", str(MINIMAL)])
    assert result.exit_code == 1 and json.loads(result.stdout)["profile"] is None
    assert runner.invoke(cli, ["profile", "--ratings", str(path), "--country", "SE", str(MINIMAL)]).exit_code == 2


def test_a_file_downloaded_from_the_self_assessment_page_is_read_as_is() -> None:
    """Regression: the page writes 'format' and 'programme', which the CLI first refused."""
    from generator import load_project
    from generator.profile import parse_ratings

    course, _ = load_project(REPO)
    ratings = {s.id: 2 for f in course.competences.activity_fields for s in f.skills}  # type: ignore[union-attr]
    page_file = json.dumps({"format": "curriculum-self-assessment/1", "programme": "cmp", "career_path": "technology-scout",
                            "country": None, "ratings": ratings, "taken": "2026-11-20"})
    result, diags = parse_ratings(page_file, None, course)
    assert result is not None and diags == []
    other, diags = parse_ratings(page_file.replace('"cmp"', '"other"'), None, course)
    assert other is not None and [d.code for d in diags] == ["CUR509"]


# --- issue #17, finding 8: hostile ratings files end in a diagnostic, quickly --------------------------------------

def _profile_of(tmp_path: Path, text: str) -> ProfileReport:
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    return profile_project(MINIMAL, path)


def test_a_5000_digit_number_is_cur510_not_a_traceback(tmp_path: Path) -> None:
    report = _profile_of(tmp_path, '{\n  "career_path": "manager",\n  "ratings": {"F01.S01": ' + "9" * 5000 + "}\n}\n")
    assert codes(report) == [("CUR510", 3)] and "digits" in report.diagnostics[0].message


def test_arrays_nested_100000_deep_are_cur510_not_a_traceback(tmp_path: Path) -> None:
    report = _profile_of(tmp_path, '{"career_path": "manager", "ratings": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert codes(report) == [("CUR510", 1)] and "deep" in report.diagnostics[0].message


def test_brackets_and_digits_inside_strings_are_text(tmp_path: Path) -> None:
    report = _profile_of(tmp_path, json.dumps({"career_path": "manager", "ratings": {"F01.S01": 1},
                                               "taken": None, "programme": "[" * 50 + "9" * 50 + '\\"'}))
    assert "CUR510" not in [code for code, _ in codes(report)]


def test_a_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    from generator.profile import MAX_RATINGS_BYTES

    report = _profile_of(tmp_path, '{"career_path": "manager", "ratings": {}, "x": "' + "a" * MAX_RATINGS_BYTES + '"}')
    assert [code for code, _ in codes(report)] == ["CUR510"]


def test_many_unknown_skills_are_summarised_and_do_not_stall(tmp_path: Path) -> None:
    import time

    ratings = {f"X{n:06d}.S01": 1 for n in range(30_000)}  # about 600 KB, under the size cap
    started = time.monotonic()
    report = _profile_of(tmp_path, json.dumps({"career_path": "manager", "ratings": ratings}, indent=1))
    assert time.monotonic() - started < 20
    unknown = [d for d in report.diagnostics if d.code == "CUR504"]
    assert len(unknown) == 21 and any("29,980 more unknown skills" in d.message for d in unknown)


def test_a_fifo_as_the_ratings_file_is_refused_not_waited_for(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "ratings.json"
    os.mkfifo(fifo)
    reports: list[ProfileReport] = []
    thread = threading.Thread(target=lambda: reports.append(profile_project(MINIMAL, fifo)), daemon=True)
    thread.start()
    thread.join(20)
    assert not thread.is_alive() and [code for code, _ in codes(reports[0])] == ["CUR501"]
