#!/usr/bin/env python3
"""Render time of each official paper, and of the archive bundle.

Prints one JSON line per measurement, e.g.
``{"name": "render_disposisi", "value": 18.2, "unit": "ms", "goal": 100, "better": "lower"}``.
``value`` is the median of N renders after one warm-up render (the first render of a
template reads and compiles it once per process; the bot pays that only once).

Usage: ``python bench/bench_papers.py [N] [--docxtpl]`` (default N = 30). ``--docxtpl``
measures the reference render instead (docxtpl and python-docx on the whole package, which
the compiled templates of ``PaperRenderer.render`` replace), for a before/after figure.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Standalone run from anywhere: the repository root on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.papers import render as R
from bot.papers import samples as S
from bot.papers.archive import bundle_zip


def measure(job: Callable[[], object], n: int) -> float:
    """Median wall time of ``job`` in milliseconds, after one warm-up call."""
    job()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        job()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def line(name: str, ms: float, goal: int) -> str:
    return json.dumps(
        {"name": name, "value": round(ms, 2), "unit": "ms", "goal": goal, "better": "lower"}
    )


def main(argv: list[str]) -> int:
    if "--docxtpl" in argv:
        argv = [a for a in argv if a != "--docxtpl"]
        R._default.render = R._default._render_with_docxtpl  # type: ignore[method-assign]
    n = int(argv[0]) if argv else 30
    skeleton = S.sample_skeleton()
    jobs: dict[str, Callable[[], bytes]] = {
        "disposisi": lambda: R.render_disposisi(S.sample_disposisi()),
        "sk_tim": lambda: R.render_sk_tim(S.sample_sk_tim()),
        "pemeriksaan": lambda: R.render_pemeriksaan(S.sample_pemeriksaan()),
        "program_kerja": lambda: R.render_program_kerja(skeleton),
        "rkakl": lambda: R.render_rkakl(skeleton),
        "penetapan_kinerja": lambda: R.render_penetapan_kinerja(skeleton),
        "dokumentasi": lambda: R.render_dokumentasi(S.sample_dokumentasi()),
    }
    for kind, job in jobs.items():
        print(line(f"render_{kind}", measure(job, n), 100), flush=True)

    # The bundle of a typical case: the record plus three final drafts of a few MB
    # (random bytes: as incompressible as real .docx/.xlsx/.pdf) and a text note.
    files = [
        ("Draf Program Kerja Biro TA 2027 v3.docx", os.urandom(2 * 1024 * 1024)),
        ("RKAKL Biro PMK 2027.xlsx", os.urandom(1024 * 1024)),
        ("PK Karo 2027.pdf", os.urandom(3 * 1024 * 1024)),
        ("catatan rapat.txt", b"Catatan rapat penyusunan RKAKL.\n" * 20000),
    ]

    def bundle() -> bytes:
        # Rendering the record is part of archiving a case.
        return bundle_zip(jobs["dokumentasi"](), files)

    print(line("archive_bundle", measure(bundle, max(3, n // 3)), 1000), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
