#!/usr/bin/env python3
"""Benchmark the build against the floor measured in the same run, at 10 / 100 / 1000 lessons.

The floor: Python-Markdown (our extensions) rendering every lesson of the synthetic curriculum once, plus one
deflate zip of the pages, in one process. Every build figure is printed in seconds and as a ratio to that floor:
- `programme`: all five formats, --scope programme, empty cache (a clean build that also fills the cache);
- `rebuild`: the same after appending one sentence to one lesson (cached), also as a ratio to `programme`;
- `per unit`: all five formats, --scope unit, empty cache;
- ms per lesson (linearity); peak memory: the largest sum over the build process and its workers (PSS, sampled
  from /proc every 50 ms); CPU time of the build and its workers, as a ratio to the floor's (load-independent).
Then one cold process: `python -m generator build` of a 100-lesson programme, all formats, no cache.
Each build runs in a child process, so imports and memory of one do not flatter the next. Every figure is the
best of `--repeat` runs (default 3), the floor measured again before each run's builds; each ratio is the best
of the runs' own ratios, so that a build is compared with the floor measured beside it.

Targets (issue #15): programme <= 2x floor at 1000 lessons; per unit <= 3x; rebuild <= 0.3 of programme;
cold 100-lesson process <= 1.5 s; peak RSS <= 300 MB; ms/lesson flat from 10 to 1000.

Usage: python3 scripts/benchmark.py [--lessons 10,100,1000] [--jobs N] [--code DIR] [--schemas DIR]
`--code DIR` benchmarks another checkout of the compiler (e.g. `git archive` of an older commit) with this script.
"""

from __future__ import annotations

import argparse
import inspect
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

FORMATS = ["scorm12", "scorm2004", "cc11", "cc13", "imscp"]


