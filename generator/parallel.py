"""Build, parallel and incremental: render → package → validate each group of packages in its own process.

Packages that share a rendering (same page style and units) form a group: the group renders its site once,
deflates each page once for all its packages (three formats ship the same pages), then validates each package.
Groups are independent (no shared mutable state: each worker gets the checked curriculum once, as bytes), so
they run in a process pool and the result, gathered in plan order, is the same bytes as `--jobs 1` gives.
With a cache, a group takes unchanged units, deflated files and already validated packages from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from lxml import etree

from generator.cache import Cache, compiler_digest, digest, folder_digest, pack, unpack
from generator.diagnostics import Diagnostic
from generator.formats.base import Job, Packager
from generator.lms import RULES, Finding, check_lms, inspect_bytes
from generator.lms.rules import Hit
from generator.mdmemo import ACTIVE_MEMO, Memo
from generator.model import Curriculum
from generator.render.html import Style
from generator.render.site import Site
from generator.rendercache import KIND as UNITS
from generator.rendercache import CachingRenderer, render_site_cached
from generator.validate import PackageReport
from generator.validate.memo import Passed
from generator.workers import balanced_chunks, fork_context, forking
from generator.zipwriter import Deflated, assemble_zip

MIN_PARALLEL_PAGES: Final = 600
"""Below this many pages to render (over all groups), starting forkserver workers costs more than it saves: a
100-lesson programme (2 groups of about 105 pages) builds faster in one process (measured on 2 cores)."""
DEFER_BELOW_GROUPS_PER_JOB: Final = 2
"""With fewer groups than this per worker (a programme build), each group's packages are validated by whichever
worker is free, not by the worker that assembled them: the groups are of unequal size (3 packages and 2)."""
MIN_FORKED_PAGES: Final = 150
"""The same for forked workers, which cost a few milliseconds each (measured on 2 cores)."""


@dataclass(frozen=True, slots=True)
class Planned:
    """One package of the plan: which packager, which job, and its file name."""

    packager: Packager
    job: Job
    name: str


@dataclass(frozen=True, slots=True)
class Output:
    name: str
    data: bytes
    report: PackageReport
    cached: bool
    """Taken from the cache (neither assembled nor validated again)."""
    refused: tuple[Diagnostic, ...] = ()
    """Files the rendering refused (issue #17): the package is not written, and these say why."""
    lms: tuple[LmsRow, ...] = ()
    """What the LMSs of `Settings.lms` refuse or change, as `findings` reads it (plain data: crosses processes)."""

    def findings(self) -> tuple[Finding, ...]:
        return findings_of(self.lms)


@dataclass(frozen=True, slots=True)
class Settings:
    """What every group needs besides the curriculum; small and picklable."""

    schemas: Path | None
    epoch: int | None
    lang: str | None
    cache: Path | None
    site_url: str | None = None
    lms: tuple[str, ...] = ()
    """LMSs whose rules each package is checked against (generator/lms)."""


Progress = Callable[[str], None]


def build_packages(course: Curriculum, plan: Sequence[Planned], settings: Settings, jobs: int,
                   done: Progress | None = None) -> list[Output]:
    """Render, package and validate every planned package; outputs in plan order."""
    groups = _groups(plan)
    _LEARNED.clear()
    results: dict[int, list[Output | Assembled]] = {}
    if _worth_workers(groups, jobs):
        try:
            _in_workers(course, groups, settings, jobs, results, done)
        except (BrokenProcessPool, OSError):
            pass  # workers could not start (e.g. a script without `if __name__ == "__main__"`, which the
            # forkserver imports again): the groups not done yet are packaged here, giving the same bytes
    for index, group in enumerate(groups):
        if index not in results:
            results[index] = _package_group(course, group, settings)
            _report(results[index], done)
    by_name = {o.name: _checked(o, settings, done) for outputs in results.values() for o in outputs}
    return [by_name[p.name] for p in plan]


def _checked(package: Output | Assembled, settings: Settings, done: Progress | None) -> Output:
    """An output; a package assembled by a worker whose validation was cut short is validated here."""
    if isinstance(package, Output):
        return package
    output = _worker_inspect(package, settings)
    _report([output], done)
    return output


def _worth_workers(groups: list[list[Planned]], jobs: int) -> bool:
    if jobs < 2 or len(groups) < 2:
        return False
    pages = sum(len(u.lessons) + 1 for group in groups for u in group[0].job.units)
    if fork_context() is not None:
        return pages >= MIN_FORKED_PAGES
    # measured on 2 cores: two groups (a programme build) gain nothing from two forkserver workers once their
    # start-up (imports, the curriculum sent over) is paid; more groups (per-unit packages) or more cores do
    return pages >= MIN_PARALLEL_PAGES and (len(groups) > 2 or jobs > 2)


def _in_workers(course: Curriculum, groups: list[list[Planned]], settings: Settings, jobs: int,
                results: dict[int, list[Output | Assembled]], done: Progress | None) -> None:
    with contextlib.ExitStack() as stack:
        if settings.cache is None and jobs > len(groups):  # workers then hand units over through a private cache
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="curriculum-build-"))
            settings = dataclasses.replace(settings, cache=Path(folder))
        pool = stack.enter_context(_pool(course, jobs, settings.lang))
        if jobs > len(groups):
            # more workers than groups: first render the units no cache entry holds on every worker, so that
            # each group then takes its units from the cache (on 2 cores this costs more than it gains)
            chunks = _unit_chunks(course, groups, settings, jobs)
            for rendered in [pool.submit(_worker_render, chunk, settings) for chunk in chunks]:
                rendered.result()
        order = sorted(range(len(groups)), key=lambda i: -_weight(groups[i]))  # big groups first: balance
        defer = len(groups) < DEFER_BELOW_GROUPS_PER_JOB * jobs
        pending: dict[Future[Any], tuple[int, int | None]] = {  # (group, None), or (group, package) to validate
            pool.submit(_worker_group, [_portable(p) for p in groups[i]], settings, defer): (i, None) for i in order}
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index, position = pending.pop(future)
                if position is None:
                    results[index] = future.result()
                    _report(results[index], done)
                    pending.update({pool.submit(_worker_inspect, package, settings): (index, at)
                                    for at, package in enumerate(results[index]) if isinstance(package, Assembled)})
                else:
                    results[index][position] = future.result()
                    _report([results[index][position]], done)


