"""The text of a file an office edits (an SOP definition, config.toml): UTF-8 TOML.

A leading UTF-8 byte order mark, which Windows Notepad writes, is dropped. Text in another
encoding is refused with the place of its first byte that is not UTF-8, so that the office
finds the character (an "é" saved as Latin-1) or learns that the file is UTF-16.
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from pathlib import Path

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# An SOP definition is a few KB (the shipped one: 17 KB), a config less: a larger file is
# not one an office wrote, and is refused before it is read into memory.
MAX_BYTES = 1_000_000


class UnreadableText(ValueError):
    """A file that cannot be taken as an office's text; the message says why."""


class NotUtf8(UnreadableText):
    """The bytes are not UTF-8; the message says where (and what to do)."""


class TooLarge(UnreadableText):
    """Larger than any file an office writes."""


def read_text_file(path: Path) -> str:
    """The file's text (see :func:`utf8_text`); a file over :data:`MAX_BYTES` is refused
    with its size, without being read."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise TooLarge(
            f"the file is {size:,} bytes; an SOP definition or a config is a few KB "
            f"(at most {MAX_BYTES:,} bytes): is it the right file?"
        )
    return utf8_text(path.read_bytes())


def utf8_text(data: bytes) -> str:
    """``data`` decoded as UTF-8, without a leading byte order mark."""
    if data.startswith(_UTF16_BOMS):
        raise NotUtf8(
            "not UTF-8 text: the file is UTF-16 (it starts with its byte order mark); "
            "save it as UTF-8"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(f"not UTF-8 text: {_place(data, exc.start)}; save it as UTF-8") from exc


def _place(data: bytes, offset: int) -> str:
    """ "byte 0xe9 at offset 412 (line 12, column 7)": columns count bytes from 1."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"byte 0x{data[offset]:02x} at offset {offset} (line {line}, column {column})"


_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)$")


def toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's message (with its line and column), naming the key a value is given twice
    ("Cannot overwrite a value" names none), or the character outside ASCII it stopped at
    (a word processor's curly quote, a non-breaking space, a key written with "ö"), which
    its message does not say and the office may not even see. For an SOP definition and
    config.toml alike."""
    message = str(exc)
    at = _TOML_AT.search(message)
    lines = text.split("\n")  # as tomllib counts lines (not U+2028, form feed, ...)
    if not at or int(at[1]) > len(lines):
        return message
    line = lines[int(at[1]) - 1]
    if message.startswith("Cannot overwrite a value"):
        stripped = line.strip()
        key = stripped.strip("[] ") if stripped.startswith("[") else stripped.partition("=")[0]
        return f"{key.strip()} is given a value twice {at[0]}" if key.strip() else message
    column = int(at[2])
    if 0 < column <= len(line) and not line[column - 1].isascii():
        char = line[column - 1]
        name = unicodedata.name(char, "")
        return (
            f"{message}: the character U+{ord(char):04X}{f' {name}' if name else ''} cannot "
            "stand there; write a key in a-z, 0-9, '_' and '-', and text between straight "
            'quotes "..." (not a word processor\'s curly ones)'
        )
    return message


def unknown_key(key: str, known: Iterable[str]) -> str:
    """The problem of a key its table does not take: ``unknown key``, naming the key meant
    when one is a letter or two (or the letter case) away, as an office mistypes it
    (``databse``, ``repeat_every_minute``, ``[Bot]``)."""
    meant = closest(key, known)
    return "unknown key" if meant is None else f"unknown key (did you mean '{meant}'?)"


def closest(word: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` that ``word`` was meant to be: the same but for the letter case,
    or a letter or two away (``kasubbag`` for ``kasubag``); None when none is that close."""
    folded = {k.casefold(): k for k in known}
    if word.casefold() in folded:
        return folded[word.casefold()]
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.75)
    return folded[close[0]] if close else None
