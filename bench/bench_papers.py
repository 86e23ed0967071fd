#!/usr/bin/env python3
"""Render time of each official paper, and of the archive bundle.

Prints one JSON line per measurement, e.g. ``{"name": "render_disposisi", "value": 28.1,
"unit": "ms", "goal": 100, "better": "lower", "min": 26.9, "p90": 31.0, "max": 35.2,
"n": 30}``. ``value`` is the median of N renders after one warm-up render (the first
render of a template reads the file; the bot pays that once per template and process);
``min``, ``p90`` and ``max`` give the spread. Each render is docxtpl's ``render`` and
``save`` on the whole package (``bot.papers.render.PaperRenderer``), from the sample
records of ``bot.papers.samples``.

Usage: ``python bench/bench_papers.py [N]`` (default N = 30).
"""

from __future__ import annotations

import functools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Standalone run from anywhere: the repository root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.papers.archive import bundle_zip
from bot.papers.registry import DOKUMENTASI, PAPERS
from bot.papers.render import PaperRenderer


def measure(job: Callable[[], object], n: int) -> list[float]:
    """Wall time of ``job`` in milliseconds, ``n`` times, after one warm-up call."""
    job()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        job()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def line(name: str, times: list[float], goal: int) -> str:
    ordered = sorted(times)
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
    }
    return json.dumps(figures)


def main(argv: list[str]) -> int:
    n = int(argv[0]) if argv else 30
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