@contextlib.contextmanager
def _pool(course: Curriculum, jobs: int, lang: str | None) -> Iterator[ProcessPoolExecutor]:
    """Forked workers that inherit the curriculum where forking is safe (generator/workers.py), else forkserver
    workers that each receive it pickled."""
    global _COURSE
    forked = fork_context()
    if forked is not None:
        _compile_templates(course, lang)
        _COURSE = course
        try:
            with forking(), ProcessPoolExecutor(jobs, mp_context=forked) as pool:
                yield pool
        finally:
            _COURSE = None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.parallel"])
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker,
                             initargs=(pickle.dumps(course, protocol=pickle.HIGHEST_PROTOCOL),)) as pool:
        yield pool


def _compile_templates(course: Curriculum, lang: str | None) -> None:
    """Compile the page templates here, once, rather than in every forked worker."""
    from generator.render.html import compile_templates

    assert course.programme is not None
    compile_templates(lang or course.programme.languages[0])


RenderItem = tuple[str, str | None, tuple[str, ...], str]
"""(style, lang, the units of the rendering, the unit to render)."""


def _unit_chunks(course: Curriculum, groups: list[list[Planned]], settings: Settings,
                 jobs: int) -> list[list[RenderItem]]:
    """The units whose pages no cache entry holds, in about 4 chunks per worker of similar size (in lessons)."""
    assert settings.cache is not None
    cache = Cache(settings.cache)
    todo: list[tuple[int, RenderItem]] = []
    for group in groups:
        job = group[0].job
        renderer = CachingRenderer(course, group[0].packager.style, job.units, settings.lang, cache, settings.site_url)
        codes = tuple(u.code for u in job.units)
        todo += [(len(unit.lessons) + 1, (renderer.style, settings.lang, codes, unit.code))
                 for unit in job.units if not cache.has(UNITS, renderer.unit_key(unit))]
    return balanced_chunks(todo, jobs * 4)


def _worker_render(items: list[RenderItem], settings: Settings) -> None:
    assert _COURSE is not None and settings.cache is not None
    cache = Cache(settings.cache)
    units = {u.code: u for u in _COURSE.units}
    for style, lang, codes, code in items:
        renderer = CachingRenderer(_COURSE, style, tuple(units[c] for c in codes), lang,  # type: ignore[arg-type]
                                   cache, settings.site_url)
        with _memo(_COURSE, cache, style, lang, settings.site_url or "", code):
            renderer.render_unit(units[code])


def _report(outputs: Sequence[Output | Assembled], done: Progress | None) -> None:
    for output in outputs:
        if done and isinstance(output, Output):
            done(output.name)


