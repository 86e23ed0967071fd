"""Is an uploaded document what its name says it is? Checks of the bytes, per extension.

Pure: bytes in, a :class:`FileVerdict` out; no Telegram, no database, no disk, and no
exception whatever the bytes (a malformed archive is a refusal, not an error).

What is checked, for the extensions of ``bot.config.DEFAULT_ALLOWED_EXTENSIONS``:

* every type: not empty (0 bytes);
* ``.pdf``: ``%PDF-`` within the first 1024 bytes (where Acrobat looks for it); a PDF that
  needs a password to be opened is refused as "encrypted" (one that is encrypted but opens
  without a password, as a signed PDF restricted from editing or printing, is accepted:
  see :mod:`bot.pdfsecurity` for what is judged);
* ``.doc``, ``.xls``, ``.ppt``: an OLE2 compound file (``D0 CF 11 E0 A1 B1 1A E1``) with
  the program's main stream (WordDocument; Workbook or Book; PowerPoint Document);
* ``.docx``, ``.xlsx``, ``.pptx``: a ZIP holding ``[Content_Types].xml`` and the main part
  (``word/document.xml``, ``xl/workbook.xml``, ``ppt/presentation.xml``, or the part that
  ``_rels/.rels`` names as the office document), and no macros (``vbaProject.bin``: that is
  a .docm/.xlsm/.pptm, which Office refuses to open under an x-name: reason "macros", whose
  refusal says to save it again as a plain .docx/.xlsx/.pptx). A password-protected
  Office document is an OLE2 file with an ``EncryptedPackage`` stream: reason "encrypted";
  so is a .doc whose WordDocument stream starts with a FIB marked fEncrypted (Word 97-2003
  saved with an open password: the stream found through the compound file's directory and
  FAT, each sector read at most once); so is an .xls whose Workbook (or Book) stream has a
  FilePass record right after its BOF ([MS-XLS] 2.1.7.20.3: only WriteProtect may come
  between; the records after it are encrypted), and a .ppt whose Current User stream's
  CurrentUserAtom carries the encrypted headerToken 0xF3D1C4DF ([MS-PPT] 2.3.2, 2.3.7),
  that has an EncryptedSummary stream (which only an encrypted presentation has), or whose
  PowerPoint Document stream is encrypted under a plain token: its current UserEditAtom
  names an encryption session that its persist directories place on a
  CryptSession10Container (a handful of records read along the edit chain, not the stream);
* ``.odt``, ``.ods``, ``.odp``: a ZIP whose ``mimetype`` member holds the OpenDocument type;
* ``.rtf``: starts with ``{\\rtf``; ``.jpg``/``.jpeg``: ``FF D8 FF``; ``.png``: its signature;
* ``.zip``: a ZIP whose central directory reads;
* ``.txt``, ``.csv``: text: UTF-8 (a BOM allowed), UTF-16 or UTF-32 with a BOM, else
  cp1252 (any byte decodes); no NUL character, and at most 1 % other control characters.

Every ZIP must start with a local file header (or be an empty archive): a self-extracting
program with an archive appended is not a document. Zip bombs cost nothing here: only the
central directory is read (and not at all when the bytes hold more directory entries than
:data:`MAX_MEMBERS`: 20 MB of empty members would cost 1.7 s and 130 MB to list), plus at most two small members (``mimetype`` and, when the main
part has an unusual name, ``_rels/.rels``), each read with a byte limit.

An extension not listed has no check: verdict ok, reason "unchecked" (an administrator
may allow more types in ``storage.allowed_extensions``; whether a type is allowed at all
is the caller's question, not this module's).
"""

from __future__ import annotations

import io
import re
import struct
import sys
import zipfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from bot import texts as t
from bot.filestore import extension
from bot.pdfsecurity import needs_password

