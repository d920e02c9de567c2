#!/usr/bin/env python3
"""Benchmark: check and build a synthetic 1000-lesson curriculum; prints seconds, peak memory, per-lesson cost.

Targets: `check` well under a second; every format built and validated in under 10 s on 2 cores.
Usage: python3 scripts/benchmark.py [--lessons 1000] [--schemas DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from generator import check_project
from generator.build import PACKAGERS, build_project
from generator.synthetic import write_synthetic_curriculum
from generator.validate import locate_schemas


def timed(label: str, lessons: int, work):  # type: ignore[no-untyped-def]
    """Time `work`, then run it once more under tracemalloc for its peak heap (tracing slows it down)."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} {seconds:7.2f} s   {seconds / lessons * 1000:6.2f} ms/lesson   "
          f"peak Python heap {peak / 2**20:6.1f} MiB")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--schemas", type=Path, default=None)
    args = parser.parse_args()
    schemas = locate_schemas(args.schemas)
    if schemas is None:
        print("official schemas not found: pass --schemas DIR", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        root = write_synthetic_curriculum(Path(tmp) / "src", args.lessons)
        print(f"synthetic curriculum: {args.lessons} lessons in {len(list((root / 'modules').iterdir()))} units")
        check_project(root)  # warm imports and the schema cache, as in any run after the first
        build_project(root, Path(tmp) / "warm", ["cc11"], "programme", schemas)
        diags = timed("check", args.lessons, lambda: check_project(root))
        assert not diags, diags[:3]
        for name in PACKAGERS:
            result = timed(f"build {name} (programme)", args.lessons,
                           lambda n=name: build_project(root, Path(tmp) / "out" / n, [n], "programme", schemas))
            assert result.ok, result.diagnostics[:3]
        result = timed("build all 5 formats (programme)", args.lessons,
                       lambda: build_project(root, Path(tmp) / "all", list(PACKAGERS), "programme", schemas))
        assert result.ok
        sizes = ", ".join(f"{p.packager} {p.size / 2**20:.1f} MiB" for p in result.packages)
        print(f"package sizes: {sizes}")
        result = timed("build all formats (per unit)", args.lessons,
                       lambda: build_project(root, Path(tmp) / "units", list(PACKAGERS), "unit", schemas))
        assert result.ok
        print(f"per-unit packages: {len(result.packages)}")
    print(f"process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
