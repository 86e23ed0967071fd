"""Issue 14's figures: what the officials receive on the demo's main path.

The main path of ``sopbot demo`` (``bot.demo.run_demo``, up to its count): the real bot and
the Bot API emulator in this process (``bot.demo.demo_world``: no reminders), the six officials send /start,
then ``play_sop`` walks one case through all twelve steps with a return, with a typed
reason, at every review step (uploads, the team, the note, the archive number), at the
office's pace on the demo's clock. When the outbox is drained:

* messages the six officials received (``bot.demo.count_messages``: new messages in their
  private chats, an album of N documents counting N, the answers to their /start
  included, edits not): goal ≤ 67, before issue 14: ``BASELINE_MESSAGES`` (135);
* files sent twice to the same person in the same version (same name and content): goal 0.

Run: .venv/bin/python bench/bench_messages.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import emit, note

from bot.clock import ManualClock
from bot.demo import (
    BASELINE_MESSAGES,
    DEMO_START,
    OFFICIALS,
    count_messages,
    demo_world,
    office_pace,
    play_sop,
)


async def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-messages-") as tmp:
        clock = ManualClock(DEMO_START)
        async with demo_world(Path(tmp), clock) as world:
            await world.everyone_starts()
            welcomes = sum(world[p.key].received_count() for p in OFFICIALS)
            await play_sop(world, pace=office_pace(world, clock))
            await world.drained()
            counted = count_messages(world)
            edits = {p.key: world[p.key].edits_seen() for p in OFFICIALS}
    emit(
        "messages_main_path",
        counted.total,
        "msgs",
        67,
        before=BASELINE_MESSAGES,
        per_official=counted.received,
        answers_to_start=welcomes,
        edits_seen=edits,
    )
    emit("files_sent_twice_same_version", counted.resent, "files", 0)
    note(f"bench_messages took {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