def _groups(plan: Sequence[Planned]) -> list[list[Planned]]:
    groups: dict[tuple[str, tuple[str, ...], str | None], list[Planned]] = {}
    for planned in plan:
        key = (planned.packager.style, tuple(u.code for u in planned.job.units), planned.job.lang)
        groups.setdefault(key, []).append(planned)
    return list(groups.values())


def _weight(group: list[Planned]) -> int:
    return sum(len(u.lessons) + 1 for u in group[0].job.units) * (1 + len(group))


# --- worker side ----------------------------------------------------------------------------------------------

_COURSE: Curriculum | None = None


def _init_worker(course: bytes) -> None:
    global _COURSE
    _COURSE = pickle.loads(course)


Portable = tuple[str, tuple[str, ...], str, str | None, bool, str | None]


def _portable(planned: Planned) -> Portable:
    """What a worker needs to rebuild a Planned from its own copy of the curriculum."""
    job = planned.job
    return planned.packager.name, tuple(u.code for u in job.units), job.scope, job.lang, job.global_objectives, \
        job.site_url


def _worker_inspect(package: Assembled, settings: Settings) -> Output:
    return _inspected(package, settings, Cache(settings.cache) if settings.cache else None)


def _worker_group(items: list[Portable], settings: Settings, defer: bool = False) -> list[Output | Assembled]:
    from generator.build import PACKAGERS, package_name

    assert _COURSE is not None
    units = {u.code: u for u in _COURSE.units}
    group = []
    for name, codes, scope, lang, global_objectives, site_url in items:
        packager = PACKAGERS[name]
        job = Job(_COURSE, tuple(units[c] for c in codes), scope, lang, global_objectives,  # type: ignore[arg-type]
                  site_url)
        group.append(Planned(packager, job, package_name(packager, job)))
    return _package_group(_COURSE, group, settings, defer)


def _package_group(course: Curriculum, group: list[Planned], settings: Settings,
                   defer: bool = False) -> list[Output | Assembled]:
    """Render the group's site and assemble its packages; validate them too unless `defer` (then whichever
    worker is free validates each, `_inspected`)."""
    first = group[0]
    cache = Cache(settings.cache) if settings.cache else None
    codes = tuple(u.code for u in first.job.units)
    site = render_cached(course, first.packager.style, codes, settings.lang, settings.site_url, cache)
    if site.diagnostics:
        return [Output(p.name, b"", PackageReport(Path(p.name), None, None, 0, ()), False, tuple(site.diagnostics))
                for p in group]
    with _memo(course, cache, first.packager.style, settings.lang, codes, "packages"):  # QTI and the like
        store = _DeflatePack(cache, _slot(course, first.packager.style, settings.lang, settings.site_url, codes))
        quizzes = _reuse_quiz_files(cache, site, first.job) if any(_makes_qti(p) for p in group) else None
        assembled: list[Output | Assembled] = [_assembled_package(p, site, settings, cache, store) for p in group]
    store.save()
    if quizzes is not None:
        quizzes()
    if defer:
        return assembled
    return [_inspected(package, settings, cache) if isinstance(package, Assembled) else package
            for package in assembled]


QTI: Final = "qti"


def _makes_qti(planned: Planned) -> bool:
    from generator.formats.imscc import CommonCartridge11, CommonCartridge13

    return isinstance(planned.packager, CommonCartridge11 | CommonCartridge13)


def _reuse_quiz_files(cache: Cache | None, site: Site, job: Job) -> Callable[[], None] | None:
    """Put the QTI files of `job` into the rendering from the cache (keyed by the compiler and everything they are
    made of, `imscc.quiz_inputs`); returns what stores them once the packages are assembled, if they were made."""
    from generator.archive import ZipEntry
    from generator.formats.imscc import quiz_entries_key, quiz_inputs

    if cache is None:
        return None
    where, key = quiz_entries_key(job), digest(compiler_digest(), *quiz_inputs(job))
    payload = cache.get(QTI, key)
    if payload is not None:
        try:
            names, blobs = unpack(payload)
            assert isinstance(names, list) and len(names) == len(blobs)
            site.derived[where] = [ZipEntry(str(name), blob) for name, blob in zip(names, blobs, strict=True)]
            return None
        except (ValueError, AssertionError, TypeError):
            pass

    def store() -> None:
        made = site.derived.get(where)
        if isinstance(made, list):
            cache.put(QTI, key, pack([entry.name for entry in made], [entry.data for entry in made]))
    return store


