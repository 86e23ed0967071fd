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

With what it read, a text remembers the question that waited for typed text when it came:
should that question wait still when the text is edited, the text was not taken as its
answer (a year the bot could not read, a reason too long), and the edit's answer asks for a
new message rather than saying the original stands. A file or photo the bot took
nothing of (a file refused, a photo, a file it asked the case of), or a text it took
nothing of (typed while no question waited), is marked so by its handler
(:meth:`EditsSeen.not_taken`), with the question it did not answer, if one waited: its
edit is answered that nothing of it was recorded, not that it stands.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from telegram import Message

MOST = 4096
"""The messages remembered: a few days of a bureau's messages to the bot."""

_ANSWERED = None


@dataclass(frozen=True)
class _Read:
    fingerprint: int
    asked: Hashable | None  # the question waiting for typed text when the message came
    taken: bool = True  # False: the bot took nothing of it, and told its sender so


@dataclass(frozen=True)
class Edit:
    """An edit to answer: the question that waited for typed text when its message was
    sent (None: none waited, or the message is not remembered); ``taken``: False when the
    bot took nothing of the message (a file refused, a photo, a text no question waited
    for); ``typed``: the message is a text (not a file's or a photo's caption)."""

    asked: Hashable | None
    taken: bool = True
    typed: bool = False


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
        self._messages: OrderedDict[tuple[int, int], _Read | None] = OrderedDict()

    def received(self, message: Message, asked: Hashable | None = None) -> None:
        """A new message: what the bot read of it, and the question (``asked``) waiting for
        typed text as it came."""
        read = _read(message)
        if read is not None:
            self._remember((message.chat_id, message.message_id), _Read(read, asked))

    def to_answer(self, edited: Message) -> Edit | None:
        """An ``edited_message`` to be told that the edit is not processed: what the bot
        reads of it changed (or its message is not known), and no edit of it was answered
        before; else None."""
        read = _read(edited)
        if read is None:
            return None  # a live location moved, or another message the bot reads nothing of
        key = (edited.chat_id, edited.message_id)
        known = key in self._messages
        seen = self._messages.get(key)
        if known and (seen is None or seen.fingerprint == read):
            return None  # answered already (None), or nothing the bot read has changed
        self._remember(key, _ANSWERED)
        typed = edited.text is not None
        if seen is None:
            return Edit(None, typed=typed)
        return Edit(seen.asked, seen.taken, typed)

    def not_taken(self, chat_id: int, message_id: int, asked: Hashable | None = None) -> None:
        """The bot took nothing of a message it was sent (a file refused, a photo, a text no
        question waited for), and told its sender so; ``asked``: the question waiting for typed text it did not answer. A
        message not remembered (or whose edit was answered) is left as it is."""
        seen = self._messages.get((chat_id, message_id))
        if seen is not None:
            self._messages[(chat_id, message_id)] = _Read(
                seen.fingerprint, asked if asked is not None else seen.asked, taken=False
            )

    def _remember(self, key: tuple[int, int], value: _Read | None) -> None:
        self._messages[key] = value
        self._messages.move_to_end(key)
        while len(self._messages) > self._most:
            self._messages.popitem(last=False)