__all__ = [
    "EMPTY",
    "ENCRYPTED",
    "KINDS",
    "MACROS",
    "MISMATCH",
    "OK",
    "REFUSALS",
    "UNCHECKED",
    "FileVerdict",
    "check_file",
    "checked_extensions",
    "refusal_text",
]

# Reason codes.
OK = "ok"
UNCHECKED = "unchecked"  # no check for this extension: accepted as it is
EMPTY = "empty"
MISMATCH = "mismatch"  # the bytes are not what the extension says
ENCRYPTED = "encrypted"  # an Office document or a PDF protected with a password
MACROS = "macros"  # a macro-enabled Office document (.xlsm) under its plain name (.xlsx)

# What each extension should hold, as the refusal names it ("bukan {kind} yang sah"), and
# the polite refusals, keyed by reason: bot.texts.FILE_KINDS, bot.texts.FILE_CHECK_REFUSALS
KINDS = t.FILE_KINDS
REFUSALS = t.FILE_CHECK_REFUSALS


@dataclass(frozen=True)
class FileVerdict:
    """``ok`` and a reason code (OK, UNCHECKED, EMPTY, MISMATCH, MACROS, ENCRYPTED); ``ext`` is the
    extension judged; ``detail`` says in English what was found, for the log only."""

    ok: bool
    reason: str
    ext: str
    detail: str = ""


def refusal_text(verdict: FileVerdict, escaped_name: str) -> str | None:
    """The refusal to send for ``verdict`` (None if the document is accepted).
    ``escaped_name`` must already be HTML-escaped (``bot.texts.e(name)``)."""
    if verdict.ok:
        return None
    return REFUSALS[verdict.reason].format(
        name=escaped_name,
        ext=verdict.ext,
        kind=KINDS.get(verdict.ext, t.FILE_KIND_OTHER),
        macro=verdict.ext[:-1] + "m",
    )


def checked_extensions() -> frozenset[str]:
    """The extensions whose content :func:`check_file` checks (any other is UNCHECKED)."""
    return frozenset(_CHECKS)


def check_file(name: str, data: bytes) -> FileVerdict:
    """Judge ``data`` against the extension of ``name`` (see the module docstring)."""
    ext = extension(name)
    if not data:
        return FileVerdict(False, EMPTY, ext, "0 bytes")
    check = _CHECKS.get(ext)
    if check is None:
        return FileVerdict(True, UNCHECKED, ext, f"no content check for .{ext}")
    problem = check(data)
    if problem is None:
        return FileVerdict(True, OK, ext)
    if problem in _PASSWORD_PROBLEMS:
        return FileVerdict(False, ENCRYPTED, ext, problem)
    if problem == _MACRO_ENABLED:
        return FileVerdict(False, MACROS, ext, problem)
    return FileVerdict(False, MISMATCH, ext, problem)


# -- the checks: each returns None if the bytes are right, else what is wrong ---------------

Check = Callable[[bytes], str | None]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_DIRECTORY_ENTRY = b"PK\x01\x02"  # the signature every central directory entry starts with
MAX_MEMBERS = 65_535
"""The most members a ZIP holds without its 64-bit extension, far more than any office
document (a long presentation: a few thousand). The signatures of directory entries in the
bytes are counted (at C speed) before zipfile lists them, at some 500 bytes of memory each:
an entry count the archive declares could be a lie, as zipfile reads the directory by its
size."""
_PASSWORD_PROTECTED = "an OLE2 file with an EncryptedPackage stream (password-protected)"
_MACRO_ENABLED = "a macro-enabled Office document (vbaProject.bin)"
_PDF_PASSWORD = "a PDF that the empty user password does not open (password-protected)"
_WORD_PASSWORD = "a Word 97-2003 document whose FIB says fEncrypted (password-protected)"
_EXCEL_PASSWORD = "an Excel 97-2003 workbook with a FilePass record (password-protected)"
_POWERPOINT_PASSWORD = "a PowerPoint 97-2003 presentation marked encrypted (password-protected)"
_PASSWORD_PROBLEMS = frozenset(
    {_PASSWORD_PROTECTED, _PDF_PASSWORD, _WORD_PASSWORD, _EXCEL_PASSWORD, _POWERPOINT_PASSWORD}
)


