"""Import an SOP-AP form (the portal's text/HTML export or a .docx) as a draft definition.

    draft_toml("form.docx", data) -> (toml text, Draft)

The draft loads with :func:`bot.core.loader.load_draft`; its guesses stay blocking until a
reviewer confirms them. See README, "Importing a bureau's SOP".
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import tomllib
from pathlib import Path, PurePath

from bot.core.loader import DefinitionError, parse_draft
from bot.sopimport import texts as t
from bot.sopimport.docx_form import read_docx_form
from bot.sopimport.form import read_form
from bot.sopimport.inference import infer_draft
from bot.sopimport.limits import MAX_DOCX_BYTES, MAX_TEXT_BYTES
from bot.sopimport.model import Draft, ImportFailure, SopForm
from bot.sopimport.text_form import read_text_form
from bot.sopimport.toml_writer import write_draft

__all__ = ["Draft", "ImportFailure", "draft_toml", "read_sop_form", "write_atomically"]

# an OLE2 compound file: an old .doc, or a .docx Word encrypted with a password to open,
# whose stream EncryptedPackage holds it (named in UTF-16 in the directory; as
# bot.filecheck tells it)
_OLE2 = b"\xd0\xcf\x11\xe0"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def read_sop_form(name: str, data: bytes) -> SopForm:
    """The form in ``data``: a .docx by its content (a ZIP) or its name, else the text export."""
    if len(data) > MAX_DOCX_BYTES:
        raise ImportFailure(
            t.TOO_BIG.format(size=t.megabytes(len(data)), limit=t.megabytes(MAX_DOCX_BYTES))
        )
    suffix = PurePath(name).suffix.casefold()
    if data.startswith(_OLE2) and _ENCRYPTED_PACKAGE in data:
        raise ImportFailure(t.DOCX_PASSWORD)
    if suffix == ".doc" or data.startswith(_OLE2):
        raise ImportFailure(t.OLD_WORD)
    if suffix == ".docx" or data.startswith(b"PK\x03\x04"):
        return read_form(read_docx_form(data), t.FORM_DOCX, symbols_possible=True)
    if len(data) > MAX_TEXT_BYTES:
        raise ImportFailure(
            t.TEXT_TOO_BIG.format(size=t.megabytes(len(data)), limit=t.megabytes(MAX_TEXT_BYTES))
        )
    if not data.strip():
        raise ImportFailure(t.EMPTY_FILE)
    return read_form(read_text_form(data), t.FORM_TEXT, symbols_possible=False)


def draft_toml(name: str, data: bytes) -> tuple[str, Draft]:
    """The draft definition as TOML text, checked by loading it back."""
    draft = infer_draft(read_sop_form(name, data), PurePath(name).name)
    text = write_draft(draft)
    try:
        parse_draft(tomllib.loads(text), source="<draf>")
    except (tomllib.TOMLDecodeError, DefinitionError) as exc:  # an importer bug, not bad input
        raise RuntimeError(f"the importer wrote a definition that does not load: {exc}") from exc
    return text, draft


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path`` and rename it over: never a partial file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(f.fileno(), 0o666 & ~umask)  # as open() would create it, not 0600
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
