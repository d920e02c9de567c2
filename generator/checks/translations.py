"""Check stage: every lesson and case study is translated into the programme's other languages, and current."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Diagnostic, warning
from generator.model import CaseStudy, Curriculum, Lesson


def check_translations(course: Curriculum) -> Iterator[Diagnostic]:
    """Diagnostics: CUR270, CUR271, CUR273."""
    if not course.programme:
        return
    wanted = course.programme.languages[1:]
    documents: list[Lesson | CaseStudy] = [*course.lessons, *course.case_studies]
    for item in documents:
        for lang in wanted:
            if item.translation(lang) is None:
                target = item.file.with_name(f"{item.file.stem}.{lang}.md")
                yield warning("CUR270", f"'{item.file}' has no '{lang}' translation", item.file, 1,
                              hint=f"Create {target} with 'title' and 'translated_from: \"{item.source_hash}\"'.")
        for translation in item.translations:
            if translation.lang not in course.programme.languages:
                yield warning("CUR273", f"'{translation.file}' translates into '{translation.lang}', which the "
                                        f"programme does not declare", translation.file, 1,
                              hint=f"Add '{translation.lang}' to 'languages' in curriculum/programme.yaml, "
                                   f"or remove the file.")
            elif translation.meta.translated_from != item.source_hash:
                yield warning("CUR271", f"'{translation.file}' is stale: '{item.file}' changed after it was translated",
                              translation.file, translation.positions.line("translated_from"),
                              hint=f"Update the translation, then set 'translated_from: \"{item.source_hash}\"'.")
