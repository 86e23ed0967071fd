"""sopbot: an Indonesian government SOP run as a Telegram approval workflow."""

import os

# Opt in to python-telegram-bot's coming behaviour (durations as ``timedelta``, e.g.
# ``RetryAfter.retry_after``): the code handles both, and the deprecation warning each
# handled 429 raised otherwise is noise.
os.environ.setdefault("PTB_TIMEDELTA", "true")
