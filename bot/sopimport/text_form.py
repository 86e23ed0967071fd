"""Read the portal's text/HTML export: tab-separated rows whose cells may hold HTML fragments.

The export is one grid: each line a row, each tab a cell boundary. A header cell such as Dasar
Hukum holds an HTML list (``<ol> 1. ... 2. ...</ol>``, ``<p>..</p> <p>..</p>``); it becomes
one item per list entry. The flowchart symbols are not in the export, so no cell has symbols.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from bot.sopimport import texts as t
from bot.sopimport.limits import MAX_COLUMNS, MAX_ROWS
from bot.sopimport.model import Cell, FormTable, ImportFailure, shown_text

_BLOCK_TAGS = {"p", "li", "br", "div", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"}
_SPACE = re.compile(r"\s+")
_LIST_NUMBER = re.compile(r"\s(\d+)[.)]\s+")  # " 2. ": an entry's number in a running list


def read_text_form(data: bytes) -> list[FormTable]:
    """The export as one table of rows and cells."""
    lines = decode_text(data).splitlines()
    if len(lines) > MAX_ROWS:
        raise ImportFailure(t.TEXT_TOO_MANY_ROWS.format(count=len(lines), limit=MAX_ROWS))
    rows = []
    for r, line in enumerate(lines):
        raws = line.split("\t")
        if len(raws) > MAX_COLUMNS:
            raise ImportFailure(
                t.TEXT_ROW_TOO_WIDE.format(row=r + 1, width=len(raws), limit=MAX_COLUMNS)
            )
        rows.append(
            tuple(Cell(items=fragment_items(raw), key=(r, c)) for c, raw in enumerate(raws))
        )
    return [tuple(rows)]


def decode_text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Notepad's "Unicode": UTF-16 with its byte order mark, read as it is
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFailure(t.TEXT_UTF16_BROKEN) from exc
    if b"\x00" in data:
        raise ImportFailure(t.TEXT_NUL)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailure(t.TEXT_NOT_UTF8.format(byte=data[exc.start], at=exc.start)) from exc


class _Blocks(HTMLParser):
    """Text of an HTML fragment, cut into blocks at paragraph, list-item and line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] = []

    def _cut(self) -> None:
        text = _SPACE.sub(" ", shown_text("".join(self._current))).strip()
        if text:
            self.blocks.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._cut()

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._cut()

    def handle_data(self, data: str) -> None:
        self._current.append(data)

    def close(self) -> None:
        super().close()
        self._cut()


def fragment_items(fragment: str) -> tuple[str, ...]:
    """The entries of a cell: its HTML blocks, each split at inline numbering ``1. .. 2. ..``."""
    parser = _Blocks()
    parser.feed(fragment)
    parser.close()
    items: list[str] = []
    for block in parser.blocks:
        items += split_numbered(block)
    return tuple(items)


def split_numbered(text: str) -> list[str]:
    """``"1. A 2. B"`` -> ``["A", "B"]``; numbers must run 1, 2, 3, ... to count as a list.

    Numbers inside an entry (``UU No.39 Tahun 2008``, ``PP No. 47``) are not followed by
    ``. `` at the expected position, so they are left alone.
    """
    first = re.match(r"\s*1[.)]\s+", text)
    if first is None:
        return [text]
    starts = [(first.start(), first.end())]
    n, at = 2, first.end()
    # the first " n. " after the entry before, one pattern for every n (a list of thousands
    # compiled a pattern per entry: seconds)
    while (found := _LIST_NUMBER.search(text, at)) is not None:
        if found.group(1) == str(n):
            starts.append((found.start(), found.end()))
            n, at = n + 1, found.end()
        else:
            at = found.start() + 1
    if len(starts) < 2:
        return [text[first.end() :].strip()] if text[first.end() :].strip() else []
    ends = [s for s, _ in starts[1:]] + [len(text)]
    return [text[b:e].strip() for (_, b), e in zip(starts, ends, strict=True) if text[b:e].strip()]
