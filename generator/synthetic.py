"""A synthetic curriculum of any size, for benchmarks and tests: valid, so `check --strict` passes."""

from __future__ import annotations

from pathlib import Path

PARAGRAPH = ("Cluster managers bring companies, research and public bodies together around shared goals. "
             "This paragraph stands in for real lesson text of realistic length. ") * 6


def write_synthetic_curriculum(root: Path, lessons: int, lessons_per_unit: int = 20) -> Path:
    """Write a curriculum with `lessons` lessons (about 450 words each) spread over 12 months."""
    units = max(1, -(-lessons // lessons_per_unit))
    (root / "curriculum").mkdir(parents=True, exist_ok=True)
    schedule = "\n".join(f"  - {{code: U{u:02d}, months: [{u % 12 + 1}]}}" for u in range(units))
    months_used = {u % 12 + 1 for u in range(units)}
    duration = 12 if len(months_used) == 12 else len(months_used)
    (root / "curriculum/programme.yaml").write_text(
        f"id: synthetic\ntitle: Synthetic Programme\ndescription: A generated programme.\ndate: \"2026-01-01\"\n"
        f"duration_months: {duration}\neqf_level: 6\necvet_points: {units}\ndelivery_mode: online\n"
        f"licence: CC0-1.0\ncareer_paths:\n  - {{id: manager, title: Manager}}\nunits:\n{schedule}\n",
        encoding="utf-8")
    (root / "curriculum/competences.yaml").write_text(
        "rating_scale:\n  - {level: 0, label: Not yet, description: Not yet.}\n"
        "  - {level: 1, label: Able, description: Able.}\nactivity_fields:\n  - id: F01\n    title: Field\n"
        "    skills:\n      - id: F01.S01\n        title: A skill\n        importance: {DE: '+', FR: '+', CH: '+'}\n"
        "        target_levels: {manager: 1}\n", encoding="utf-8")
    written = 0
    for u in range(units):
        folder = root / "modules" / f"{u:02d}-unit"
        folder.mkdir(parents=True, exist_ok=True)
        code = f"U{u:02d}"
        (folder / "unit.yaml").write_text(
            f"code: {code}\ntitle: Unit {u}\nsummary: Generated unit {u}.\neqf_level: 6\necvet_points: 1\n"
            f"workload_hours: 25\nlearning_outcomes:\n"
            f"  - {{id: {code}-LO1, kind: knowledge, text: Explain topic {u}., skill_ids: [F01.S01]}}\n"
            f"  - {{id: {code}-LO2, kind: skills, text: Apply topic {u}.}}\n"
            f"  - {{id: {code}-LO3, kind: competence, text: Lead work on topic {u}.}}\n"
            f"assessment:\n  method: Essay\n  evidence: An essay.\n  criteria: [Clear.]\n"
            f"  outcome_ids: [{code}-LO1, {code}-LO2, {code}-LO3]\n", encoding="utf-8")
        (folder / "quiz.yaml").write_text(_quiz(code), encoding="utf-8")
        count = min(lessons_per_unit, lessons - written)
        for n in range(1, count + 1):
            link = f"[previous](lesson:{code}-L{n - 1})" if n > 1 else "the first lesson"
            (folder / f"{n:02d}-lesson.md").write_text(
                f"---\nid: {code}-L{n}\ntitle: Lesson {n} of unit {u}\noutcome_ids: [{code}-LO{(n - 1) % 3 + 1}"
                f"{', ' + code + '-LO2, ' + code + '-LO3' if n == 1 else ''}]\nminutes: 30\n---\n"
                f"## Concepts\n\n{PARAGRAPH}\n\nSee {link}.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
                f"!!! tip \"Try it\"\n    {PARAGRAPH}\n\n## Practice\n\n{PARAGRAPH}\n", encoding="utf-8")
        written += count
    return root


def _quiz(code: str) -> str:
    return (f"questions:\n"
            f"  - {{id: {code}-Q1, type: single, outcome_ids: [{code}-LO1], text: Pick one.,"
            f" options: [{{text: Right, correct: true, feedback: Yes.}}, {{text: Wrong, feedback: No.}}]}}\n"
            f"  - {{id: {code}-Q2, type: multiple, outcome_ids: [{code}-LO2], text: Pick some.,"
            f" options: [{{text: A, correct: true}}, {{text: B, correct: true}}, {{text: C}}]}}\n"
            f"  - {{id: {code}-Q3, type: true-false, outcome_ids: [{code}-LO3], text: True?, answer: true}}\n"
            f"  - {{id: {code}-Q4, type: short, outcome_ids: [{code}-LO1], text: Name it., answers: [cluster]}}\n"
            f"  - {{id: {code}-Q5, type: essay, outcome_ids: [{code}-LO3], text: Discuss., guidance: Any.}}\n")
