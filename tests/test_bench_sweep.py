"""bench/bench_sweep.py still runs: its own check (every due case's reminder queued, as a
task row or within a digest) holds against today's sweep. Timing stays in the bench; this
runs it small and reads what it printed, so a change to what the sweep queues cannot leave
the bench failing unseen until someone runs ``bench/run``."""

from __future__ import annotations

import json
import subprocess
import sys

from core_helpers import ROOT


def test_the_sweep_bench_queues_every_due_reminder_over_a_small_bureau() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_sweep.py"), "--cases", "500", "--due", "5,25"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    figures = {
        line["name"]: line
        for line in map(json.loads, (x for x in done.stdout.splitlines() if x.startswith("{")))
    }
    assert {"reminder_sweep_5_due", "reminder_sweep_25_due", "reminder_sweep_nothing_due"} <= set(
        figures
    )
    assert figures["reminder_sweep_nothing_due"]["open"] == 50
