"""The active bot process of ``test_pg_netloss.py``, run on the machine that loses its
network (a network namespace).

``python tests/pg_netloss_holder.py DATABASE_URL`` opens the database, takes the active
lock as ``sopbot run`` does, and begins a write that does not end (it holds the
per-transaction write lock, as a write under way when the machine dies does); it prints
``holding`` then. When it notices that the lock's connection is gone it prints ``lost``
and exits with status 3, as ``sopbot run`` does.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from storage.active import ActiveLock
from storage.db import Tx
from storage.postgres import PostgresDatabase


def write_for_ever(tx: Tx) -> None:
    tx.run("INSERT INTO processed_updates (update_id, at) VALUES (1, '2026-01-05T02:00:00+00:00')")
    print("holding", flush=True)
    time.sleep(3600)


async def main(url: str) -> None:
    active = ActiveLock(url)
    await active.acquire()
    db = await PostgresDatabase.open(url)
    writing = asyncio.create_task(db.write(write_for_ever))
    await active.lost.wait()
    print("lost", flush=True)
    assert not writing.done()
    os._exit(3)  # the write's thread sleeps on: not waited for


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
