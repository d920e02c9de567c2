#!/usr/bin/env python3
"""Measure `curriculum preview`: from saving a lesson to the server serving the changed page (target <= 0.3 s).

Copies the programme (default: this repository's) to a temporary folder, starts the preview server on it, then
saves one lesson several times (appending a sentence) and polls the lesson's page every 2 ms until it carries the
sentence. That covers the file watcher, load, check, the incremental render and publishing; an open browser
page adds one reload request on loopback (its Server-Sent Events hear of the change at the same moment).

Usage: python3 scripts/preview_latency.py [ROOT] [--edits 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from generator.preview import open_preview
from generator.render.html import lesson_path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, nargs="?", default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--edits", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "programme"
        for name in ("curriculum", "modules", "case_studies"):
            if (args.root / name).is_dir():
                shutil.copytree(args.root / name, root / name)
        server = open_preview(root, "127.0.0.1", 0)
        assert server.preview.site is not None, "the programme has errors: fix them first (curriculum check)"
        course = server.preview._course
        assert course is not None
        lesson = course.units_in_order()[len(course.units) // 2].lessons[1]
        url = server.url + lesson_path(lesson)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        server.watching.wait(10)
        seconds = []
        try:
            for n in range(args.edits):
                marker = f"Latency probe sentence {n}."
                source = root / lesson.file
                text = source.read_text(encoding="utf-8")
                time.sleep(0.3)  # let the previous change settle: each save is measured on its own
                started = time.perf_counter()
                source.write_text(text + f"\n{marker}\n", encoding="utf-8")
                while marker.encode() not in urllib.request.urlopen(url, timeout=5).read():  # noqa: S310 - loopback
                    time.sleep(0.002)
                seconds.append(time.perf_counter() - started)
        finally:
            server.shutdown()
            thread.join(5)
    print(f"{lesson.id} ({len(course.lessons)} lessons in {len(course.units)} units): save -> page served in "
          f"median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s over {len(seconds)} saves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
