"""The ``sopbot`` command run as a real process from the repository root, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ng"  # the shape of a token, no bot's


def sopbot(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS``: the token in ``TELEGRAM_BOT_TOKEN`` only when given (never
    the shell's own)."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    if token is not None:
        env["TELEGRAM_BOT_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
