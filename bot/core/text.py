"""What a typed text shows: the rules every free text an official types is held to."""

from __future__ import annotations

import unicodedata

# characters Unicode counts as letters that show nothing (the Hangul fillers, the braille
# blank): a "title" of them is as empty as one of spaces
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def shows(ch: str) -> bool:
    """Whether a character leaves a mark: not a space, a control or format character (a
    zero-width space or joiner, a bidirectional mark) or an invisible letter."""
    return (
        not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" and ch not in INVISIBLE_LETTERS
    )


def is_blank(text: str) -> bool:
    """Whether a text shows nothing at all (a reason of one zero-width space is none)."""
    return not any(shows(ch) for ch in text)
