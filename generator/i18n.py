"""Render stage helper: interface translations from gettext catalogues (Babel), and content language hashes.

Catalogues live as `.po` files under generator/locale/<lang>/LC_MESSAGES/messages.po and are compiled
in memory when first used, so nothing compiled is kept in the repository. English is the source
language of every interface string.
"""

from __future__ import annotations

import gettext
import hashlib
import io
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE_LANGUAGE: Final = "en"
DOMAIN: Final = "messages"


def interface_languages() -> list[str]:
    """Languages the interface is available in: English plus every catalogue shipped."""
    locale = resources.files("generator").joinpath("locale")
    shipped = sorted(entry.name for entry in locale.iterdir() if entry.joinpath("LC_MESSAGES", f"{DOMAIN}.po").is_file())
    return [SOURCE_LANGUAGE, *shipped]


@lru_cache(maxsize=16)
def translations(lang: str) -> gettext.NullTranslations:
    """The interface catalogue for `lang` (English needs none)."""
    if lang == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    po = resources.files("generator").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as stream:
        catalog = read_po(stream, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction; it is translated later, where the language is known."""
    return message


def translate_all(messages: Mapping[str, str], lang: str) -> dict[str, str]:
    tr = translations(lang)
    return {key: tr.gettext(text) for key, text in messages.items()}


def source_hash(text: str) -> str:
    """Short fingerprint of a source file, which a translation records to tell when it went stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
