"""Package stage helper: IEEE LOM metadata, shared by SCORM 2004, IMS CP and both Common Cartridges.

The three bindings have the same element structure in different namespaces, so one builder serves all.
ECVET and EQF travel as LOM classifications: the EQF level as `educational level`, each learning
outcome as an `educational objective` with its kind and text, and the ECVET points as `competency`.
"""

from __future__ import annotations

from lxml import etree
from lxml.builder import ElementMaker

from generator.formats.base import Job
from generator.numbers import plain_decimal


def build_lom(job: Job, namespace: str, prefix: str, *, cartridge: bool = False) -> etree._Element:
    """IEEE LOM; `cartridge` keeps to the Common Cartridge manifest profile (no version, no learning time)."""
    E = ElementMaker(namespace=namespace, nsmap={prefix: namespace})
    lang = job.language

    def text(value: str) -> etree._Element:
        return E.string(value, language=lang)

    def vocabulary(tag: str, value: str) -> etree._Element:
        return E(tag, E.source("LOMv1.0"), E.value(value))

    points = plain_decimal(job.ecvet_points)
    general = E.general(
        E.identifier(E.catalog("URI"), E.entry(f"urn:curriculum:{job.ident}")),
        E.title(text(job.title)),
        E.language(lang),
        E.description(text(job.description)),
        *[E.keyword(text(k)) for k in job.programme.keywords],
    )
    life_cycle = E.lifeCycle(E.version(text(job.programme.version)))
    educational = E.educational(
        vocabulary("intendedEndUserRole", "learner"),
        vocabulary("context", "training"),
        *([] if cartridge else [E.typicalLearningTime(E.duration(f"PT{job.workload_hours}H"))]),
        E.language(lang),
    )
    rights = E.rights(
        vocabulary("cost", "no"),
        vocabulary("copyrightAndOtherRestrictions", "yes"),
        E.description(text(f"Licence: {job.programme.licence}")),
    )
    classifications = [
        E.classification(
            vocabulary("purpose", "educational level"),
            E.taxonPath(E.source(text("European Qualifications Framework (EQF)")),
                        E.taxon(E.id(f"EQF{job.eqf_level}"), E.entry(text(f"EQF level {job.eqf_level}")))),
        ),
        E.classification(
            vocabulary("purpose", "competency"),
            E.taxonPath(E.source(text("ECVET")),
                        *[E.taxon(E.id(u.code), E.entry(text(f"Unit {u.code}: {u.unit.title}")))
                          for u in job.units]),
            E.description(text(f"{points} ECVET points")),
        ),
    ]
    classifications += [
        E.classification(
            vocabulary("purpose", "educational objective"),
            E.taxonPath(E.source(text("Learning outcomes")),
                        E.taxon(E.id(o.id), E.entry(text(o.kind)))),
            E.description(text(o.text)),
        )
        for o in job.outcomes
    ]
    parts = [general] if cartridge else [general, life_cycle]
    return E.lom(*parts, educational, rights, *classifications)


def build_cc11_lom(job: Job, namespace: str, prefix: str) -> etree._Element:
    """The Common Cartridge 1.1 manifest LOM profile: vocabularies without sources, one taxon per path."""
    E = ElementMaker(namespace=namespace, nsmap={prefix: namespace})
    lang = job.language

    def text(value: str) -> etree._Element:
        return E.string(value, language=lang)

    def taxon(ident: str, entry: str) -> etree._Element:
        return E.taxonPath(E.taxon(E.id(ident), E.entry(text(entry))))

    points = plain_decimal(job.ecvet_points)
    return E.lom(
        E.general(E.title(text(job.title)), E.language(lang), E.description(text(job.description)),
                  *[E.keyword(text(k)) for k in job.programme.keywords]),
        E.rights(E.copyrightAndOtherRestrictions(E.value("yes")),
                 E.description(text(f"Licence: {job.programme.licence}"))),
        E.classification(E.purpose(E.value("educational level")),
                         taxon(f"EQF{job.eqf_level}", f"European Qualifications Framework level {job.eqf_level}")),
        E.classification(E.purpose(E.value("competency")),
                         *[taxon(u.code, f"ECVET unit {u.code}: {u.unit.title}") for u in job.units],
                         E.description(text(f"{points} ECVET points"))),
        *[E.classification(E.purpose(E.value("educational objective")), taxon(o.id, o.kind),
                           E.description(text(o.text)))
          for o in job.outcomes],
    )