def floor_seconds(root: Path) -> tuple[float, float]:
    """Render every lesson body once with Python-Markdown and zip the pages (deflate), in this process.

    Returns (wall, CPU) seconds.
    """
    import markdown

    try:
        from generator.load.markdown import EXTENSIONS  # since the sanitiser (issue #17) renders at load
    except ImportError:
        from generator.render.markdown import EXTENSIONS  # type: ignore[attr-defined,no-redef]  # older checkouts

    lessons = sorted((root / "modules").glob("*/*.md"))
    started, cpu = time.perf_counter(), time.process_time()
    md = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    pages = []
    for path in lessons:
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        pages.append((path.name, md.reset().convert(body).encode("utf-8")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for index, (name, html) in enumerate(pages):
            archive.writestr(f"{index:05d}-{name}.html", html)
    return time.perf_counter() - started, time.process_time() - cpu


class TreeSampler(threading.Thread):
    """Samples a build process and its descendants from /proc every 50 ms, from outside (a thread in the build
    process itself would keep it from forking its workers): the peak of their summed memory (PSS, so pages shared
    copy-on-write count once; RSS where PSS is unavailable), and each one's CPU time."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.peak_rss = 0
        self.cpu: dict[int, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.page = os.sysconf("SC_PAGE_SIZE")

    def run(self) -> None:
        while not self.stop.wait(0.05):
            self.sample()

    def sample(self) -> None:
        tree, todo = set(), [self.pid]
        while todo:  # descendants through /proc/PID/task/TID/children: no scan of every process on the machine
            pid = todo.pop()
            tree.add(pid)
            try:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{tid}/children") as stream:
                        todo += [int(child) for child in stream.read().split() if int(child) not in tree]
            except OSError:
                continue
        rss = 0
        for pid in tree:
            try:
                with open(f"/proc/{pid}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            rss += self._pss(pid) or int(fields[21]) * self.page
            if pid != self.pid:
                self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        self.peak_rss = max(self.peak_rss, rss)

    @staticmethod
    def _pss(pid: int) -> int | None:
        """Proportional set size: pages the workers share with the build process count once, not once per process."""
        try:
            with open(f"/proc/{pid}/smaps_rollup") as stream:
                for line in stream:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None


def child(args: argparse.Namespace) -> int:
    """Run one build in this (child) process and print seconds, CPU time and peak RSS as JSON."""
    from generator.build import build_project
    from generator.validate import locate_schemas

    options: dict[str, object] = {}
    parameters = inspect.signature(build_project).parameters
    if "jobs" in parameters:
        options["jobs"] = args.jobs
    before = _cpu()
    started = time.perf_counter()
    result = build_project(Path(args.root), Path(args.out), args.formats.split(","), args.scope, locate_schemas(args.schemas),
                           **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    if not result.ok:
        print(json.dumps({"error": [str(d) for d in result.diagnostics[:3]]}))
        return 1
    own, workers = (after - start for after, start in zip(_cpu(), before, strict=True))
    print(json.dumps({"seconds": seconds, "cpu": own, "workers_cpu": workers,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "packages": len(result.packages)}))
    return 0


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that ended (forked workers)."""
    own, ended = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, ended.ru_utime + ended.ru_stime


def run_child(root: Path, out: Path, scope: str, args: argparse.Namespace, cache: Path) -> dict[str, float]:
    env = {**os.environ, "CURRICULUM_CACHE": str(cache), **_code_env(args)}
    command = [sys.executable, __file__, "--child", "--root", str(root), "--out", str(out), "--scope", scope,
               "--jobs", str(args.jobs), "--formats", args.formats] + (["--schemas", str(args.schemas)] if args.schemas else [])
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"build failed: {stdout}{stderr}")
    figures: dict[str, float] = json.loads(stdout.strip().splitlines()[-1])
    # forked workers are the build's children (counted when they end); forkserver workers are not: sampled
    figures["cpu"] += max(figures.pop("workers_cpu"), sum(sampler.cpu.values()))
    figures["peak_mib"] = max(figures["peak_mib"], sampler.peak_rss / 2**20)
    return figures


def _code_env(args: argparse.Namespace) -> dict[str, str]:
    return {"PYTHONPATH": str(args.code)} if args.code else {}


def one_size(lessons: int, args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    """Each figure is the best of `--repeat` runs (the floor's too), taken in turn: on a shared machine the
    fastest run is the one least disturbed, and measuring the floor between the builds keeps the ratios fair."""
    from generator.synthetic import write_synthetic_curriculum

    root = write_synthetic_curriculum(tmp / f"src-{lessons}", lessons)
    lesson = next((root / "modules").glob("*/01-lesson.md"))
    runs: list[dict[str, float]] = []
    for run in range(args.repeat):
        floor, floor_cpu = floor_seconds(root)
        cache = tmp / f"cache-{lessons}-{run}"
        programme = run_child(root, tmp / f"programme-{lessons}-{run}", "programme", args, cache)
        lesson.write_text(lesson.read_text(encoding="utf-8") + f"\nOne more sentence ({run}).\n", encoding="utf-8")
        rebuild = run_child(root, tmp / f"programme-{lessons}-{run}", "programme", args, cache)
        units = run_child(root, tmp / f"units-{lessons}-{run}", "unit", args, tmp / f"cache-units-{lessons}-{run}")
        runs.append({"floor": floor, "floor_cpu": floor_cpu, "programme": programme["seconds"],
                     "rebuild": rebuild["seconds"], "units": units["seconds"], "programme_cpu": programme["cpu"],
                     "units_cpu": units["cpu"], "unit_packages": units["packages"],
                     "rss": max(f["peak_mib"] for f in (programme, rebuild, units))})
    best = {key: min(run[key] for run in runs) for key in runs[0]}
    best["rss"] = max(run["rss"] for run in runs)
    # ratios pair each build with the floor measured beside it (the machine's speed drifts between runs)
    ratios = {f"{key}_x": min(run[key] / run[base] for run in runs)
              for key, base in (("programme", "floor"), ("rebuild", "floor"), ("units", "floor"),
                                ("programme_cpu", "floor_cpu"), ("units_cpu", "floor_cpu"))}
    ratios["rebuild_of_full"] = min(run["rebuild"] / run["programme"] for run in runs)
    return {"lessons": lessons, **best, **ratios}


def cold_process(args: argparse.Namespace, tmp: Path) -> float:
    from generator.synthetic import write_synthetic_curriculum

    root = write_synthetic_curriculum(tmp / "cold-src", 100)
    env = {**os.environ, "CURRICULUM_CACHE": str(tmp / "cold-cache"), **_code_env(args)}
    command = [sys.executable, "-m", "generator", "build", str(root), "--scope", "programme", "--format",
               args.formats, "--out", str(tmp / "cold-out")] + (["--schemas", str(args.schemas)] if args.schemas else [])
    helped = subprocess.run([sys.executable, "-m", "generator", "build", "--help"], env=env, capture_output=True,
                            text=True, check=False).stdout
    command += ["--no-cache"] if "--no-cache" in helped else []
    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"cold build failed: {done.stderr}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", default="10,100,1000", help="comma-separated sizes")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=lambda text: max(1, int(text)), default=3,
                        help="runs per figure (at least 1); the best counts")
    parser.add_argument("--code", type=Path, default=None, help="benchmark the compiler in this folder instead")
    parser.add_argument("--schemas", type=Path, default=None)
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help="comma-separated (default: the five the targets name; add mbz,site for every format)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--scope", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    print(f"cores: {os.cpu_count()}, --jobs {args.jobs}, formats {args.formats}, best of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.1f}"
          + (", PYTHONDONTWRITEBYTECODE set: templates compiled in every process"
             if os.environ.get("PYTHONDONTWRITEBYTECODE") else "")
          + (f", code: {args.code}" if args.code else ""))
    print(f"{'lessons':>7} {'floor':>7} {'programme (x floor)':>20} {'rebuild (x floor, x full)':>27} "
          f"{'per unit (x floor)':>22} {'ms/lesson':>9} {'peak RSS':>9}   CPU time (workers included) / floor's")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for lessons in (int(n) for n in args.lessons.split(",")):
            r = one_size(lessons, args, tmp)
            print(f"{lessons:>7} {r['floor']:>6.2f}s {r['programme']:>8.2f}s ({r['programme_x']:>5.1f}x) "
                  f"{r['rebuild']:>9.2f}s ({r['rebuild_x']:>4.1f}x, {r['rebuild_of_full']:.2f}) "
                  f"{r['units']:>7.2f}s ({r['units_x']:>5.1f}x, {r['unit_packages']:.0f} pkgs) "
                  f"{r['programme'] / lessons * 1000:>9.2f} {r['rss']:>6.0f} MiB   "
                  f"CPU: programme {r['programme_cpu_x']:.1f}x, per unit {r['units_cpu_x']:.1f}x",
                  flush=True)
        print(f"cold process, 100-lesson programme, these formats: {cold_process(args, tmp):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
