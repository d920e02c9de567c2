"""Validate stage, incremental: checks a package passed before, recognised by everything they read.

A rebuilt package differs from its last build in a few entries (the edited lesson's page); validating it whole
again would inflate every entry to check its CRC and walk the unchanged manifest again. A `Passed` holds the
checks that passed when the package was last validated, each named by a digest (a "fact") over every byte the
check reads and every field it looks at, salted with the compiler and the schemas. A check whose fact is known
would give the same verdict again, so it is skipped; a check with no fact, or a new one, runs as usual.

Only the build uses this, for packages it assembled itself; `curriculum validate` always checks everything.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from typing import Final

from generator.cache import Salted, digest

_CHUNK: Final = 1 << 20


class Passed:
    """The facts known to have passed (`known`), and those that passed in this validation (`now`)."""

    def __init__(self, salt: str, known: Iterable[str] = ()) -> None:
        self.salt = salt
        self._entry = Salted(salt, "entry")  # the hot path: one fact per entry
        self.known = frozenset(known)
        self.now: set[str] = set()
        self.intact: dict[str, str] = {}
        """The fact of each entry read back intact, by name: it names the entry's bytes, for facts about them."""

    def fact(self, check: str, *parts: str | bytes) -> str:
        return digest(self.salt, check, *parts)

    def already(self, fact: str) -> bool:
        """Whether `fact` passed before (it then counts as passed now)."""
        if fact in self.known:
            self.now.add(fact)
            return True
        return False

    def passed(self, fact: str) -> None:
        self.now.add(fact)

    def entry_fact(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: bytes) -> str | None:
        """The fact of reading `info` back intact: its local `header` (with name and extra field, as stored) and
        compressed bytes, and the central directory fields zipfile checks them against (name, flags, method, CRC,
        sizes); None when the bytes cannot be read whole.

        zipfile's verdict on an entry depends on nothing else (that it does not overlap the next entry is checked
        before, on every validation: `entries._overlapping`), so equal facts mean equal verdicts.
        """
        if archive.fp is None:
            return None
        archive.fp.seek(info.header_offset + len(header))
        fields = repr((info.filename, info.orig_filename, info.flag_bits, info.compress_type, info.CRC,
                       info.file_size, info.compress_size))
        fact = self._entry.hasher(fields, header, then=info.compress_size)
        remaining = info.compress_size
        while remaining > 0:  # in chunks: a large media file is not copied whole
            chunk = archive.fp.read(min(remaining, _CHUNK))
            if not chunk:
                return None
            fact.update(chunk)
            remaining -= len(chunk)
        return fact.hexdigest()
