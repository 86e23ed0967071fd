"""Office copies of the shipped templates as Word saves them after an edit: the XML of one
part changed, everything else as it was; and the markup Word writes for some edits."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bot.papers.render import SHIPPED_TEMPLATES

BODY = "word/document.xml"
FOOTER = "word/footer1.xml"

# Text typed with Track Changes on, not yet accepted.
TRACKED_INSERTION = (
    '<w:ins w:id="90" w:author="Kantor" w:date="2026-01-05T10:00:00Z">',
    "</w:ins>",
)
# Text typed into a content control (Developer → Rich Text Content Control).
CONTENT_CONTROL = (
    '<w:sdt><w:sdtPr><w:alias w:val="Nomor berkas"/></w:sdtPr><w:sdtContent>',
    "</w:sdtContent></w:sdt>",
)


def office_copy(folder: Path, name: str, *edits: tuple[str, str], part: str = BODY) -> Path:
    """The shipped template ``name`` as an office saves it after changing its text: each
    (old, new) replaced once in ``part`` (the body unless told), everything else as it was."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    with zipfile.ZipFile(SHIPPED_TEMPLATES / name) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                xml = data.decode("utf-8")
                for old, new in edits:
                    assert old in xml, old
                    xml = xml.replace(old, new, 1)
                data = xml.encode("utf-8")
            out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def retyped(text: str, tail: str, wrapper: tuple[str, str]) -> tuple[str, str]:
    """An edit for :func:`office_copy`: the run whose text is ``text`` as Word writes it
    once ``tail`` (a part of it, say ``title }}`` of ``{{ case.title }}``) was typed again
    inside ``wrapper`` (:data:`TRACKED_INSERTION`, :data:`CONTENT_CONTROL`): the run split
    there, the tail a run of its own inside the wrapper."""
    head, _, rest = text.partition(tail)
    opening, closing = wrapper
    return (
        f"<w:t>{text}</w:t>",
        f'<w:t xml:space="preserve">{head}</w:t></w:r>{opening}<w:r>'
        f'<w:t xml:space="preserve">{tail}</w:t></w:r>{closing}<w:r>'
        f'<w:t xml:space="preserve">{rest}</w:t>',
    )


# One of the 100 table styles of python-docx's default document, as Word 2010 wrote it.
_TABLE_STYLE = (
    '<w:style w:type="table" w:styleId="LightShading{n}"><w:name w:val="Light Shading {n}"/>'
    '<w:basedOn w:val="TableNormal"/><w:uiPriority w:val="60"/><w:pPr><w:spacing w:after="0" '
    'w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:color w:val="000000" '
    'w:themeColor="text1" w:themeShade="BF"/></w:rPr><w:tblPr><w:tblStyleRowBandSize w:val="1"/>'
    '<w:tblStyleColBandSize w:val="1"/><w:tblInd w:w="0" w:type="dxa"/><w:tblBorders><w:top '
    'w:val="single" w:sz="8" w:space="0" w:color="000000" w:themeColor="text1"/><w:bottom '
    'w:val="single" w:sz="8" w:space="0" w:color="000000" w:themeColor="text1"/></w:tblBorders>'
    '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom '
    'w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'
    + "".join(
        f'<w:tblStylePr w:type="{band}"><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr><w:tblPr/><w:tcPr><w:tcBorders>'
        '<w:top w:val="single" w:sz="8" w:space="0" w:color="000000" w:themeColor="text1"/>'
        '<w:left w:val="nil"/><w:right w:val="nil"/><w:insideH w:val="nil"/><w:insideV '
        'w:val="nil"/></w:tcBorders></w:tcPr></w:tblStylePr>'
        for band in ("firstRow", "lastRow", "band1Vert", "band1Horz")
    )
    + "</w:style>"
)


def with_word_2010_styles(folder: Path, name: str, effects: bool = True) -> Path:
    """The shipped template ``name`` as an office copied it before 2026-12-07: 100 table
    styles no part uses in ``word/styles.xml`` and, with ``effects``, Word 2010's second
    copy of them (``word/stylesWithEffects.xml``, with its relationship and content type)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    extra = "".join(_TABLE_STYLE.format(n=n) for n in range(100))
    effects_rel = (
        '<Relationship Id="rId40" Type="http://schemas.microsoft.com/office/2007/relationships/'
        'stylesWithEffects" Target="stylesWithEffects.xml"/></Relationships>'
    )
    effects_type = (
        '<Override PartName="/word/stylesWithEffects.xml" '
        'ContentType="application/vnd.ms-word.stylesWithEffects+xml"/></Types>'
    )
    with zipfile.ZipFile(SHIPPED_TEMPLATES / name) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            text = src.read(info.filename).decode("utf-8")
            if info.filename == "word/styles.xml":
                text = text.replace("</w:styles>", extra + "</w:styles>")
                if effects:
                    out.writestr("word/stylesWithEffects.xml", text, zipfile.ZIP_DEFLATED)
            elif effects and info.filename == "word/_rels/document.xml.rels":
                text = text.replace("</Relationships>", effects_rel)
            elif effects and info.filename == "[Content_Types].xml":
                text = text.replace("</Types>", effects_type)
            out.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return target
