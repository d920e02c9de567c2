"""Model: JSON Schemas of the YAML sources, generated from the pydantic models for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from pydantic import BaseModel

from generator.model import CaseStudyMeta, Competences, LessonMeta, Programme, Quiz, TranslationMeta, Unit

SCHEMAS: Final[dict[str, type[BaseModel]]] = {
    "programme": Programme,
    "competences": Competences,
    "unit": Unit,
    "quiz": Quiz,
    "lesson": LessonMeta,
    "case-study": CaseStudyMeta,
    "translation": TranslationMeta,
}


def render_schemas() -> dict[str, str]:
    """File name -> JSON text of every schema, deterministic."""
    rendered = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(mode="validation")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"{name}.schema.json", **schema}
        rendered[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return rendered


def stale_schemas(folder: Path) -> list[str]:
    """Names of schema files in `folder` that are missing or differ from the model."""
    return [name for name, text in render_schemas().items()
            if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text]


def write_schemas(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(name)
    return written


if __name__ == "__main__":
    for name in write_schemas(Path("schemas")):
        print(f"schemas/{name}")
