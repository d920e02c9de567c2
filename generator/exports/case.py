"""Export stage: the competence profile and the units' outcomes as a 1EdTech CASE 1.0 package (CFPackage JSON).

Tree: the CFDocument (programme) has the activity fields and the units as children; skills are children of
their field, outcomes of their unit (`isChildOf`, child → parent). An outcome is also `isRelatedTo` each
skill it develops. Identifiers are UUIDv5 of our ids, so a re-export updates rather than duplicates.
"""

from __future__ import annotations

import json
import uuid
from pathlib import PurePosixPath
from typing import ClassVar, Final

from generator.diagnostics import Diagnostic
from generator.exports.base import ExportFile
from generator.model import Curriculum, Programme
from generator.numbers import plain_decimal

NAMESPACE: Final = uuid.UUID("ea54b775-a0cf-5057-8235-78b8b54112a8")
"""uuid5(NAMESPACE_URL, "urn:curriculum-compiler:case"). Never change it: every identifier derives from it."""
ITEM_TYPES: Final = {"field": "Activity Field", "skill": "Skill", "unit": "Unit", "outcome": "Learning Outcome"}
"""CFItemType values, in hierarchy order."""

Json = dict[str, object]


class CasePackage:
    name: ClassVar[str] = "case"
    label: ClassVar[str] = "1EdTech CASE 1.0 package (JSON)"

    def files(self, course: Curriculum, diags: list[Diagnostic]) -> list[ExportFile]:
        assert course.programme is not None
        data = json.dumps(case_package(course), indent=2, ensure_ascii=False) + "\n"
        return [ExportFile(PurePosixPath(f"{course.programme.id}-case.json"), data.encode("utf-8"))]


def identifier(programme: Programme, *parts: str) -> str:
    """A stable UUIDv5 for one of our ids, e.g. identifier(p, "item", "F01.S01")."""
    return str(uuid.uuid5(NAMESPACE, ":".join((programme.id, *parts))))


def case_package(course: Curriculum) -> Json:
    """The CFPackage: CFDocument, CFItems, CFAssociations and CFDefinitions (item types, licence)."""
    assert course.programme is not None and course.competences is not None
    builder = _Builder(course.programme)
    for position, field in enumerate(course.competences.activity_fields, start=1):
        builder.item("field", field.id, field.title, position, None)
        for index, skill in enumerate(field.skills, start=1):
            importance = ", ".join(f"{c} {getattr(skill.importance, c)}" for c in ("DE", "FR", "CH"))
            targets = ", ".join(f"{p} {level}" for p, level in sorted(skill.target_levels.items()))
            builder.item("skill", skill.id, skill.title, index, field.id,
                         notes=f"Importance (Upper Rhine workshop): {importance}. Target levels: {targets}.")
    skills = course.skills()
    offset = len(course.competences.activity_fields)
    for position, source in enumerate(course.units_in_order(), start=offset + 1):
        unit = source.unit
        builder.item("unit", unit.code, unit.title, position, None, abbreviated=unit.title,
                     notes=f"{' '.join(unit.summary.split())} EQF level {unit.eqf_level}; {plain_decimal(unit.ecvet_points)} "
                           f"ECVET points; {unit.workload_hours} hours of learner workload.")
        for index, outcome in enumerate(unit.learning_outcomes, start=1):
            builder.item("outcome", outcome.id, outcome.text, index, unit.code, notes=f"Kind: {outcome.kind}.")
            for skill_id in outcome.skill_ids:
                if skill_id in skills:
                    builder.relate(outcome.id, skill_id)
    scale = "; ".join(f"{r.level} {r.label} ({r.description.rstrip('.')})" for r in course.competences.rating_scale)
    return {"CFDocument": builder.document(scale), "CFItems": builder.items, "CFAssociations": builder.associations,
            "CFDefinitions": {"CFItemTypes": builder.item_types(), "CFLicenses": [builder.licence()]}}


