"""Worker processes for the build: how many, and whether they may be forked.

Forked workers start in milliseconds and inherit the loaded curriculum, the imported modules and the compiled
templates, so nothing is sent to them but small tasks. Forking is safe only from a process with a single thread
(a lock held by another thread would stay locked in the child) and only where fork is the platform's own model:
on Linux. Elsewhere, or with threads running (the preview server), callers fall back to one process or to
the forkserver.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from multiprocessing.context import ForkContext
from typing import TypeVar

T = TypeVar("T")


def default_jobs() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def fork_context() -> ForkContext | None:
    """The `fork` start method when forking is safe here, else None."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1 or _os_threads() != 1:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


def _os_threads() -> int:
    """Threads of this process as the kernel counts them (threading misses those a C extension starts)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 0


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """While a pool of forked workers runs: keep the objects they inherit out of the cyclic garbage collector,
    whose bookkeeping would write to every object and so copy each page the workers share with this process."""
    with gc_frozen():
        yield


_FROZEN_DEPTH = 0


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """Move every object that exists now out of the cyclic garbage collector's passes until the block ends.

    Blocks nest: `gc.unfreeze` releases everything at once, so only the outermost block unfreezes, and an inner
    one freezes what was made since.
    """
    global _FROZEN_DEPTH
    gc.freeze()
    _FROZEN_DEPTH += 1
    try:
        yield
    finally:
        _FROZEN_DEPTH -= 1
        if _FROZEN_DEPTH == 0:
            gc.unfreeze()


def balanced_chunks(sized: list[tuple[int, T]], count: int) -> list[list[T]]:
    """The items of `(size, item)` pairs in up to `count` chunks of similar total size: largest first, each to
    the lightest chunk so far."""
    chunks: list[list[T]] = [[] for _ in range(min(count, len(sized)))]
    totals = [0] * len(chunks)
    for size, item in sorted(sized, key=lambda pair: -pair[0]):
        lightest = totals.index(min(totals))
        chunks[lightest].append(item)
        totals[lightest] += size
    return chunks
