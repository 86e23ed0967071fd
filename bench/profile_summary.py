"""Where a bot process's CPU goes: a summary of py-spy's raw (collapsed) stacks.

    python bench/profile_summary.py STACKS.txt [TOP]

Each sample is put in one category: samples of the event loop thread by the innermost
frame of a known library (stdlib frames count for the library that called them), samples
of other threads by what the thread runs (aiosqlite's worker threads, the thread pool of
``asyncio.to_thread`` rendering papers). py-spy's idle detection does not work in every
container, so samples whose innermost frame is a known wait (the event loop's select, a
worker thread's queue.get) are dropped as idle.
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
    ("aiosqlite, event loop side", ("aiosqlite/",)),
    ("sopbot code: bot/, handlers/, storage/", ("bot/", "handlers/", "storage/")),
    ("apscheduler, tzlocal", ("apscheduler/", "tzlocal/")),
    ("holidays, dateutil", ("holidays/", "dateutil/")),
]
IDLE = (
    "selectors.py:468",  # the event loop waiting in epoll
    "aiosqlite/core.py:59",  # an aiosqlite worker waiting for work
    "concurrent/futures/thread.py:81",  # a to_thread worker waiting for work
    "threading.py:320",
    "threading.py:324",
)
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
                if any("aiosqlite" in f for f in frames):
                    totals["[thread] sqlite (aiosqlite worker threads)"] += count
                elif any(k in f for f in frames for k in ("papers/", "docx", "filestore")):
                    totals["[thread] papers: docx rendering, file writes"] += count
                else:
                    totals["[thread] other"] += count
                continue
            start = next(
                (i for i, f in enumerate(frames) if f.startswith("Handle._run (asyncio/events.py")),
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
