"""Logging that never shows the bot token.

httpx logs every request URL at INFO, and Bot API URLs contain the token, so httpx and
httpcore are held at WARNING; a filter also masks the token in any record that still
carries it (a traceback, an error message).
"""

from __future__ import annotations

import logging
import re
import time

# what a bot token looks like, wherever it turns up (a URL, an error message)
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactToken(logging.Filter):
    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        # the secret half on its own (or after a percent-encoded ':') is as bad as the whole
        secret = token.partition(":")[2] if token else ""
        self._secret = secret if len(secret) >= 16 else None

    def _clean(self, text: str) -> str:
        if self.token:
            text = text.replace(self.token, "<token>")
        if self._secret:
            text = text.replace(self._secret, "<token>")
        return TOKEN_SHAPE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed logging call: show what it had, never raise from here
            message = record.msg = f"{record.msg} {record.args!r}"
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # format the traceback now, cleaned, so no handler prints the raw one
            formatter = logging.Formatter()
            record.exc_text = self._clean(formatter.formatException(record.exc_info))
            record.exc_info = None
        cleaned = self._clean(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def redacted(text: str, token: str | None) -> str:
    """``text`` as it may be printed (a line on stderr, which no logging filter sees): the
    token, its secret half and anything shaped like a token as <token>."""
    return RedactToken(token)._clean(text)


class QuietRefusedToken(logging.Filter):
    """python-telegram-bot logs a token the server refuses with two chained tracebacks
    before it raises; ``sopbot run`` then says it in one line, naming the variable. Its own
    line stays, without the tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.startswith("telegram"):
            from telegram.error import InvalidToken

            if isinstance(record.exc_info[1], InvalidToken):
                record.exc_info = None
        return True


class ZonedFormatter(logging.Formatter):
    """Each line's time with the UTC offset of the host's zone (``+0700``): the tasks and
    papers say the office's time (``time.timezone``), which the host's need not be."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        offset = time.strftime("%z", self.converter(record.created))
        return f"{super().formatTime(record, datefmt)} {offset}"


def setup_logging(token: str | None = None, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(ZonedFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietRefusedToken())
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