def render_cached(course: Curriculum, style: Style, codes: tuple[str, ...] | None, lang: str | None,
                  site_url: str | None, cache: Cache | None) -> Site:
    """`render_site`, taking unchanged units and Markdown bodies from `cache` (when given) and storing new ones."""
    with _memo(course, cache, style, lang, codes or ("*",), site_url or ""):
        site, _ = render_site_cached(course, style, codes, lang, cache, site_url)
    return site


def _slot(course: Curriculum, style: str, lang: str | None, *parts: object) -> str:
    """Names the entries one rendering reuses build after build (its memo, its deflated files)."""
    return digest(str(course.root.resolve()), style, lang or "", *map(repr, parts))


@contextlib.contextmanager
def _memo(course: Curriculum, cache: Cache | None, style: str, lang: str | None, *parts: object) -> Iterator[None]:
    memo = Memo(cache, _slot(course, style, lang, *parts), compiler_digest() if cache else "")
    token = ACTIVE_MEMO.set(memo)
    try:
        yield
    finally:
        ACTIVE_MEMO.reset(token)
    memo.save()


@dataclass(frozen=True, slots=True)
class Assembled:
    """A package assembled but not validated yet: its name, bytes and build-cache key."""

    name: str
    data: bytes
    key: str | None
    project: str = ""
    """The project it comes from (its folder), which with `name` finds the facts of its last validation."""


def _assembled_package(planned: Planned, site: Site, settings: Settings, cache: Cache | None,
                       store: _DeflatePack) -> Output | Assembled:
    """The package from the cache (validated, LMS findings included) or, when the cache lacks it, assembled."""
    from generator.archive import ZipEntry, build_tar_gz

    packager = planned.packager
    manifest = etree.tostring(packager.manifest(planned.job, site), xml_declaration=True, encoding="UTF-8",
                              pretty_print=True)
    entries = [ZipEntry(packager.manifest_name, manifest), *packager.entries(planned.job, site)]
    key = None
    if cache is not None:
        schemas = folder_digest(settings.schemas.resolve()) if settings.schemas else "none"
        key = digest(compiler_digest(), planned.name, packager.container, str(settings.epoch), schemas,
                     *(part for e in sorted(entries, key=lambda e: e.name) for part in (e.name, store.key_of(e.data))))
        if (hit := _cached_package(cache, key, planned.name)) is not None:
            if settings.lms:
                return dataclasses.replace(hit, lms=lms_findings(hit.data, hit.name, settings.lms, cache))
            return hit
    if packager.container == "tar.gz":
        data = build_tar_gz(entries, settings.epoch, first=packager.manifest_name)
    else:
        assert packager.manifest_name == "imsmanifest.xml", "zip packages lead with imsmanifest.xml"
        data = assemble_zip(entries, settings.epoch, store, store.key_of)
    return Assembled(planned.name, data, key, str(planned.job.course.root.resolve()))


def _inspected(package: Assembled, settings: Settings, cache: Cache | None) -> Output:
    """Validate an assembled package and check it against the LMS rules (one pass over the bytes gives both);
    store it in the cache when it passed without a diagnostic."""
    passed = _passed_before(cache, package, settings)
    report, findings = inspect_bytes(package.name, package.data, settings.schemas, settings.lms, passed)
    if cache is not None and package.key is not None and not report.diagnostics:
        cache.put("packages", package.key, pack({"format": report.format, "version": report.version,
                                                 "resources": report.resources, "xsd": report.xsd_checked},
                                                [package.data]))
        if passed is not None:
            cache.put(PASSED, _passed_slot(package, passed.salt),
                      pack([], [b"".join(bytes.fromhex(fact) for fact in sorted(passed.now))]))
    if passed is not None:
        _LEARNED.update(passed.now)
    output = Output(package.name, package.data, report, cached=False)
    if report.ok and settings.lms:  # the LMS report covers the packages written, in this worker too
        return dataclasses.replace(output, lms=lms_findings(package.data, package.name, settings.lms, cache, findings))
    return output


PASSED: Final = "passed"
_FACT_BYTES: Final = 32
_LEARNED: set[str] = set()
"""Facts this process saw pass during this build: packages made from one rendering share most of their entries
(three formats ship the same deflated pages), so a package validated after its sibling reads only its own."""


def _passed_before(cache: Cache | None, package: Assembled, settings: Settings) -> Passed | None:
    """The checks the last validation of `package` passed (generator/validate/memo.py), from the cache."""
    if cache is None:
        return None
    schemas = folder_digest(settings.schemas.resolve()) if settings.schemas else "none"
    salt = digest(compiler_digest(), schemas)
    payload = cache.get(PASSED, _passed_slot(package, salt))
    known: list[str] = []
    if payload is not None:
        try:
            _, (blob,) = unpack(payload)
            known = [blob[i:i + _FACT_BYTES].hex() for i in range(0, len(blob) - len(blob) % _FACT_BYTES, _FACT_BYTES)]
        except (ValueError, TypeError):
            known = []
    return Passed(salt, [*known, *_LEARNED])


