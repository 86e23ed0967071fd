"""One bot process of an active/standby pair on PostgreSQL (``test_pg_failover.py``).

``python tests/pg_failover_worker.py OUT_DIR DATABASE_URL API_BASE_URL`` builds the real
application from the demo configuration with ``storage.database`` the URL (files under
OUT_DIR, shared by every process, Telegram at API_BASE_URL: the emulator in the test
process) and runs it as ``sopbot run`` does on PostgreSQL: it prints ``standby`` and waits
for the active lock, prints ``active`` once it holds it (and has opened the database),
starts long polling and prints ``ready``; it exits (status 3) if it ever loses the lock,
and otherwise runs until it is killed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from bot.app import build_application
from bot.demo import FAST_SENDER, TOKEN, world_config
from bot.logsetup import setup_logging
from bot.updates import ALLOWED_UPDATES
from storage.active import ActiveLock


async def main(out: Path, url: str, base_url: str) -> int:
    setup_logging(TOKEN, logging.INFO)
    config = world_config(out, base_url, storage={"database": url})
    active = ActiveLock(url, ping_every=0.5, ping_timeout=2.0)
    app = build_application(config, TOKEN, sender_options=FAST_SENDER, active=active)
    await app.initialize()
    print("standby", flush=True)
    if app.post_init is not None:
        await app.post_init(app)  # takes the lock first: waits here while another is active
    print("active", flush=True)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    print("ready", flush=True)
    await active.lost.wait()
    return 3


if __name__ == "__main__":
    sys.exit(asyncio.run(main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])))
