"""Files on disk: every copy lives under the configured files directory, nowhere else.

Names from users are sanitised before they touch the disk; the stored name also carries
the content hash, so two versions never overwrite each other. The name people read stays
as its sender gave it (:func:`display_name`), only made unable to pass for another.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.core.text import shows

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_NAME = 120
# a copy being written: ``<name>.<16 hex>.part``, renamed to ``<name>`` once whole
_PART = re.compile(r"\.[0-9a-f]{16}\.part$")
STALE_PART_SECONDS = 15 * 60
"""A ``.part`` file this old at start was left by a process that stopped while writing it
(no save takes minutes)."""


def safe_name(name: str, default: str = "berkas") -> str:
    """A file name safe on any disk: no directories, no control or odd characters."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"_+", "_", _UNSAFE.sub("_", name))
    stem, dot, ext = name.rpartition(".")
    if dot and ext.strip(" _") and not stem.strip(" ._"):
        name = f"{default}.{ext}"  # only the extension was left (a name in another script)
    name = name.strip(" .")
    if not name or name in {".", ".."}:
        name = default
    return _within_limit(name)


def display_name(name: str, default: str = "dokumen") -> str:
    """A file's name as its sender gave it, for people to read ("TOR – revisi (2) &
    lampiran.docx"): the last part of a path, each run of spaces and control characters
    one space, without the characters that show nothing (zero-width, bidirectional: they
    could make it read as another name), at most ``MAX_NAME`` characters with its
    extension kept. Shown escaped, never used as a path."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(_readable(ch) for ch in name).split())
    stem, dot, ext = name.rpartition(".")
    if dot and not stem.strip(" ."):
        name = f"{default}.{ext}"  # nothing but an extension
    name = name.strip(" .") or default
    return _within_limit(name)


def _within_limit(name: str) -> str:
    """At most ``MAX_NAME`` characters, the extension kept (a short one)."""
    if len(name) <= MAX_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 8:
        return stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + dot + ext
    return name[:MAX_NAME].rstrip(" .")


def _readable(ch: str) -> str:
    if ch.isspace() or unicodedata.category(ch) == "Cc":
        return " "
    return ch if shows(ch) else ""


MAX_EXTENSION = 8
"""The longest suffix taken for an extension (as long as ``storage.allowed_extensions``
lets an administrator name one): after the last dot of a name without an extension
("Lampiran.selengkapnya") is the rest of the name."""


def extension(name: str) -> str:
    """The name's extension, lower-case; "" for a name without one. What follows the last
    dot is no extension when it is all digits, holds a space, or is longer than
    :data:`MAX_EXTENSION`: "WhatsApp Document 2026-12-04 at 10.12.33", "Scan PK
    04.12.2026" and "RKAKL v1.2" have none (not "33", "2026" or "2")."""
    _, dot, ext = name.rpartition(".")
    if not dot or ext.isdigit() or " " in ext or len(ext) > MAX_EXTENSION:
        return ""
    return ext.lower()


