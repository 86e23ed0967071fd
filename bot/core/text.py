"""What a typed text shows: the rules every free text an official types is held to."""

from __future__ import annotations

import unicodedata

# line breaks as str.splitlines() knows them: a one-line text (a title) holding one is refused
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# bidirectional embeddings, overrides and isolates: they would reorder how a text shows in
# every later message (a known spoofing trick)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
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


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds what a one-line text may not: a line break, a control
    character (other than a space or tab) or a bidirectional embedding, override or isolate.
    The rule for a title, and for every free text an official types into a command (a
    reason, a letter number), and for the names an SOP file gives."""
    for ch in text:
        if ch in LINE_BREAKS or ch in BIDI_CONTROLS:
            return True
        if unicodedata.category(ch) in ("Cc", "Cs") and not ch.isspace():
            return True
    return False


def without_controls(text: str) -> str:
    """A free text of several lines as it is kept: each line break a ``\\n``, tabs kept, and
    every other control character (a NUL, a bell, an escape) and lone surrogate dropped.
    They show nothing, and PostgreSQL cannot store a NUL at all: a reason holding one was
    refused there and kept on SQLite. Format characters (a zero-width joiner, a direction
    mark) stay as typed: the text is shown as the official wrote it."""
    if text.isprintable():
        return text
    kept = []
    for ch in text.replace("\r\n", "\n"):
        if ch in LINE_BREAKS:
            kept.append("\n")
        elif ch == "\t" or unicodedata.category(ch) not in ("Cc", "Cs"):
            kept.append(ch)
    return "".join(kept)
