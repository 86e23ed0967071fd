#!/usr/bin/env python3
"""CPU time of each official paper, and of the archive bundle.

Prints one JSON line per measurement, e.g. ``{"name": "render_disposisi", "value": 12.1,
"unit": "ms", "goal": 100, "better": "lower", "min": 10.9, "p90": 14.0, "max": 25.2,
"n": 30, "wall": 12.8, "first": 19.5}``. ``value`` is the median CPU time (the goal's
measure: ``time.thread_time()``, the render runs in the calling thread, so the work of
other processes on a shared machine does not count, as it does in wall time) of N renders
after one first render; ``min``, ``p90`` and ``max`` give the spread, ``wall`` the median
wall time, ``first`` the CPU of the first render (it reads the template and compiles its
parts; the bot pays that once per template and process). Each render is docxtpl's
``render`` and ``save`` on the whole package (``bot.papers.render.PaperRenderer``), from
the sample records of ``bot.papers.samples``.

Usage: ``python bench/bench_papers.py [N]`` (default N = 30).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Standalone run from anywhere: the repository root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.papers.archive import bundle_zip
from bot.papers.registry import DOKUMENTASI, PAPERS
from bot.papers.render import PaperRenderer


@dataclass
class Times:
    """Milliseconds of the calls measured after the first one, and the first one's CPU."""

    cpu: list[float]
    wall: list[float]
    first: float


def measure(job: Callable[[], object], n: int) -> Times:
    """CPU and wall time of ``job`` in milliseconds, ``n`` times, after a first call."""
    start = time.thread_time()
    job()
    first = (time.thread_time() - start) * 1000
    cpu, wall = [], []
    for _ in range(n):
        c0, w0 = time.thread_time(), time.perf_counter()
        job()
        cpu.append((time.thread_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    return Times(cpu, wall, first)


def line(name: str, times: Times, goal: int) -> str:
    ordered = sorted(times.cpu)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    figures = {
        "name": name,
        "value": round(statistics.median(ordered), 2),
        "unit": "ms",
        "goal": goal,
        "better": "lower",
        "min": round(ordered[0], 2),
        "p90": round(p90, 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
        "wall": round(statistics.median(times.wall), 2),
        "first": round(times.first, 2),
    }
    return json.dumps(figures)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "n", nargs="?", type=int, default=30, help="renders measured per paper (default 30)"
    )
    n = parser.parse_args(argv).n
    renderer = PaperRenderer()
    for kind in PAPERS.values():
        record = kind.sample()
        times = measure(functools.partial(renderer.render, kind, record), n)
        print(line(f"render_{kind.name}", times, 100), flush=True)

    # The bundle of a typical case: the record plus three final drafts of a few MB
    # (random bytes: as incompressible as real .docx/.xlsx/.pdf) and a text note.
    files = [
        ("Draf Program Kerja Biro TA 2027 v3.docx", os.urandom(2 * 1024 * 1024)),
        ("RKAKL Biro PMK 2027.xlsx", os.urandom(1024 * 1024)),
        ("PK Karo 2027.pdf", os.urandom(3 * 1024 * 1024)),
        ("catatan rapat.txt", b"Catatan rapat penyusunan RKAKL.\n" * 20000),
    ]
    dokumentasi = DOKUMENTASI.sample()

    def bundle() -> bytes:
        # Rendering the record is part of archiving a case.
        return bundle_zip(renderer.render(DOKUMENTASI, dokumentasi), files)

    print(line("archive_bundle", measure(bundle, max(3, n // 3)), 1000), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