class _Builder:
    """Collects items and associations; state only for the length of one export."""

    def __init__(self, programme: Programme) -> None:
        self.programme = programme
        self.changed = f"{programme.date.isoformat()}T00:00:00Z"
        self.items: list[Json] = []
        self.associations: list[Json] = []
        self.links: dict[str, Json] = {}
        self.doc_id = identifier(programme, "document")

    def link(self, ident: str, title: str) -> Json:
        return {"title": title, "identifier": ident, "uri": f"urn:uuid:{ident}"}

    def document_link(self) -> Json:
        return self.link(self.doc_id, self.programme.title)

    def item(self, kind: str, our_id: str, statement: str, position: int, parent: str | None, *,
             abbreviated: str = "", notes: str = "") -> None:
        ident = identifier(self.programme, "item", our_id)
        text = " ".join(statement.split())
        entry: Json = {"identifier": ident, "uri": f"urn:uuid:{ident}", "fullStatement": text}
        if abbreviated:
            entry["abbreviatedStatement"] = abbreviated
        entry |= {"humanCodingScheme": our_id, "listEnumeration": str(position), "CFItemType": ITEM_TYPES[kind],
                  "CFItemTypeURI": self.link(identifier(self.programme, "itemtype", kind), ITEM_TYPES[kind]),
                  "language": self.programme.languages[0], "CFDocumentURI": self.document_link(),
                  "lastChangeDateTime": self.changed}
        if notes:
            entry["notes"] = notes
        self.items.append(entry)
        self.links[our_id] = self.link(ident, f"{our_id} {text}"[:200])
        destination = self.links[parent] if parent else self.document_link()
        self.associate("isChildOf", our_id, destination, position)

    def relate(self, outcome_id: str, skill_id: str) -> None:
        self.associate("isRelatedTo", outcome_id, self.links[skill_id], None)

    def associate(self, kind: str, origin_id: str, destination: Json, sequence: int | None) -> None:
        ident = identifier(self.programme, "association", origin_id, kind, str(destination["identifier"]))
        entry: Json = {"identifier": ident, "uri": f"urn:uuid:{ident}", "associationType": kind}
        if sequence is not None:
            entry["sequenceNumber"] = sequence
        entry |= {"originNodeURI": self.links[origin_id], "destinationNodeURI": destination,
                  "CFDocumentURI": self.document_link(), "lastChangeDateTime": self.changed}
        self.associations.append(entry)

    def document(self, scale: str) -> Json:
        programme = self.programme
        lead = next((p.name for p in programme.partners if p.role.lower().startswith("lead")),
                    programme.partners[0].name if programme.partners else programme.title)
        licence = identifier(programme, "licence", programme.licence)
        return {"identifier": self.doc_id, "uri": f"urn:uuid:{self.doc_id}", "creator": lead,
                "title": programme.title, "lastChangeDateTime": self.changed, "publisher": lead,
                "description": " ".join(programme.description.split()), "subject": list(programme.keywords),
                "language": programme.languages[0], "version": programme.version,
                "licenseURI": self.link(licence, programme.licence),
                "notes": f"EQF level {programme.eqf_level}; {plain_decimal(programme.ecvet_points)} ECVET points. "
                         f"Self-assessment rating scale: {scale}"}

    def item_types(self) -> list[Json]:
        return [{"identifier": (ident := identifier(self.programme, "itemtype", kind)), "uri": f"urn:uuid:{ident}",
                 "title": title, "description": f"{title} of the {self.programme.title}", "hierarchyCode": str(level),
                 "typeCode": kind, "lastChangeDateTime": self.changed}
                for level, (kind, title) in enumerate(ITEM_TYPES.items(), start=1)]

    def licence(self) -> Json:
        spdx = self.programme.licence
        ident = identifier(self.programme, "licence", spdx)
        return {"identifier": ident, "uri": f"urn:uuid:{ident}", "title": spdx,
                "licenseText": f"Licensed under {spdx}; see https://spdx.org/licenses/{spdx}.html",
                "lastChangeDateTime": self.changed}
