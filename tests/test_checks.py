"""One test per `check` rule: each names the code it guards and the file:line it must point at."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import PROJECTS, MakeProject, codes, found

LESSON = "modules/01-basics/01-what-is-a-cluster.md"
UNIT1 = "modules/01-basics/unit.yaml"
UNIT2 = "modules/02-practice/unit.yaml"
PROGRAMME = "curriculum/programme.yaml"
COMPETENCES = "curriculum/competences.yaml"


def lesson(front: str, body: str = "## Body\n\nText.\n") -> str:
    return f"---\n{front}---\n{body}"


def replace(project: str, rel: str, old: str, new: str) -> str:
    text = (PROJECTS / project / rel).read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {rel}"
    return text.replace(old, new)


def test_minimal_project_is_clean(make_project: MakeProject) -> None:
    assert [code for code, _, _ in found(make_project())] == ["CUR268", "CUR268"]  # notes only


# --- load ---------------------------------------------------------------------------------------

def test_invalid_yaml_points_at_the_line(make_project: MakeProject) -> None:
    root = make_project({UNIT2: "code: U02\ntitle: [unclosed\nsummary: x\n"})
    assert ("CUR102", UNIT2, 3) in found(root, "CUR102")


def test_duplicate_key_is_an_error_not_last_wins(make_project: MakeProject) -> None:
    root = make_project({UNIT1: replace("minimal", UNIT1, "workload_hours: 25\n", "workload_hours: 25\ntitle: Again\n")})
    assert found(root, "CUR103") == [("CUR103", UNIT1, 7)]


def test_unknown_field_suggests_the_right_name(make_project: MakeProject) -> None:
    root = make_project({UNIT1: replace("minimal", UNIT1, "ecvet_points: 1", "ecvet_point: 1")})
    diags = [d for d in __import__("generator").check_project(root) if d.code == "CUR105"]
    assert [(d.file.as_posix(), d.line) for d in diags] == [(UNIT1, 5)]
    assert diags[0].hint == "did you mean `ecvet_points`?"


def test_missing_field_is_reported(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "workload_hours: 50\n", "")})
    assert ("CUR111", UNIT2, 1) in found(root, "CUR111")


def test_wrong_type_is_reported_at_its_line(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "eqf_level: 6", "eqf_level: nine")})
    assert found(root, "CUR104") == [("CUR104", UNIT2, 4)]


def test_missing_programme_file(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: None})
    assert ("CUR106", PROGRAMME, None) in found(root, "CUR106")


def test_lesson_without_front_matter(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/02-loose.md": "# Just text\n"})
    assert found(root, "CUR107") == [("CUR107", "modules/02-practice/02-loose.md", 1)]


def test_empty_binary_and_non_utf8_files(make_project: MakeProject) -> None:
    root = make_project({
        "modules/02-practice/02-empty.md": "",
        "modules/02-practice/03-binary.md": b"\x00\x01\x02",
        "modules/02-practice/04-latin1.md": "---\nid: X\n---\ncaf\xe9".encode("latin-1"),
    })
    assert {c for c, _, _ in found(root) if c in {"CUR101", "CUR108"}} == {"CUR101", "CUR108"}
    assert len(found(root, "CUR101")) == 2


def test_yaml_that_is_not_a_mapping(make_project: MakeProject) -> None:
    root = make_project({UNIT2: "- just\n- a list\n"})
    assert found(root, "CUR109") == [("CUR109", UNIT2, 1)]


def test_alias_bomb_is_refused(make_project: MakeProject) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    root = make_project({UNIT2: "\n".join(lines) + "\n"})
    assert found(root, "CUR110") == [("CUR110", UNIT2, None)]


def test_module_folder_without_unit_yaml(make_project: MakeProject) -> None:
    root = make_project({"modules/03-stray/01-x.md": lesson("id: X\n")})
    assert found(root, "CUR112") == [("CUR112", "modules/03-stray", None)]


def test_unreadable_file(make_project: MakeProject) -> None:
    root = make_project({UNIT2: None})
    (root / UNIT2).mkdir()  # a folder where a file should be is unreadable as a file, even for root
    assert found(root, "CUR101") == [("CUR101", UNIT2, None)]


# --- identity and references -------------------------------------------------------------------

def test_duplicate_lesson_id(make_project: MakeProject) -> None:
    text = (PROJECTS / "minimal" / "modules/02-practice/01-agreeing.md").read_text()
    root = make_project({"modules/02-practice/02-copy.md": text})
    assert found(root, "CUR201") == [("CUR201", "modules/02-practice/02-copy.md", 2)]


def test_schedule_names_missing_unit_and_unit_missing_from_schedule(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: replace("minimal", PROGRAMME, "code: U02", "code: U05")})
    assert ("CUR202", PROGRAMME, 19) in found(root, "CUR202")
    assert found(root, "CUR203") == [("CUR203", UNIT2, 1)]


def test_unknown_outcome_is_reported_with_line(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/01-agreeing.md":
                         lesson("id: U02-L1\ntitle: T\noutcome_ids: [U02-LO1, U02-LO2, U02-LO3, LO-9]\nminutes: 5\n")})
    assert found(root, "CUR204") == [("CUR204", "modules/02-practice/01-agreeing.md", 4)]


def test_lesson_cannot_teach_another_units_outcome(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/01-agreeing.md":
                         lesson("id: U02-L1\ntitle: T\noutcome_ids: [U02-LO1, U02-LO2, U02-LO3, U01-LO1]\nminutes: 5\n")})
    assert found(root, "CUR209") == [("CUR209", "modules/02-practice/01-agreeing.md", 4)]


def test_unknown_skill(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "text: Lead a strategy workshop.\n    skill_ids: [F01.S02]",
                                        "text: Lead a strategy workshop.\n    skill_ids: [F01.S02, F09.S01]")})
    assert found(root, "CUR205") == [("CUR205", UNIT2, 19)]


def test_assessment_covers_unknown_outcome(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "outcome_ids: [U02-LO1, U02-LO2, U02-LO3]",
                                        "outcome_ids: [U02-LO1, U02-LO2, U02-LO3, U02-LO8]")})
    assert found(root, "CUR206") == [("CUR206", UNIT2, 24)]


def test_case_study_serves_unknown_unit(make_project: MakeProject) -> None:
    root = make_project({"case_studies/energy.md": replace("minimal", "case_studies/energy.md", "[U01]", "[U01, U07]")})
    assert found(root, "CUR207") == [("CUR207", "case_studies/energy.md", 7)]


def test_career_path_needs_a_target_on_every_skill(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: replace("minimal", PROGRAMME, "  - {id: manager, title: Manager}\n",
                                            "  - {id: manager, title: Manager}\n  - {id: scout, title: Scout}\n")})
    assert found(root, "CUR208") == [("CUR208", COMPETENCES, 12), ("CUR208", COMPETENCES, 16)]


# --- coverage ----------------------------------------------------------------------------------

def test_outcome_taught_by_no_lesson(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/01-agreeing.md":
                         lesson("id: U02-L1\ntitle: T\noutcome_ids: [U02-LO1, U02-LO3]\nminutes: 5\n")})
    assert found(root, "CUR210") == [("CUR210", UNIT2, 12)]


def test_outcome_not_assessed(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "outcome_ids: [U02-LO1, U02-LO2, U02-LO3]",
                                        "outcome_ids: [U02-LO1, U02-LO3]")})
    assert found(root, "CUR211") == [("CUR211", UNIT2, 12)]


def test_skill_developed_by_no_outcome_is_a_warning(make_project: MakeProject) -> None:
    text = replace("minimal", UNIT2, "skill_ids: [F01.S02]", "skill_ids: []")
    root = make_project({UNIT2: text})
    assert found(root, "CUR212") == [("CUR212", COMPETENCES, 13)]


def test_unit_without_lessons(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/01-agreeing.md": None})
    assert found(root, "CUR213") == [("CUR213", UNIT2, 1)]


def test_unit_missing_an_outcome_kind(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "kind: competence", "kind: skills")})
    assert found(root, "CUR214") == [("CUR214", UNIT2, 7)]


# --- credits, levels, scale, schedule -------------------------------------------------------

def test_points_must_add_up(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: replace("minimal", PROGRAMME, "ecvet_points: 3", "ecvet_points: 3.5")})
    assert found(root, "CUR220") == [("CUR220", PROGRAMME, 9)]


def test_decimal_points_add_up_exactly(make_project: MakeProject) -> None:
    root = make_project({
        PROGRAMME: replace("minimal", PROGRAMME, "ecvet_points: 3", "ecvet_points: 0.3"),
        UNIT1: replace("minimal", UNIT1, "ecvet_points: 1", "ecvet_points: 0.1"),
        UNIT2: replace("minimal", UNIT2, "ecvet_points: 2", "ecvet_points: 0.2"),
    })
    assert found(root, "CUR220") == []  # 0.1 + 0.2 == 0.3 in Decimal, not in float


def test_unit_level_above_programme(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "eqf_level: 6", "eqf_level: 7")})
    assert found(root, "CUR221") == [("CUR221", UNIT2, 4)]


def test_unit_level_far_below_programme_is_a_warning(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "eqf_level: 6", "eqf_level: 3")})
    assert found(root, "CUR222") == [("CUR222", UNIT2, 4)]


def test_target_above_scale(make_project: MakeProject) -> None:
    root = make_project({COMPETENCES: replace("minimal", COMPETENCES, "{manager: 1}", "{manager: 3}")})
    assert found(root, "CUR223") == [("CUR223", COMPETENCES, 16)]


def test_rating_scale_must_count_from_zero(make_project: MakeProject) -> None:
    root = make_project({COMPETENCES: replace("minimal", COMPETENCES, "level: 1,", "level: 5,")})
    assert found(root, "CUR224") == [("CUR224", COMPETENCES, 1)]


def test_month_outside_duration(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: replace("minimal", PROGRAMME, "{code: U02, months: [2]}", "{code: U02, months: [2, 3]}")})
    assert found(root, "CUR230") == [("CUR230", PROGRAMME, 19)]


def test_every_month_has_work(make_project: MakeProject) -> None:
    root = make_project({PROGRAMME: replace("minimal", PROGRAMME, "duration_months: 2", "duration_months: 3")})
    assert found(root, "CUR231") == [("CUR231", PROGRAMME, 17)]


def test_unit_months_match_schedule(make_project: MakeProject) -> None:
    root = make_project({UNIT1: replace("minimal", UNIT1, "months: [1]", "months: [2]")})
    assert found(root, "CUR232") == [("CUR232", UNIT1, 7)]


# --- bodies ------------------------------------------------------------------------------------

def body_of(text: str) -> dict[str, str]:
    return {LESSON: lesson("id: U01-L1\ntitle: T\noutcome_ids: [U01-LO1, U01-LO3]\nminutes: 5\n", text)}


def test_link_to_unknown_lesson_and_case(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\n[x](lesson:U09-L1) and [y](case:nowhere)\n"))
    assert found(root, "CUR240") == [("CUR240", LESSON, 9)]
    assert found(root, "CUR241") == [("CUR241", LESSON, 9)]


def test_paths_may_not_escape_or_be_absolute(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\n![x](../../../../secret.png)\n\n[y](/etc/passwd)\n\n![z](C:\\img.png)\n"))
    assert found(root, "CUR242") == [("CUR242", LESSON, 9), ("CUR242", LESSON, 11), ("CUR242", LESSON, 13)]


def test_missing_image_and_missing_alt(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\n![](images/map.svg)\n\n![Chart](images/none.png)\n"))
    assert found(root, "CUR244") == [("CUR244", LESSON, 9)]
    assert found(root, "CUR243") == [("CUR243", LESSON, 11)]


def test_oversized_image(make_project: MakeProject) -> None:
    root = make_project({**body_of("## A\n\n![Big](images/big.png)\n"),
                         "modules/01-basics/images/big.png": b"\x89PNG" + b"0" * (5 * 1024 * 1024)})
    assert found(root, "CUR245") == [("CUR245", LESSON, 9)]


def test_symlink_out_of_project(make_project: MakeProject, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    root = make_project(body_of("## A\n\n![Out](images/out.png)\n"))
    (root / "modules/01-basics/images/out.png").symlink_to(outside)
    assert found(root, "CUR250") == [("CUR250", LESSON, 9)]


@pytest.mark.parametrize("html", [
    "<script>alert(1)</script>",
    '<iframe src="https://evil.example"></iframe>',
    '<span onmouseover="steal()">x</span>',
    '<div style="position:fixed">x</div>',
    "<object data=x></object>",
    "<style>body{}</style>",
])
def test_unsafe_raw_html(make_project: MakeProject, html: str) -> None:
    root = make_project(body_of(f"## A\n\n{html}\n"))
    assert found(root, "CUR246") == [("CUR246", LESSON, 9)]


def test_safe_raw_html_and_code_are_fine(make_project: MakeProject) -> None:
    root = make_project(body_of('## A\n\n<abbr title="x">X</abbr> `<script>` and\n\n```html\n<script></script>\n```\n'))
    assert found(root, "CUR246") == []


def test_unsupported_link_scheme(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\n[x](javascript:alert(1)) [y](data:text/html,hi)\n"))
    assert [c for c, _, _ in found(root, "CUR247")] == ["CUR247", "CUR247"]


def test_outcome_should_start_with_action_verb(make_project: MakeProject) -> None:
    root = make_project({UNIT2: replace("minimal", UNIT2, "Describe how", "Knowledge of how")})
    assert found(root, "CUR248") == [("CUR248", UNIT2, 10)]


def test_headings_in_order(make_project: MakeProject) -> None:
    root = make_project(body_of("# Title again\n\n## Fine\n\n#### Skipped\n"))
    assert found(root, "CUR249") == [("CUR249", LESSON, 7), ("CUR249", LESSON, 11)]


def test_broken_project_reports_every_problem_at_once() -> None:
    root = PROJECTS / "broken"
    expected = (root / "expected.txt").read_text().split("\n")
    actual = [f"{file}:{line or ''} {code}" for code, file, line in found(root)]
    assert actual == [line for line in expected if line]


def test_every_code_used_is_documented() -> None:
    from generator.diagnostics import CODES

    source = "\n".join(p.read_text() for p in (Path(__file__).parent.parent / "generator").rglob("*.py"))
    used = set(__import__("re").findall(r'"(CUR\d{3})"', source))
    assert used <= set(CODES)
    assert set(codes(PROJECTS / "minimal")) == {"CUR268"}


def test_synthetic_curriculum_is_clean_and_sized_as_asked(tmp_path: Path) -> None:
    from generator import load_project
    from generator.synthetic import write_synthetic_curriculum

    root = write_synthetic_curriculum(tmp_path / "syn", 45, lessons_per_unit=20)
    assert found(root) == []
    course, _ = load_project(root)
    assert len(course.lessons) == 45 and len(course.units) == 3


# --- quizzes -----------------------------------------------------------------------------------

QUIZ = "modules/01-basics/quiz.yaml"


def quiz_with(old: str, new: str) -> dict[str, str]:
    return {QUIZ: replace("minimal", QUIZ, old, new)}


def test_single_choice_needs_exactly_one_correct_option(make_project: MakeProject) -> None:
    wrong = "      - text: A single large company\n"
    root = make_project(quiz_with(wrong, wrong + "        correct: true\n"))
    assert found(root, "CUR260") == [("CUR260", QUIZ, 4)]


def test_multiple_choice_needs_a_correct_option(make_project: MakeProject) -> None:
    root = make_project({QUIZ: replace("minimal", QUIZ, "correct: true, feedback: Yes.}", "feedback: Yes.}")})
    assert found(root, "CUR261") == [("CUR261", QUIZ, 16)]


def test_question_type_needs_its_fields(make_project: MakeProject) -> None:
    root = make_project(quiz_with("    answer: true\n", ""))
    assert found(root, "CUR262") == [("CUR262", QUIZ, 25)]


def test_question_may_not_set_another_types_fields(make_project: MakeProject) -> None:
    root = make_project(quiz_with("    answer: true\n", "    answer: true\n    answers: [maybe]\n"))
    assert found(root, "CUR263") == [("CUR263", QUIZ, 30)]


def test_question_assesses_only_its_units_outcomes(make_project: MakeProject) -> None:
    root = make_project(quiz_with("outcome_ids: [U01-LO3]", "outcome_ids: [U01-LO3, U02-LO1]"))
    assert found(root, "CUR264") == [("CUR264", QUIZ, 52)]


def test_every_outcome_is_assessed_by_a_question(make_project: MakeProject) -> None:
    root = make_project(quiz_with("outcome_ids: [U01-LO3]", "outcome_ids: [U01-LO1]"))
    assert found(root, "CUR265") == [("CUR265", UNIT1, 17)]


def test_unit_without_quiz_is_a_warning(make_project: MakeProject) -> None:
    root = make_project({"modules/02-practice/quiz.yaml": None})
    assert found(root, "CUR266") == [("CUR266", UNIT2, 1)]


def test_matching_items_must_differ(make_project: MakeProject) -> None:
    root = make_project(quiz_with("{left: Agency, right: Funding}", "{left: Agency, right: research}"))
    assert found(root, "CUR267") == [("CUR267", QUIZ, 42)]


def test_duplicate_question_ids(make_project: MakeProject) -> None:
    root = make_project(quiz_with("id: U01-Q2", "id: U01-Q1"))
    assert found(root, "CUR201") == [("CUR201", QUIZ, 16)]


# --- regressions found in review -----------------------------------------------------------------

def test_raw_html_split_across_lines_is_still_caught(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\nText <span\ntitle=x onclick=alert(1)>y</span>\n"))
    assert found(root, "CUR246") == [("CUR246", LESSON, 10)]  # the onclick, on the line that holds it


def test_translations_are_checked_like_their_sources(make_project: MakeProject) -> None:
    root = make_project({"modules/01-basics/02-mapping.de.md": "---\ntitle: T\ntranslated_from: 'abcdef012345'\n---\n"
                         "## A\n\n<script>x()</script> ![Karte](images/none.png)\n"})
    assert {c for c, f, _ in found(root) if f == "modules/01-basics/02-mapping.de.md"} >= {"CUR246", "CUR243"}


def test_quiz_text_is_checked_like_lesson_text(make_project: MakeProject) -> None:
    root = make_project(quiz_with("text: What is a cluster?", "text: 'What is a <iframe src=x></iframe> cluster?'"))
    assert found(root, "CUR246") == [("CUR246", QUIZ, 7)]


def test_quizzes_cannot_show_images(make_project: MakeProject) -> None:
    root = make_project(quiz_with("text: What is a cluster?", "text: 'See ![map](images/map.svg)'"))
    assert found(root, "CUR269") == [("CUR269", QUIZ, 7)]


def test_a_link_to_a_folder_is_not_a_file(make_project: MakeProject) -> None:
    root = make_project(body_of("## A\n\n[the images](images/)\n"))
    assert found(root, "CUR243") == [("CUR243", LESSON, 9)]


def test_more_options_than_letters_are_refused(make_project: MakeProject) -> None:
    options = "".join(f"      - text: Option {n}\n" for n in range(27))
    root = make_project(quiz_with("      - text: A trade fair\n", "      - text: A trade fair\n" + options))
    assert ("CUR262", QUIZ, 4) in found(root)


def test_a_huge_numerical_tolerance_does_not_break_check(make_project: MakeProject) -> None:
    root = make_project(quiz_with("    value: 50\n    tolerance: 5", "    value: 1e30\n    tolerance: 1e29"))
    assert [c for c, _, _ in found(root)] == ["CUR268", "CUR268"]


def test_ids_must_differ_across_lessons_cases_and_units(make_project: MakeProject) -> None:
    root = make_project({"case_studies/energy.md": replace("minimal", "case_studies/energy.md", "id: energy", "id: U01-L2")})
    assert found(root, "CUR201") == [("CUR201", "case_studies/energy.md", 2)]


def test_destinations_in_angle_brackets_are_checked(make_project: MakeProject) -> None:
    """Regression (review): '![](<a b.png>)' escaped the line scan, so its alt text and file went unchecked."""
    root = make_project(body_of("## A\n\n![](<images/no such.png>)\n"))
    assert sorted(c for c, _, _ in found(root) if c != "CUR268") == ["CUR243", "CUR244"]
