"""Delivery of the outbox: every message the workflow must send, sent at least once.

Rows are written in the same transaction as the change that causes them; this sender
delivers them afterwards, in order per chat, retrying network errors, 5xx and 429 (after
``retry_after``) with backoff. Pacing is the one flood limiter's
(:class:`bot.ratelimit.FloodLimiter`, installed in the application): every call the bot
makes passes it, the outbox's behind the interactive answers (``BACKGROUND``). A row is
marked sent only after Telegram accepted it, so a crash in between sends it again (at
least once) and never loses it.

Rows are small and rendered when they go out (:mod:`bot.messages`). One concern a module:

* :mod:`~bot.outbox.sender`: :class:`OutboxSender`, its rounds (each chat's rows in order,
  in a task of their own), answers out of their chat's turn, pruning of delivered rows;
* :mod:`~bot.outbox.settle`: one row tried, and settled as what went wrong means (429s,
  back-off, what Telegram refuses, a template that does not fill);
* :mod:`~bot.outbox.faults`: faults of the bot's own environment (rows held, rounds failed,
  not counted as attempts), and the administrators told of them;
* :mod:`~bot.outbox.rows`: a row delivered by its kind (notices, questions, reactions,
  buttons retired, decisions shown), a reminder claimed when its turn comes;
* :mod:`~bot.outbox.tasks`: task messages edited in place or sent anew, and recorded;
* :mod:`~bot.outbox.memory`: what the sender remembers of task messages (in memory only);
* :mod:`~bot.outbox.chases`: reminders, escalations and digests: office time, the
  addressee no longer theirs, the chase log;
* :mod:`~bot.outbox.files`: documents and albums, a file gone from the files folder;
* :mod:`~bot.outbox.papers`: papers rendered and kept with their case;
* :mod:`~bot.outbox.courier`: what they all share (the database, the bot, the clock, the
  loop's wake, the flood limiter's lane, buttons, Telegram's descriptions).

The names the rest of the bot imports are reached from here (``from bot.outbox import
OutboxSender``); the package logs as one logger, ``bot.outbox``.
"""

from bot.outbox.chases import log_chase
from bot.outbox.courier import (
    DELETED,
    GONE,
    NOT_MODIFIED,
    TOO_LARGE,
    UNREACHABLE,
    keyboard_markup,
)
from bot.outbox.faults import (
    FAULT_ALERT,
    FAULT_BACKOFF_FIRST,
    FAULT_BACKOFF_MAX,
    FAULT_LOG_EVERY,
    local_fault,
)
from bot.outbox.files import UPLOAD_READ_TIMEOUT
from bot.outbox.memory import SHOWN_KEPT
from bot.outbox.papers import DOCX_MIME, LeftOut, PaperMaker, RenderedPaper, Unwritten
from bot.outbox.rows import ACK_REACTION
from bot.outbox.sender import CHATS_IN_FLIGHT, PRUNE_EVERY, OutboxSender
from bot.outbox.settle import PAPER_WAIT

__all__ = [
    "ACK_REACTION",
    "CHATS_IN_FLIGHT",
    "DELETED",
    "DOCX_MIME",
    "FAULT_ALERT",
    "FAULT_BACKOFF_FIRST",
    "FAULT_BACKOFF_MAX",
    "FAULT_LOG_EVERY",
    "GONE",
    "NOT_MODIFIED",
    "PAPER_WAIT",
    "PRUNE_EVERY",
    "SHOWN_KEPT",
    "TOO_LARGE",
    "UNREACHABLE",
    "UPLOAD_READ_TIMEOUT",
    "LeftOut",
    "OutboxSender",
    "PaperMaker",
    "RenderedPaper",
    "Unwritten",
    "keyboard_markup",
    "local_fault",
    "log_chase",
]
