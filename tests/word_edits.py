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