def _signature(prefix: bytes, what: str, within: int = 0) -> Check:
    """The bytes start with ``prefix``, or hold it within the first ``within`` bytes."""

    def check(data: bytes) -> str | None:
        found = prefix in data[:within] if within else data.startswith(prefix)
        return None if found else f"no {what} signature"

    return check


_pdf_signature = _signature(b"%PDF-", "PDF", within=1024)


def _pdf(data: bytes) -> str | None:
    problem = _pdf_signature(data)
    if problem is None and needs_password(data):
        return _PDF_PASSWORD
    return problem


def _ole2(*streams: str) -> Check:
    """An OLE2 compound file with one of the named streams (their directory entries hold
    the names in UTF-16LE; finding one of them is enough, parsing the directory is not
    needed to tell a Word file from an Excel file)."""
    names = [s.encode("utf-16-le") for s in streams]

    def check(data: bytes) -> str | None:
        if not data.startswith(_OLE2):
            return "not an OLE2 compound file"
        if not any(n in data for n in names):
            return f"an OLE2 file without a {' or '.join(streams)} stream"
        return None

    return check


_MAX_SECTOR = 0xFFFFFFFA  # above: the FAT's special values (free, end of chain...)
_WORD_IDENT = 0xA5EC  # FibBase.wIdent
_FIB_ENCRYPTED = 0x0100  # FibBase.fEncrypted: the document opens only with its password


