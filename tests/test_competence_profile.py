"""The real competence profile matches seed 004 and the schemas in schemas/ match the model."""

from __future__ import annotations

import re

import pytest
import yaml

from generator.jsonschema import stale_schemas
from helpers import REPO, SHARED

SEED = next((SHARED / "seeds").glob("004_*.txt"), None) if (SHARED / "seeds").is_dir() else None


def seed_ratings() -> dict[str, tuple[str, str, str]]:
    """Skill id -> (DE, FR, CH) read from the workshop tables of seed 004."""
    assert SEED is not None
    ratings = {}
    field = 0
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if re.match(r"<b>Tätigkeitsfeld (\d+)", line):
            field = int(re.match(r"<b>Tätigkeitsfeld (\d+)", line).group(1))  # type: ignore[union-attr]
            continue
        row = re.match(r"^(\d+)\. .*\t(\+\+|\+|-|--)\t(\+\+|\+|-|--)\t(\+\+|\+|-|--)\s*$", line)
        if row and field:
            ratings[f"F{field:02d}.S{int(row.group(1)):02d}"] = (row.group(2), row.group(3), row.group(4))
    return ratings


@pytest.mark.skipif(SEED is None, reason="the seeds live in ../shared beside the checkout")
def test_profile_has_every_skill_and_rating_of_seed_004() -> None:
    profile = yaml.safe_load((REPO / "curriculum/competences.yaml").read_text(encoding="utf-8"))
    ours = {s["id"]: (s["importance"]["DE"], s["importance"]["FR"], s["importance"]["CH"])
            for f in profile["activity_fields"] for s in f["skills"]}
    seed = seed_ratings()
    assert len(seed) == 61 and len(profile["activity_fields"]) == 10
    assert ours == seed


def test_json_schemas_are_current() -> None:
    assert stale_schemas(REPO / "schemas") == [], "run: python -m generator.jsonschema"
