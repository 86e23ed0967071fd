"""A lean copy of an office's template (``sopbot template lean``): without the Word styles
no part uses, Word 2010's second copy of the styles (``word/stylesWithEffects.xml``) and
the preview picture (``docProps/thumbnail.*``).

An office's copy of a shipped template made before 2026-12-07 carries python-docx's default
100 table styles and ``stylesWithEffects.xml`` (790 KB), which every paper reads and writes
again: twice the CPU of a paper (``bot.papers.check.heavy_styles`` warns of it). The copy
is made with python-docx's public API: a style is kept when a part names it (a paragraph, run, table or numbering, the settings' defaults),
when it is a default style, or when a kept style is based on, followed by or linked to it.
Each part is written back as python-docx writes every paper; the old shipped files so
copied are the shipped files of today, part for part.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

__all__ = ["LeanCopy", "NotWordDocument", "lean_copy"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Elements whose w:val names a style: in the body, headers, footers, notes, numbering and
# settings.
_STYLE_REFERENCES = (
    "pStyle",
    "rStyle",
    "tblStyle",
    "numStyleLink",
    "styleLink",
    "clickAndTypeStyle",
    "defaultTableStyle",
)
# Those of a style that name another it needs.
_STYLE_LINKS = ("basedOn", "next", "link")
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


# What a file that is no .docx most often is, by its first bytes.
_KINDS = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Word 97-2003 .doc"),  # an OLE compound file
    (b"%PDF", "a PDF"),
    (b"{\\rtf", "an RTF document"),
    (b"PK", "a zip of another kind than Word's"),
)


class NotWordDocument(ValueError):
    """The file is no .docx (python-docx says only "Package not found" of a .doc or a PDF,
    though the file is there). ``kind`` says what it looks like, when that is known."""

    def __init__(self, kind: str | None) -> None:
        super().__init__(f"not a Word .docx document ({kind or 'of an unknown kind'})")
        self.kind = kind


@dataclass(frozen=True)
class LeanCopy:
    """What a lean copy left out: the styles removed, and the styles parts' size before
    and after (bytes, unpacked)."""

    removed: int
    kept: int
    styles_before: int
    styles_after: int


def lean_copy(source: Path, target: Path) -> LeanCopy:
    """Writes ``source`` to ``target`` without its unused styles, ``stylesWithEffects.xml``
    and thumbnail. ``target`` may be ``source``: it is read whole first."""
    document = _word_document(source)
    package = document.part.package
    styles_part = document.part.part_related_by(RT.STYLES)
    before = sum(
        len(part.blob)
        for part in package.iter_parts()
        if part is styles_part or str(part.partname).endswith("/stylesWithEffects.xml")
    )
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype == _STYLES_WITH_EFFECTS:
            document.part.drop_rel(rid)
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rid]

    used: set[str] = set()
    for part in package.iter_parts():
        if part is styles_part or not part.content_type.endswith("xml"):
            continue
        root = etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False))
        for name in _STYLE_REFERENCES:
            used.update(str(el.get(f"{_W}val")) for el in root.iter(f"{_W}{name}"))
    styles = {style.style_id: style for style in document.styles}
    used.update(
        style_id
        for style_id, style in styles.items()
        if style.element.get(f"{_W}default") in ("1", "true", "on")
    )
    pending = [style_id for style_id in used if style_id in styles]
    while pending:
        element = styles[pending.pop()].element
        for name in _STYLE_LINKS:
            link = element.find(f"{_W}{name}")
            value = None if link is None else link.get(f"{_W}val")
            if value is not None and value not in used:
                used.add(value)
                if value in styles:
                    pending.append(value)
    removed = [style for style_id, style in styles.items() if style_id not in used]
    for style in removed:
        style.delete()
    document.save(str(target))
    return LeanCopy(len(removed), len(styles) - len(removed), before, len(styles_part.blob))


def _word_document(source: Path) -> Document:
    """``source`` opened; :class:`NotWordDocument` when it is no .docx (an :class:`OSError`
    when it cannot be read, which python-docx too would call "Package not found")."""
    with source.open("rb") as file:  # python-docx reads every part at once
        try:
            return docx.Document(file)
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
            # not a zip; a zip without [Content_Types].xml; another content type than Word's
            file.seek(0)
            head = file.read(8)
            kind = next((kind for magic, kind in _KINDS if head.startswith(magic)), None)
            raise NotWordDocument(kind) from exc
