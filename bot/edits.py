"""Which edits of their messages people are told are not processed (``handlers.gate``).

Telegram sends ``edited_message`` for more than a person's edit: one for every new position
of a live location (for hours), and, as the Bot API says, edits "triggered by changes to
message fields that are either unavailable or not actively used by your bot" (the message
comes as it was, with an ``edit_date``). Only an edit of what the bot read of a message
is answered: its text, its caption, its file; and only once a message, so that repeated
edits of one message neither flood the chat nor take its one message a second.

Kept in memory, bounded (:data:`MOST` messages, the oldest forgotten first), not in the
database: after a restart, or for a message older than the last :data:`MOST`, an edit is
answered once more than it would be (its message is not known as read, nor as answered).
One polite reply too many is cheaper than a write for every message an official sends.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Message

MOST = 4096
"""The messages remembered: a few days of a bureau's messages to the bot."""

_ANSWERED = None


def _read(message: Message) -> int | None:
    """What the bot reads of a message, as a fingerprint (a hash in this process); None
    for a message it reads nothing of (a location, a contact, a photo without caption)."""
    document = message.document
    if message.text is None and message.caption is None and document is None:
        return None
    return hash((message.text, message.caption, document.file_unique_id if document else None))


class EditsSeen:
    """The messages people sent lately: what the bot read of each, or that an edit of it
    was answered."""

    def __init__(self, most: int = MOST) -> None:
        self._most = most
        self._messages: OrderedDict[tuple[int, int], int | None] = OrderedDict()

    def received(self, message: Message) -> None:
        """A new message: what the bot read of it."""
        read = _read(message)
        if read is not None:
            self._remember((message.chat_id, message.message_id), read)

    def to_answer(self, edited: Message) -> bool:
        """Whether an ``edited_message`` is to be told that the edit is not processed: what
        the bot reads of it changed (or its message is not known), and no edit of it was
        answered before."""
        read = _read(edited)
        if read is None:
            return False  # a live location moved, or another message the bot reads nothing of
        key = (edited.chat_id, edited.message_id)
        if key in self._messages and self._messages[key] in (_ANSWERED, read):
            return False  # answered already, or nothing the bot read has changed
        self._remember(key, _ANSWERED)
        return True

    def _remember(self, key: tuple[int, int], value: int | None) -> None:
        self._messages[key] = value
        self._messages.move_to_end(key)
        while len(self._messages) > self._most:
            self._messages.popitem(last=False)
