"""Package stage: the interface every output format implements, and what it is given to package."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal, Protocol

from lxml import etree

from generator.archive import ZipEntry
from generator.i18n import translations
from generator.model import Curriculum, LearningOutcome, Programme, UnitSource
from generator.numbers import plain_decimal
from generator.render.html import Style
from generator.render.site import Site

Scope = Literal["unit", "programme"]
JobScope = Literal["unit", "programme", "self-assessment"]
"""What one package holds: a unit, the programme, or only the programme's self-assessment."""
Container = Literal["zip", "tar.gz"]


@dataclass(frozen=True, slots=True)
class Job:
    """One package to write: the whole programme, or one unit of it."""

    course: Curriculum
    units: tuple[UnitSource, ...]
    scope: JobScope
    lang: str | None = None
    """Interface language; None means the programme's source language."""
    global_objectives: bool = False
    """SCORM 2004: map each outcome objective to a global objective (imsss:mapInfo). Off by default because
    Moodle refuses any package with mapInfo (rule `moodle-scorm2004-mapinfo` in generator/lms/rules.py)."""
    site_url: str | None = None
    """Where a partner hosts the static site (`build --format site`), without a trailing slash; None if nowhere."""

    @property
    def programme(self) -> Programme:
        assert self.course.programme is not None, "packaging needs a checked curriculum"
        return self.course.programme

    @property
    def ident(self) -> str:
        """Stable identifier of the package, from authored ids only (and the language, when not the source's)."""
        base = self.programme.id if self.language == self.programme.languages[0] else f"{self.programme.id}-{self.language}"
        if self.scope == "self-assessment":
            return f"{base}-self-assessment"
        return base if self.scope == "programme" else f"{base}-{self.units[0].code}"

    def gettext(self, message: str) -> str:
        """Translate an interface string (item titles and the like) into the package's language."""
        return translations(self.language).gettext(message)

    @property
    def title(self) -> str:
        if self.scope == "programme":
            return self.programme.title
        if self.scope == "self-assessment":
            return f"{self.programme.title}: {self.gettext('Self-assessment')}"
        unit = self.units[0]
        return f"{unit.code} {unit.unit.title}"

    @property
    def description(self) -> str:
        if self.scope == "programme":
            return self.programme.description
        if self.scope == "self-assessment":
            return self.gettext("Rate yourself on the skills of the competence profile, choose a career path and see "
                                "your largest gaps and the units of the programme that close them.")
        unit = self.units[0].unit
        facts = self.gettext("ECVET unit %(code)s of the %(programme)s: EQF level %(level)s, %(points)s ECVET points, "
                             "%(hours)s hours of learner workload.") % {
            "code": unit.code, "programme": self.programme.title, "level": unit.eqf_level,
            "points": plain_decimal(unit.ecvet_points), "hours": unit.workload_hours}
        return f"{unit.summary} {facts}"

    @property
    def language(self) -> str:
        return self.lang or self.programme.languages[0]

    @property
    def eqf_level(self) -> int:
        return self.units[0].unit.eqf_level if self.scope == "unit" else self.programme.eqf_level

    @property
    def ecvet_points(self) -> Decimal:
        return sum((u.unit.ecvet_points for u in self.units), start=Decimal(0))

    @property
    def workload_hours(self) -> int:
        return sum(u.unit.workload_hours for u in self.units)

    @property
    def outcomes(self) -> tuple[LearningOutcome, ...]:
        return tuple(o for u in self.units for o in u.unit.learning_outcomes)

    def global_objective(self, outcome_id: str) -> str:
        """Global objective id shared by every SCO that teaches or assesses an outcome."""
        return f"urn:curriculum:{self.programme.id}:{outcome_id}"


class Packager(Protocol):
    """One output format. `manifest` builds its manifest file (`manifest_name`); `entries` yields every other file."""

    name: ClassVar[str]
    """CLI value, e.g. `scorm2004`."""
    label: ClassVar[str]
    """Human name with version, e.g. `SCORM 2004 4th Edition`."""
    style: ClassVar[Style]
    """Which HTML rendering the pages use."""
    extension: ClassVar[str]
    """File extension of the package, with the dot."""
    scopes: ClassVar[tuple[Scope, ...]]
    """Scopes it supports; the first is the default."""
    manifest_name: ClassVar[str]
    """Path of the manifest inside the package, e.g. `imsmanifest.xml`; written first."""
    container: ClassVar[Container]
    """Archive kind: `zip`, or `tar.gz` (a Moodle backup)."""

    def manifest(self, job: Job, site: Site) -> etree._Element: ...

    def entries(self, job: Job, site: Site) -> Iterator[ZipEntry]: ...
