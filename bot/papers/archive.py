"""The archive bundle of a finished case: the Dokumentasi record and every final file.

Layout of the .zip::

    dokumentasi.docx       the archive record (render_dokumentasi)
    dokumen/<name>         each final file, under a safe name (final documents uploaded
                           under one name carry the document's: "draft (RKAKL).docx")
    tidak-disertakan.txt   only when some of the case's files are not in it: which, and why
    SHA256SUMS             "sha256  path" of every entry above (``sha256sum -c`` format)

Names come from users (uploaded file names), so each is reduced to a plain file name: no
folders, no "..", no drive letters or characters that Windows refuses, no device name
(CON, COM¹, CONIN$...: prefixed with "_"), no control characters, not empty, at most 150
characters, unique inside the bundle.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime

from bot.papers.dates import DEFAULT_ZONE, OfficeZone

__all__ = [
    "FILES_DIR",
    "LEFT_OUT_NAME",
    "MANIFEST",
    "RECORD_NAME",
    "bundle_zip",
    "named_for",
    "safe_archive_name",
]

RECORD_NAME = "dokumentasi.docx"
LEFT_OUT_NAME = "tidak-disertakan.txt"
FILES_DIR = "dokumen"  # the case's files: a "berkas" is the case itself (Berkas #7)
MANIFEST = "SHA256SUMS"
MAX_NAME = 150

# Already compressed formats are stored as they are: deflating them again costs time and
# gains nothing.
_STORED = {
    "docx",
    "xlsx",
    "pptx",
    "odt",
    "ods",
    "odp",
    "zip",
    "pdf",
    "jpg",
    "jpeg",
    "png",
    "gz",
    "7z",
    "rar",
}
_FORBIDDEN = re.compile(r'[\x00-\x1f\x7f<>:"|?*\u202a-\u202e\u2066-\u2069]')
# Windows' device names (Microsoft, "Naming Files, Paths, and Namespaces"), with the
# superscript digits it also reads as COM and LPT ports, and the console's own; the device
# is reached whatever extension follows, and after spaces before it ("NUL .txt")
_RESERVED = re.compile(
    r"(?i)^(con|prn|aux|nul|conin\$|conout\$|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3])"
    r" *(\..*)?$"
)


def safe_archive_name(name: str) -> str:
    """A plain file name for an archive entry (never a path, never empty)."""
    base = re.split(r"[/\\]", name)[-1]
    base = _FORBIDDEN.sub("_", base).strip().strip(".").strip()
    if base in {"", ".", ".."}:
        base = "dokumen"
    if _RESERVED.match(base):
        base = "_" + base
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            base = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            base = base[:MAX_NAME]
    return base


def named_for(name: str, document: str) -> str:
    """``name`` with the document it holds before its extension: "draft (RKAKL).docx".
    Final documents uploaded under one name ("draft.docx", "scan.pdf") are told apart so,
    not as "draft (2).docx", which says nothing of which document it is."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return f"{name} ({document})"
    return f"{stem} ({document}).{ext}"


def _unique(name: str, taken: set[str]) -> str:
    if name.lower() not in taken:
        taken.add(name.lower())
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    n = 2
    while True:
        candidate = f"{stem} ({n})" + (f".{ext}" if ext else "")
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
        n += 1


_Stamp = tuple[int, int, int, int, int, int]


def _entry(zf: zipfile.ZipFile, name: str, data: bytes, when: _Stamp) -> None:
    info = zipfile.ZipInfo(name, date_time=when)
    ext = name.rpartition(".")[2].lower()
    info.compress_type = zipfile.ZIP_STORED if ext in _STORED else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, data)


def bundle_zip(
    dokumentasi_docx: bytes,
    files: Sequence[tuple[str, bytes]],
    *,
    when: datetime | None = None,
    zone: OfficeZone = DEFAULT_ZONE,
    left_out: str = "",
) -> bytes:
    """The .zip of a case's final files and its Dokumentasi record.

    ``files`` are (file name as uploaded, content). ``when`` (default: now) is the time
    written on the entries, on the office's clock (``zone``: a zip stores a local time
    without a zone); the same inputs and ``when`` give the same bytes. ``left_out``: the
    note of the files the bundle goes without (:data:`LEFT_OUT_NAME`), if any.
    """
    t = zone.local(when or datetime.now(zone.tz))
    # Zip timestamps cannot go before 1980.
    stamp: _Stamp = (max(t.year, 1980), t.month, t.day, t.hour, t.minute, t.second)
    out = io.BytesIO()
    sums: list[str] = []
    taken: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        _entry(zf, RECORD_NAME, dokumentasi_docx, stamp)
        sums.append(f"{hashlib.sha256(dokumentasi_docx).hexdigest()}  {RECORD_NAME}")
        for raw_name, data in files:
            name = f"{FILES_DIR}/{_unique(safe_archive_name(raw_name), taken)}"
            _entry(zf, name, data, stamp)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
        if left_out:
            note = left_out.encode("utf-8")
            _entry(zf, LEFT_OUT_NAME, note, stamp)
            sums.append(f"{hashlib.sha256(note).hexdigest()}  {LEFT_OUT_NAME}")
        _entry(zf, MANIFEST, ("\n".join(sums) + "\n").encode("utf-8"), stamp)
    return out.getvalue()