MIME_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "application/msword": ("doc",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/rtf": ("rtf",),
    "text/rtf": ("rtf",),
    "application/vnd.ms-excel": ("xls",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "text/csv": ("csv",),
    "application/vnd.ms-powerpoint": ("ppt",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "text/plain": ("txt",),
    "application/zip": ("zip",),
    "application/x-zip-compressed": ("zip",),
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
}
"""The MIME types of the types ``bot.config.DEFAULT_ALLOWED_EXTENSIONS`` names, and the
extension each is kept under (the first the office accepts). A fixed table, not the
guesses of :mod:`mimetypes`, which vary with the machine's files."""


def typed_name(name: str, mime_type: str | None, allowed: Sequence[str]) -> str:
    """The name a document is taken by: as sent when its extension is an accepted one;
    else, when its MIME type (optional in the Bot API, as the name is) is one of an
    accepted type, the name with that type's extension added, "WhatsApp Document
    2026-12-04 at 10.12.33.pdf" (its content is then checked as that type's, as any
    file's). Otherwise as sent: refused for its type."""
    if extension(name) in allowed:
        return name
    mime = (mime_type or "").split(";", 1)[0].strip().lower()
    ext = next((x for x in MIME_EXTENSIONS.get(mime, ()) if x in allowed), None)
    return name if ext is None else display_name(f"{name}.{ext}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ChangedOnDisk(Exception):
    """A stored file whose bytes are no longer those recorded for it (their sha256 differs):
    changed on disk since it was saved (a disk fault, an edit by hand)."""


def _as_recorded(relative: str, digest: str, sha256: str) -> None:
    if digest != sha256:
        raise ChangedOnDisk(f"{relative} has other contents than the one recorded (sha256 differs)")


MARKER = ".sopbot-files"
"""The file at the root of the files folder that says it is the bot's folder, in place:
written when the folder is first used (:func:`bot.app.mark_files_folder`). A share not
mounted leaves its mount point without it, however much is written into it since."""


HELD = "No file is saved until it is back (papers and deliveries are held, uploads refused)"
"""What the bot does while its files folder is a share not mounted."""


def not_mounted(root: Path, meanwhile: str = HELD) -> str:
    """What is said of a files folder that is a share not mounted
    (:meth:`FileStore.share_not_mounted`), with what holds ``meanwhile``: by the bot as it
    starts and by ``sopbot check`` (what the bot does), by ``sopbot export``."""
    return (
        f"files folder {root} is empty or absent, yet the database records files: is its "
        f"share mounted? {meanwhile}; if the files are lost for good, write the file "
        f"{root / MARKER} in it (touch {root / MARKER})"
    )


class FilesNotInPlace(OSError):
    """The files folder lacks its :data:`MARKER` (a share not mounted): nothing is saved
    in it; a fault of the bot's own, held until the folder is back."""


class FolderFault(StrEnum):
    """Why the files folder cannot take a file, a fault of the host's that lasts until an
    administrator mends it (:func:`folder_fault`)."""

    NOT_MOUNTED = "not_mounted"  # FilesNotInPlace: a share not mounted
    FULL = "full"  # ENOSPC, EDQUOT: the disk or share is full, or its quota used up
    NOT_WRITABLE = "not_writable"  # EACCES, EPERM: not writable for the bot's user
    READ_ONLY = "read_only"  # EROFS: a read-only file system (mounted so, or a disk fault)
    IO_ERROR = "io_error"  # EIO, ESTALE, ENOTCONN: the disk or the share failed


_FAULTS = {
    errno.ENOSPC: FolderFault.FULL,
    errno.EDQUOT: FolderFault.FULL,
    errno.EACCES: FolderFault.NOT_WRITABLE,
    errno.EPERM: FolderFault.NOT_WRITABLE,
    errno.EROFS: FolderFault.READ_ONLY,
    errno.EIO: FolderFault.IO_ERROR,
    errno.ESTALE: FolderFault.IO_ERROR,  # an NFS share's handle gone (its server restarted)
    errno.ENOTCONN: FolderFault.IO_ERROR,  # a FUSE share (sshfs) that lost its connection
}


def folder_fault(exc: BaseException) -> FolderFault | None:
    """What of the files folder an error of :meth:`FileStore.save` shows; None for any
    other error (no fault of the folder's an administrator can mend: a bug's, told by the
    general error handler)."""
    if isinstance(exc, FilesNotInPlace):
        return FolderFault.NOT_MOUNTED
    code = exc.errno if isinstance(exc, OSError) else None
    return None if code is None else _FAULTS.get(code)


def os_error(exc: OSError) -> str:
    """An OSError as an administrator reads it, without the path: "ENOSPC: No space left
    on device"."""
    code = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno is not None else ""
    reason = exc.strerror or str(exc)
    return f"{code}: {reason}" if code else reason


@dataclass(frozen=True)
class SavedFile:
    path: Path
    relative: str
    sha256: str
    size: int
    written: bool = True  # False: the same bytes were stored there already, nothing written


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def in_place(self) -> bool:
        """Whether the folder is the bot's, in place (its :data:`MARKER` is there): a share
        not mounted shows none, or an empty mount point, perhaps written into since, and a
        file it lacks then is not a file lost."""
        return (self.root / MARKER).is_file()

    def share_not_mounted(self, recorded: bool) -> bool:
        """Whether the folder is a share not mounted: without its :data:`MARKER`, empty or
        absent, while the database records files (``recorded``). Without its marker and
        holding files, it is the folder of a release before the marker (or a restore
        without it), marked at the bot's start; without a file recorded, first used."""
        return recorded and not self.in_place() and not self.holds_anything()

    def holds_anything(self) -> bool:
        """Whether the folder is there and not empty."""
        return self.root.is_dir() and next(self.root.iterdir(), None) is not None

    def mark(self) -> None:
        """Write the :data:`MARKER` (the folder made if need be): this is the folder."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).write_text(
            "sopbot: the files folder (storage.files_dir). Keep this file in it, and in "
            "its backups: without it the bot takes the folder for a share not mounted.\n",
            encoding="utf-8",
        )

    def resolve(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("path outside the files directory")
        return path

    def _write(self, case_id: int, name: str, data: bytes) -> SavedFile:
        if not self.in_place():
            raise FilesNotInPlace(f"the files folder {self.root} lacks {MARKER}: not mounted?")
        digest = sha256_hex(data)
        relative = f"case-{case_id}/{digest[:16]}-{safe_name(name)}"
        path = self.resolve(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        written = not path.exists()
        if written:
            # a name of its own: concurrent saves of the same content must not share it
            tmp = path.with_suffix(f"{path.suffix}.{secrets.token_hex(8)}.part")
            try:
                tmp.write_bytes(data)
                tmp.replace(path)
            except BaseException as exc:
                # a full disk: the half-written copy would hold the space it took for good
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                if isinstance(exc, OSError) and exc.filename is None:
                    exc.filename = str(tmp)  # a failed write names no file: this one
                raise
        return SavedFile(path, relative, digest, len(data), written)

    def remove_stale_parts(self, older_than: float = STALE_PART_SECONDS) -> list[Path]:
        """Remove the half-written copies (``*.part``) a process that stopped while
        writing left behind, older than ``older_than`` seconds; the ones removed."""
        if not self.root.is_dir():
            return []
        limit = time.time() - older_than
        removed = []
        for path in self.root.glob("case-*/*.part"):
            if not _PART.search(path.name):
                continue
            try:
                if path.is_file() and path.stat().st_mtime < limit:
                    path.unlink()
                    removed.append(path)
            except OSError as exc:
                log.warning("stale half-written file %s not removed: %s", path, exc)
        return removed

    async def save(self, case_id: int, name: str, data: bytes) -> SavedFile:
        return await asyncio.to_thread(self._write, case_id, name, data)

    async def read(self, relative: str) -> bytes:
        return await asyncio.to_thread(self._read, relative)

    def _read(self, relative: str) -> bytes:
        return self.resolve(relative).read_bytes()

    async def read_recorded(self, relative: str, sha256: str) -> bytes:
        """The stored file's bytes, the very ones recorded with ``sha256``; else
        :class:`ChangedOnDisk` (FileNotFoundError: it is gone)."""
        return await asyncio.to_thread(self._read_recorded, relative, sha256)

    def _read_recorded(self, relative: str, sha256: str) -> bytes:
        data = self._read(relative)
        _as_recorded(relative, sha256_hex(data), sha256)
        return data

    def copy_recorded(self, relative: str, sha256: str, dest: Path) -> None:
        """Copy the stored file to ``dest``, checked against the ``sha256`` recorded for it:
        a copy of other bytes is removed, and :class:`ChangedOnDisk` raised."""
        shutil.copyfile(self.resolve(relative), dest)
        digest = hashlib.sha256()
        with dest.open("rb") as copy:
            while chunk := copy.read(1 << 20):
                digest.update(chunk)
        try:
            _as_recorded(relative, digest.hexdigest(), sha256)
        except ChangedOnDisk:
            dest.unlink(missing_ok=True)
            raise
