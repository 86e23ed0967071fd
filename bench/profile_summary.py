"""Where a bot process's CPU goes: a summary of py-spy's raw (collapsed) stacks.

    python bench/profile_summary.py STACKS.txt [TOP]

Each sample is put in one category. Samples of the event loop thread go by the innermost
frame of a known library (stdlib frames count for the library that called them); samples
of other threads by what the thread runs (the database's writer and reader threads of
``storage/db.py``, the drawing thread of the pictures, the ``asyncio.to_thread`` pool that
renders papers and writes files).

py-spy's idle detection does not work in every container, so samples whose innermost frame
is a known wait are dropped as idle: a database thread waiting for its next function, a
pool thread waiting for work, asyncio's select. uvloop runs its loop in C, which py-spy
does not see: a sample of the event loop thread inside uvloop (waiting in epoll, or doing
its own I/O) ends at the frame that started the loop, and is counted apart.
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
# the innermost Python frame of the event loop thread while uvloop runs in C
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
            if any(w in frames[-1] for w in IDLE):
                idle += count
                continue
            active += count
            if "threading.py" in frames[0]:
                thread = next(
                    (name for name, keys in THREADS if any(k in f for f in frames for k in keys)),
                    "[thread] other",
                )
                totals[thread] += count
                continue
            if any(frames[-1].startswith(w) for w in IN_UVLOOP):
                totals["event loop inside uvloop's C code (epoll wait or its own I/O)"] += count
                continue
            start = next(
                (
                    i
                    for i, f in enumerate(frames)
                    if f.startswith("Handle._run (asyncio/events.py")
                    or any(f.startswith(w) for w in IN_UVLOOP)
                ),
                None,
            )
            if start is None:
                totals["event loop itself (scheduling)"] += count
                continue
            label = None
            for frame in reversed(frames[start + 1 :]):
                label = category(frame)
                if label:
                    break
            totals[label or "stdlib / other, in callbacks"] += count
            leaves[frames[-1]] += count
    out = [f"{active} active samples ({idle} idle dropped)"]
    out += [f"{100 * n / active:5.1f} %  {label}" for label, n in totals.most_common()]
    if top:
        out.append("innermost frames (event loop thread):")
        out += [f"{100 * n / active:5.1f} %  {frame}" for frame, n in leaves.most_common(top)]
    return "\n".join(out)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0))
