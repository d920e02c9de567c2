"""Load stage, on every core: module folders loaded by forked worker processes.

Rendering and sanitising the lesson bodies is most of what loading costs, and each module folder loads on its
own. With more than one job and enough Markdown to pay for the workers, the folders are shared out among forked
workers (generator/workers.py) that each run `load_unit_folder`, the function a one-process load runs, and send
back the units, the diagnostics and the bodies they rendered for the build's HtmlStore. Results are taken in
folder order, so the model and diagnostics are the same as in one process.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Final

from generator.load.files import resolves_inside
from generator.load.markdown import overloaded_block, safe_html, warm_up
from generator.mdmemo import ACTIVE_HTML_STORE, StoreDelta
from generator.model import UnitSource
from generator.workers import balanced_chunks, fork_context, forking

if TYPE_CHECKING:
    from generator.load.project import UnitLoad  # the project loader imports this module

MIN_PARALLEL_BYTES: Final = 200_000
"""Below this much Markdown (about 60 lessons), forking workers saves less than it costs (measured on 2 cores)."""
MIN_PARALLEL_BYTES_WARM: Final = 20_000_000
"""The same when the cache holds most bodies already, so loading is reading and checking files and taking bodies
and parses from the cache. Measured on 2 cores, a warm load with `jobs=2` and the templates compiled aside,
best of 3-6 interleaved: 4.6 MB (1000 lessons) 0.215 s in this process against 0.218 s with workers, which burn
75% more CPU; 14 MB 0.49 against 0.55 s; 27 MB 0.91 against 0.87 s. Workers pay for sending back every unit,
body HTML included."""
MOSTLY_CACHED: Final = 0.8
CHUNKS_PER_JOB: Final = 3
"""Folders differ in size: a few chunks per worker even out the load without much overhead per chunk."""


def load_folders(root: Path, folders: list[Path], jobs: int) -> Iterator[UnitLoad]:
    """`load_unit_folder(root, folder)` for each folder, in order; in worker processes when that pays."""
    from generator.load.project import load_unit_folder

    context = fork_context()
    store = ACTIVE_HTML_STORE.get()
    found = [_markdown_files(root, folder) for folder in folders] if context and jobs > 1 and len(folders) > 1 else []
    sizes = [size for _, size in found]
    warm = store is not None and len(store.entries) >= MOSTLY_CACHED * sum(count for count, _ in found)
    if context is None or not found or sum(sizes) < (MIN_PARALLEL_BYTES_WARM if warm else MIN_PARALLEL_BYTES):
        yield from (load_unit_folder(root, folder) for folder in folders)
        return
    warm_up()  # once here rather than once in every worker
    sized = [(size, index) for index, size in enumerate(sizes)]
    chunks = [sorted(chunk) for chunk in balanced_chunks(sized, jobs * CHUNKS_PER_JOB)]  # each in folder order
    loaded: dict[int, UnitLoad] = {}
    try:
        with forking(), ProcessPoolExecutor(min(jobs, len(chunks)), mp_context=context) as pool:
            loading = pool.map(_load_chunk, [(root, [folders[i] for i in chunk]) for chunk in chunks])
            for chunk, (results, rendered) in zip(chunks, loading, strict=True):
                loaded.update(zip(chunk, results, strict=True))
                if store is not None and rendered is not None:
                    store.merge(rendered)
    except (BrokenProcessPool, OSError):
        pass  # workers could not start or died (out of memory, say): what they did not load is loaded here
    yield from (loaded[index] if index in loaded else load_unit_folder(root, folders[index])
                for index in range(len(folders)))


def _load_chunk(task: tuple[Path, list[Path]]) -> tuple[list[UnitLoad], StoreDelta | None]:
    """Runs in a worker: load the folders; also return what the HtmlStore gained and used meanwhile."""
    from generator.load.project import load_unit_folder

    root, folders = task
    store = ACTIVE_HTML_STORE.get()
    known = store.known() if store is not None else (set(), set(), set())
    if store is not None:
        store.used, store.parses_used = set(), set()
    results = [load_unit_folder(root, folder) for folder in folders]
    for unit, _, _ in results:
        _render_quiz_texts(unit)
    return results, store.delta(known) if store is not None else None


def _render_quiz_texts(unit: UnitSource | None) -> None:
    """Render the quiz's Markdown here too: `check` reads it next, in the parent, from the HtmlStore."""
    if unit is not None and unit.quiz is not None:
        for question in unit.quiz.questions:
            for _, text in question.markdown_fields():
                if text and overloaded_block(text) is None:
                    safe_html(text)


def _markdown_files(root: Path, folder: Path) -> tuple[int, int]:
    """The folder's Markdown files: how many, and their bytes (none for a folder outside the project: loading
    reports it, unread)."""
    if not resolves_inside(folder, root):
        return 0, 0
    try:
        sizes = [path.stat().st_size for path in folder.glob("*.md")]
    except OSError:
        return 0, 0
    return len(sizes), sum(sizes)
