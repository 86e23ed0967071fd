"""The bot as a process of its own, for the crash test (``test_reliability_crash.py``).

``python tests/crash_worker.py OUT_DIR API_BASE_URL`` builds the real application from the
demo configuration (database and files under OUT_DIR, Telegram at API_BASE_URL: the
emulator in the test process), starts long polling, prints ``ready`` and runs until it is
killed. Nothing here is special to tests but the fast outbox pacing of the demo.
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


async def main(out: Path, base_url: str) -> None:
    setup_logging(TOKEN, logging.INFO)
    config = world_config(out, base_url)
    app = build_application(config, TOKEN, sender_options=FAST_SENDER)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    print("ready", flush=True)
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
