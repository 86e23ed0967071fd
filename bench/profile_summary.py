"""Where a bot process's CPU goes: a summary of py-spy's raw (collapsed) stacks.

    python bench/profile_summary.py STACKS.txt [TOP]

Each sample is put in one category. Samples of the event loop thread go by the innermost
frame of a known library (stdlib frames count for the library that called them); samples
of other threads by what the thread runs (the database's writer and reader threads of
``storage/db.py``, the drawing thread of the pictures, the ``asyncio.to_thread`` pool that
renders papers and writes files).

py-spy's idle detection does not work in every container, so samples whose innermost
Python frame is a known wait are dropped as idle: a database thread waiting for its next
function, a pool thread waiting for work, asyncio's select. uvloop runs its loop in C: with
py-spy's ``--native`` (``bench_updates.py --py-spy`` passes it) its frames are seen, and a
sample waiting in ``epoll_wait`` is idle too. Without native frames, a sample inside uvloop
ends at the frame that started the loop and is counted apart: it is mostly the loop waiting
for something to happen, not work (a profile of 2026-12-06 with native frames: 35 % of the
event loop thread's samples waited in epoll, and 5 % were uvloop's own work).
"""

from __future__ import annotations

import collections
import re
import sys

CATEGORIES = [
    (
        "papers: docx rendering (docxtpl, python-docx, lxml, jinja2)",
        ("docxtpl/", "docx/", "lxml", "jinja2/", "bot/papers/", "bot/paperwork.py"),
    ),
    (
        "HTTP client: httpx, httpcore, anyio, h11",
        ("httpx/", "httpcore/", "anyio/", "h11/", "sniffio/"),
    ),
    (
        "HTTP client: aiohttp, yarl, multidict (bot/aiohttp_request.py)",
        ("aiohttp/", "yarl/", "multidict/", "propcache/", "bot/aiohttp_request.py"),
    ),
    ("flood limiter (bot/ratelimit.py)", ("bot/ratelimit.py",)),
    ("python-telegram-bot: objects, requests, dispatch", ("telegram/",)),
    ("database, event loop side (storage/db.py, asyncpg)", ("storage/db.py", "asyncpg/")),
    ("sopbot code: bot/, handlers/, storage/", ("bot/", "handlers/", "storage/")),
    ("apscheduler, tzlocal", ("apscheduler/", "tzlocal/")),
    ("holidays, dateutil", ("holidays/", "dateutil/")),
]
IDLE = (
    "selectors.py:",  # asyncio's event loop waiting in epoll
    "_serve (storage/db.py",  # a database thread waiting for its next function
    "_worker (concurrent/futures/thread.py",  # a pool thread waiting for work
    "threading.py:320",
    "threading.py:324",
)
# a native frame in which a thread waits: uvloop's loop in epoll, a lock, a queue, a sleep
NATIVE_WAIT = ("epoll_wait (", "epoll_pwait (", "pthread_cond_wait (", "pthread_cond_timedwait (",
               "sem_wait (", "sem_timedwait (", "do_futex_wait", "clock_nanosleep (")  # fmt: skip
# the innermost Python frame of the event loop thread while uvloop runs in C (py-spy names
# a method with its class: "Application.__run (...)")
IN_UVLOOP = ("__run (telegram/ext/_application.py", "run_until_complete (asyncio/")
THREADS = [
    ("[thread] database (storage/db.py writer and readers)", ("storage/", "sqlite3")),
    (
        "[thread] pictures (Pillow, matplotlib, bot/charts.py)",
        ("matplotlib/", "bot/charts.py", "PIL/"),
    ),
    (
        "[thread] papers: docx rendering, file writes",
        ("papers/", "docx", "filestore", "paperwork", "zipfile"),
    ),
]
FRAME_FILE = re.compile(r"\(([^:()]+):\d+\)")


def category(frame: str) -> str | None:
    found = FRAME_FILE.search(frame)
    name = found[1] if found else frame
    for label, keys in CATEGORIES:
        if any(k in name for k in keys):
            return label
    return None


def summarise(path: str, top: int = 0) -> str:
    totals: collections.Counter[str] = collections.Counter()
    leaves: collections.Counter[str] = collections.Counter()
    active = idle = 0
    with open(path) as stacks:
        for line in stacks:
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            count = int(count_text)
            frames = stack.split(";")
            python = [f for f in frames if FRAME_FILE.search(f) and ".py:" in f] or frames
            native_leaf = frames[-1] is not python[-1]
            if (
                any(w in frames[-1] for w in IDLE)
                or (native_leaf and any(w in python[-1] for w in IDLE))
                or frames[-1].startswith(NATIVE_WAIT)
            ):
                idle += count
                continue
            active += count
            if "threading.py" in python[0]:
                thread = next(
                    (name for name, keys in THREADS if any(k in f for f in frames for k in keys)),
                    "[thread] other",
                )
                totals[thread] += count
                continue
            if any(w in python[-1] for w in IN_UVLOOP):
                what = "its own work" if native_leaf else "epoll wait or its own work"
                totals[f"event loop inside uvloop's C code ({what})"] += count
                continue
            start = next(
                (
                    i
                    for i, f in enumerate(frames)
                    if "Handle._run (asyncio/events.py" in f or any(w in f for w in IN_UVLOOP)
                ),
                None,
            )
            if start is None:
                totals["event loop itself (scheduling)"] += count
                continue
            label = None
            for frame in reversed([f for f in frames[start + 1 :] if ".py:" in f]):
                label = category(frame)
                if label:
                    break
            totals[label or "stdlib / other, in callbacks"] += count
            leaves[python[-1]] += count
    out = [f"{active} active samples ({idle} idle dropped)"]
    out += [f"{100 * n / active:5.1f} %  {label}" for label, n in totals.most_common()]
    if top:
        out.append("innermost frames (event loop thread):")
        out += [f"{100 * n / active:5.1f} %  {frame}" for frame, n in leaves.most_common(top)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