class _Compound:
    """An OLE2 compound file's streams, found through its directory and read along the FAT
    (or, below the mini stream cutoff, the mini FAT). Every loop is bounded by the file's
    number of sectors, so a damaged or looping file costs at most one pass over it."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.shift = struct.unpack_from("<H", data, 0x1E)[0]
        self.size = 1 << self.shift
        self.mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
        self.cutoff = struct.unpack_from("<I", data, 0x38)[0]
        self.count = len(data) // self.size  # at most this many sectors: a longer chain loops
        self.fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        difat, seen = struct.unpack_from("<I", data, 0x44)[0], 0
        while difat <= _MAX_SECTOR and seen < self.count:
            block = self.sector(difat)
            if len(block) < self.size:
                break
            *more, difat = struct.unpack(f"<{self.size // 4}I", block)
            self.fat_sectors += more
            seen += 1
        self.root = 0xFFFFFFFF  # the root entry's stream: the mini stream (the first entry)
        self.root_size = 0
        self.fat: dict[int, array[int]] = {}  # FAT sectors read, by their place in the FAT

    @classmethod
    def of(cls, data: bytes) -> _Compound | None:
        if len(data) < 512 or struct.unpack_from("<H", data, 0x1E)[0] not in (9, 12):
            return None
        return cls(data)

    def sector(self, number: int) -> bytes:
        start = (number + 1) << self.shift
        return self.data[start : start + self.size] if number <= _MAX_SECTOR else b""

    def following(self, number: int) -> int:
        """The sector after ``number`` in its chain (the FAT's entry; each FAT sector read
        once, when a chain first needs it)."""
        index, slot = divmod(number, self.size // 4)
        entries = self.fat.get(index)
        if entries is None:
            fat = self.sector(self.fat_sectors[index]) if index < len(self.fat_sectors) else b""
            entries = _uint32s(fat) if len(fat) == self.size else _uint32s(b"")
            self.fat[index] = entries
        return entries[slot] if entries else 0xFFFFFFFF

    def sectors(self, first: int, limit: int) -> array[int]:
        """The sectors of the chain from ``first``, in order, until ``limit`` bytes or its end."""
        numbers, number = array("I"), first
        for _ in range(min(self.count, -(-limit // self.size))):
            if number > _MAX_SECTOR or (number + 1) << self.shift >= len(self.data):
                break  # no such sector: the chain leads out of the file
            numbers.append(number)
            number = self.following(number)
        return numbers

    def chain(self, first: int, limit: int) -> bytes:
        """The sectors of the chain from ``first``, joined, until ``limit`` bytes or its end."""
        return b"".join(self.sector(n) for n in self.sectors(first, limit))[:limit]

    def entry(self, name: str) -> tuple[int, int] | None:
        """The first sector and the size of the stream ``name`` (any case), or None."""
        wanted = name.casefold()
        directory = struct.unpack_from("<I", self.data, 0x30)[0]
        for _ in range(self.count):
            if directory > _MAX_SECTOR:
                return None
            block = self.sector(directory)
            for at in range(0, len(block) - 127, 128):
                length, kind = struct.unpack_from("<HB", block, at + 64)
                start, stream_size = struct.unpack_from("<IQ", block, at + 116)
                if self.shift == 9:
                    stream_size &= 0xFFFFFFFF  # version 3: the high half may hold anything
                if kind == 5 and self.root == 0xFFFFFFFF:
                    self.root, self.root_size = start, stream_size
                if kind != 2 or not 2 <= length <= 64:
                    continue
                found = block[at : at + length - 2].decode("utf-16-le", "replace")
                if found.casefold() == wanted:
                    return start, stream_size
            directory = self.following(directory)
        return None

    def stream(self, name: str, limit: int | None = None) -> bytes | None:
        """The stream ``name`` (its first ``limit`` bytes), or None when it is not found or
        holds nothing readable (a damaged file)."""
        view = self.view(name)
        if view is None:
            return None
        return view.read(0, view.size if limit is None else min(view.size, limit)) or None

    def view(self, name: str) -> _Stream | None:
        """The stream ``name``, to be read where it is needed (not copied whole), or None."""
        found = self.entry(name)
        if found is None:
            return None
        start, size = found
        if size >= self.cutoff:
            numbers = self.sectors(start, size)
            return _Stream(self, numbers, min(size, len(numbers) * self.size))
        # in the mini stream (the root entry's stream, in mini sectors chained by the mini
        # FAT): read the mini stream, then the mini sectors of this one from it
        ministream = self.chain(self.root, self.root_size)
        minifat = self.chain(struct.unpack_from("<I", self.data, 0x3C)[0], len(self.data))
        parts, got, number = [], 0, start
        for _ in range(len(ministream) // self.mini):
            if got >= size or number > _MAX_SECTOR:
                break
            block = ministream[number * self.mini : (number + 1) * self.mini]
            if not block:
                break
            parts.append(block)
            got += len(block)
            entry = minifat[number * 4 : number * 4 + 4]
            number = struct.unpack("<I", entry)[0] if len(entry) == 4 else 0xFFFFFFFF
        small = b"".join(parts)[:size]
        return _Stream(small, array("I"), len(small))


def _uint32s(data: bytes) -> array[int]:
    """Little-endian 32-bit numbers, 4 bytes each (a FAT sector's entries)."""
    numbers = array("I")
    numbers.frombytes(data)
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


class _Stream:
    """A stream of a compound file, read by offset: the sectors its chain holds, in order
    (or the bytes of a stream in the mini stream)."""

    def __init__(self, source: _Compound | bytes, sectors: array[int], size: int) -> None:
        self.source, self.numbers, self.size = source, sectors, size

    def read(self, at: int, length: int) -> bytes:
        """``length`` bytes from ``at``; fewer where the stream ends."""
        if isinstance(self.source, bytes):
            return self.source[max(at, 0) : max(at, 0) + max(length, 0)]
        length = min(length, self.size - at)
        parts: list[bytes] = []
        while length > 0:
            index, offset = divmod(at, self.source.size)
            block = self.source.sector(self.numbers[index])[offset : offset + length]
            if not block:
                break
            parts.append(block)
            at, length = at + len(block), length - len(block)
        return b"".join(parts)


def _compound_stream_head(data: bytes, name: str) -> bytes | None:
    """The first sector (or mini sector) of the stream ``name`` of an OLE2 compound file
    (where a Word document's FIB is), found through its directory; None when it cannot be
    found (a damaged file)."""
    compound = _Compound.of(data)
    if compound is None:
        return None
    found = compound.entry(name)
    if found is None:
        return None
    return compound.stream(name, compound.size if found[1] >= compound.cutoff else compound.mini)


def _word_97(data: bytes) -> str | None:
    problem = _ole2("WordDocument")(data)
    if problem is not None:
        return problem
    fib = _compound_stream_head(data, "WordDocument")
    if fib is not None and len(fib) >= 12:
        ident, flags = struct.unpack_from("<H8xH", fib)
        if ident == _WORD_IDENT and flags & _FIB_ENCRYPTED:
            return _WORD_PASSWORD
    return None


_BIFF_BOF = 0x09  # the low byte of every BOF record's type (0x0809 in BIFF5 and BIFF8)
_BIFF_WRITE_PROTECT = 0x0086  # the one record that may stand between BOF and FilePass
_BIFF_FILE_PASS = 0x002F  # FilePass: the records after it are encrypted


def _excel_97(data: bytes) -> str | None:
    problem = _ole2("Workbook", "Book")(data)
    if problem is not None:
        return problem
    for stream in ("Workbook", "Book"):
        head = _compound_stream_head(data, stream)
        if head is None:
            continue
        # the globals substream: BOF [WriteProtect] [FilePass] ...; a record is its type
        # (2 bytes), its length (2 bytes) and that many bytes
        at, first = 0, True
        while at + 4 <= len(head):
            kind, length = struct.unpack_from("<HH", head, at)
            if first and kind & 0xFF != _BIFF_BOF:
                break
            if kind == _BIFF_FILE_PASS:
                return _EXCEL_PASSWORD
            if not first and kind != _BIFF_WRITE_PROTECT:
                break
            at, first = at + 4 + length, False
        return None
    return None


_CURRENT_USER_ATOM = 0x0FF6  # RT_CurrentUserAtom, the only record of the Current User stream
_ENCRYPTED_TOKEN = 0xF3D1C4DF  # CurrentUserAtom.headerToken of an encrypted presentation
_USER_EDIT_ATOM = 0x0FF5  # RT_UserEditAtom: one per save, chained to the one before
_PERSIST_DIRECTORY_ATOM = 0x1772  # RT_PersistDirectoryAtom: persist ids -> stream offsets
_CRYPT_SESSION = 0x2F14  # RT_CryptSession10Container: the encryption's header and verifier
_MOST_EDITS = 4096  # saves followed back along the edit chain (a loop ends there)


def _powerpoint_97(data: bytes) -> str | None:
    problem = _ole2("PowerPoint Document")(data)
    if problem is not None:
        return problem
    compound = _Compound.of(data)
    atom = compound.stream("Current User", 4096) if compound is not None else None
    if atom is not None and len(atom) >= 20:
        kind, token, edit = struct.unpack_from("<2xH8xII", atom)
        if kind == _CURRENT_USER_ATOM and token == _ENCRYPTED_TOKEN:
            return _POWERPOINT_PASSWORD
        document = compound.view("PowerPoint Document") if compound is not None else None
        if kind == _CURRENT_USER_ATOM and document and _crypt_session(document, edit):
            return _POWERPOINT_PASSWORD
    if _compound_stream_head(data, "EncryptedSummary") is not None:
        return _POWERPOINT_PASSWORD
    return None


def _crypt_session(document: _Stream, edit: int) -> bool:
    """Whether the PowerPoint Document stream is encrypted ([MS-PPT] 2.3.7), read as
    PowerPoint reads it: from the current UserEditAtom (the Current User stream's
    offsetToCurrentEdit), whose encryptSessionPersistIdRef exists only in an encrypted
    presentation, through the persist directories of the saves back along the chain, to a
    CryptSession10Container at the offset they give that id. These records are never
    encrypted; every other record is, so a presentation with this container opens only
    with its password, whatever its headerToken says (not every writer sets it). A file
    that breaks the chain anywhere is not taken for encrypted. Only these few records are
    read, not the stream (most of a presentation's bytes)."""

    def record(at: int, kind: int, most: int) -> bytes | None:
        """The body of the record of type ``kind`` at ``at`` (its first ``most`` bytes),
        or None."""
        head = document.read(at, 8) if at >= 0 else b""
        if len(head) < 8:
            return None
        version, found, length = struct.unpack("<BxHI", head)
        if found != kind or length > document.size - at - 8:
            return None
        if kind == _CRYPT_SESSION and version & 0x0F != 0x0F:  # a container's recVer
            return None
        return document.read(at + 8, min(length, most))

    user_edit = record(edit, _USER_EDIT_ATOM, 32)
    if user_edit is None or len(user_edit) < 32:  # 28 bytes without the optional field
        return False
    session = struct.unpack_from("<I", user_edit, 28)[0]
    for _ in range(_MOST_EDITS):
        last_edit, directory = struct.unpack_from("<II", user_edit, 8)
        entries = record(directory, _PERSIST_DIRECTORY_ATOM, document.size) or b""
        at = 0
        while at + 4 <= len(entries):
            head = struct.unpack_from("<I", entries, at)[0]
            first, persists = head & 0xFFFFF, head >> 20
            slot = at + 4 * (session - first + 1)
            if first <= session < first + persists and slot + 4 <= len(entries):
                offset = struct.unpack_from("<I", entries, slot)[0]
                return record(offset, _CRYPT_SESSION, 0) is not None
            at += 4 * (persists + 1)
        user_edit = record(last_edit, _USER_EDIT_ATOM, 32) if last_edit else None
        if user_edit is None or len(user_edit) < 28:
            return False
    return False


def _open_zip(data: bytes) -> zipfile.ZipFile | str:
    if not data.startswith(_ZIP_STARTS):
        return "does not start as a ZIP archive"
    if (entries := data.count(_DIRECTORY_ENTRY)) > MAX_MEMBERS:
        return f"a ZIP archive of {entries} members or more (at most {MAX_MEMBERS} are read)"
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many types on malformed input: all mean "no"
        return f"not a readable ZIP archive ({type(exc).__name__})"


def _zip_check(inspect: Callable[[zipfile.ZipFile], str | None]) -> Check:
    def check(data: bytes) -> str | None:
        archive = _open_zip(data)
        if isinstance(archive, str):
            return archive
        try:
            with archive:
                return inspect(archive)
        except Exception as exc:  # a member that cannot be read: the archive is broken
            return f"a ZIP archive with an unreadable member ({type(exc).__name__})"

    return check


def _read_small(archive: zipfile.ZipFile, member: str, limit: int) -> bytes | None:
    """A member's bytes if it exists and declares at most ``limit`` bytes (read bounded)."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    with archive.open(info) as stream:
        return stream.read(limit)


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb"""\b(Type|Target)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_OFFICE_DOCUMENT = re.compile(rb"/officeDocument$")


def _present(archive: zipfile.ZipFile, member: str) -> bool:
    """The member is listed and its local header is where the directory says (opening a
    member reads that header only; nothing is decompressed until it is read)."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        return False
    with archive.open(info):
        return True


def _main_part_from_rels(archive: zipfile.ZipFile) -> str | None:
    """The office document part that ``_rels/.rels`` names (without parsing XML: a regex
    over at most 64 KB)."""
    rels = _read_small(archive, "_rels/.rels", 64 * 1024)
    if rels is None:
        return None
    for element in _RELATIONSHIP.findall(rels):
        attributes = {m[1]: m[2] or m[3] for m in _ATTRIBUTE.finditer(element)}
        target = attributes.get(b"Target", b"")
        if _OFFICE_DOCUMENT.search(attributes.get(b"Type", b"")) and target:
            return target.decode("utf-8", "replace").lstrip("/")
    return None


def _ooxml(folder: str, main_part: str) -> Check:
    def inspect(archive: zipfile.ZipFile) -> str | None:
        if not _present(archive, "[Content_Types].xml"):
            return "a ZIP archive without [Content_Types].xml"
        if f"{folder}/vbaProject.bin" in archive.namelist():
            return _MACRO_ENABLED
        if _present(archive, main_part):
            return None
        named = _main_part_from_rels(archive)
        if named is not None and named.startswith(f"{folder}/") and _present(archive, named):
            return None
        return f"a ZIP archive without {main_part}"

    zip_check = _zip_check(inspect)

    def check(data: bytes) -> str | None:
        if data.startswith(_OLE2) and "EncryptedPackage".encode("utf-16-le") in data:
            return _PASSWORD_PROTECTED
        return zip_check(data)

    return check


def _opendocument(mimetype: str) -> Check:
    def inspect(archive: zipfile.ZipFile) -> str | None:
        found = _read_small(archive, "mimetype", 128)
        if found is None:
            return "a ZIP archive without a (small) mimetype member"
        if found.strip() != mimetype.encode():
            return f"mimetype is {found[:60]!r}, not {mimetype}"
        return None

    return _zip_check(inspect)


def _zip_archive(archive: zipfile.ZipFile) -> str | None:
    return None  # its central directory read: that is all a .zip promises


_BOMS = (  # longest first: the UTF-32 LE BOM begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# C0 controls but tab, line feed, vertical tab, form feed, carriage return and the DOS
# end-of-file mark (0x1A); DEL; C1 controls.
_CONTROL = re.compile("[\x01-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


def _decode_text(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    if b"\x00" in data:
        return None  # binary, or UTF-16/32 without a BOM
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows' own encoding; the five bytes it leaves undefined become U+FFFD rather
        # than C1 controls (as latin-1 would make them), so one stray byte refuses nothing
        return data.decode("cp1252", errors="replace")


def _text(data: bytes) -> str | None:
    text = _decode_text(data)
    if text is None:
        return "NUL bytes (binary, or UTF-16/32 without a BOM), or broken UTF-16/32"
    if "\x00" in text:
        return "text with NUL characters"
    # counted until they pass 1 %: 20 MB of them would otherwise be a list of 20 million
    allowed = len(text) // 100
    for controls, _ in enumerate(_CONTROL.finditer(text), 1):
        if controls > allowed:
            return f"text with over {allowed} control characters in {len(text)}"
    return None


_CHECKS: dict[str, Check] = {
    "pdf": _pdf,
    "doc": _word_97,
    "xls": _excel_97,
    "ppt": _powerpoint_97,
    "docx": _ooxml("word", "word/document.xml"),
    "xlsx": _ooxml("xl", "xl/workbook.xml"),
    "pptx": _ooxml("ppt", "ppt/presentation.xml"),
    "odt": _opendocument("application/vnd.oasis.opendocument.text"),
    "ods": _opendocument("application/vnd.oasis.opendocument.spreadsheet"),
    "odp": _opendocument("application/vnd.oasis.opendocument.presentation"),
    "rtf": _signature(b"{\\rtf", "RTF"),
    "jpg": _signature(_JPEG, "JPEG"),
    "jpeg": _signature(_JPEG, "JPEG"),
    "png": _signature(_PNG, "PNG"),
    "zip": _zip_check(_zip_archive),
    "txt": _text,
    "csv": _text,
}