def _passed_slot(package: Assembled, salt: str) -> str:
    """Per project and package name: projects sharing a cache keep their own (facts are exact either way)."""
    return digest(salt, package.project, package.name)


def _cached_package(cache: Cache, key: str, name: str) -> Output | None:
    payload = cache.get("packages", key)
    if payload is None:
        return None
    try:
        header, (data,) = unpack(payload)
        assert isinstance(header, dict)
        report = PackageReport(Path(name), header["format"], header["version"], int(header["resources"]), (),
                               bool(header["xsd"]))
    except (ValueError, AssertionError, KeyError, TypeError):
        return None
    return Output(name, data, report, cached=True)


def findings_of(rows: Sequence[LmsRow]) -> tuple[Finding, ...]:
    rules = {rule.id: rule for rule in RULES}
    return tuple(Finding(rules[rule], tuple(asked), Hit(detail, entry, line)) for rule, asked, detail, entry, line in rows)


LmsRow = tuple[str, tuple[str, ...], str, "str | None", "int | None"]
"""(rule id, LMSs asked, detail, entry, line): a Finding as plain data."""


def lms_findings(data: bytes, name: str, lms: Sequence[str], cache: Cache | None,
                 fresh: tuple[Finding, ...] | None = None) -> tuple[LmsRow, ...]:
    """`check_lms` of a package's bytes, from the cache when these bytes were checked for these LMSs before.

    `fresh`: `check_lms`'s findings, just computed with the validation (`inspect_bytes`); they go to the cache.
    """
    key = digest(compiler_digest(), name, hashlib.sha256(data).hexdigest(), *sorted(lms))
    if fresh is None and cache is not None and (payload := cache.get("lms", key)) is not None:
        try:
            header, _ = unpack(payload)
            assert isinstance(header, list)
            rows = tuple((str(rule), tuple(asked), str(detail), entry, line)
                         for rule, asked, detail, entry, line in header)
            if all(row[0] in {rule.id for rule in RULES} for row in rows):
                return rows
        except (ValueError, AssertionError, TypeError):
            pass
    findings = fresh if fresh is not None else check_lms(data, name, lms)
    rows = tuple((f.rule.id, f.lms, f.hit.detail, f.hit.entry, f.hit.line) for f in findings)
    if cache is not None:
        cache.put("lms", key, pack([list(row) for row in rows]))
    return rows


class _DeflatePack(dict[str, Deflated]):
    """Deflated files of one group, loaded from and saved to one cache entry (so one read, not one per file)."""

    def __init__(self, cache: Cache | None, slot: str) -> None:
        super().__init__()
        self.cache, self.slot = cache, slot
        self.hashes: dict[bytes, str] = {}
        """SHA-256 by file bytes: the group's packages ship the same page objects, and a bytes object keeps its
        own hash, so each page is hashed once per group rather than twice per package."""
        self.used: set[str] = set()
        self.loaded = 0
        if cache is not None and (payload := cache.get("deflate", slot)) is not None:
            self._load(payload)

    def key_of(self, data: bytes) -> str:
        from generator.zipwriter import content_key

        key = self.hashes.get(data)
        if key is None:
            key = self.hashes[data] = content_key(data)
        return key

    def get(self, key: str, default: Deflated | None = None) -> Deflated | None:  # type: ignore[override]
        self.used.add(key)
        return super().get(key, default)

    def __setitem__(self, key: str, value: Deflated) -> None:
        self.used.add(key)
        super().__setitem__(key, value)

    def _load(self, payload: bytes) -> None:
        try:
            header, blobs = unpack(payload)
            assert isinstance(header, list) and len(header) == len(blobs)
            for (key, crc, size), blob in zip(header, blobs, strict=True):
                super().__setitem__(str(key), Deflated(int(crc), int(size), blob))
        except (ValueError, AssertionError, TypeError):
            self.clear()
        self.loaded = len(self)

    def save(self) -> None:
        """Keep what this build used (so the entry does not grow with every edit); skip when nothing changed."""
        if self.cache is None or (self.loaded == len(self) and self.used == set(self)):
            return
        kept = sorted(k for k in self.used if k in self)
        self.cache.put("deflate", self.slot, pack([[k, self[k].crc, self[k].size] for k in kept],
                                                   [self[k].data for k in kept]))
