"""Files on disk: names from users are made safe, and nothing is written outside the root."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import DEFAULT_ALLOWED_EXTENSIONS
from bot.core.text import shows
from bot.filestore import (
    MARKER,
    MAX_NAME,
    FilesNotInPlace,
    FileStore,
    FolderFault,
    display_name,
    extension,
    folder_fault,
    os_error,
    safe_name,
    sha256_hex,
    typed_name,
)

SAFE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._ -")


def assert_safe(name: str) -> None:
    assert name
    assert set(name) <= SAFE_CHARS, name
    assert "/" not in name and "\\" not in name
    assert not name.startswith(".") and not name.startswith(" ")
    assert not name.endswith(".") and not name.endswith(" ")
    assert name not in {".", ".."}
    assert len(name) <= MAX_NAME


# -- safe_name -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_name, expected",
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\cmd.exe", "cmd.exe"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\budi\\Laporan.pdf", "Laporan.pdf"),
        ("case-1/../../secret.docx", "secret.docx"),
        ("..", "berkas"),
        ("../..", "berkas"),
        ("", "berkas"),
        ("   ", "berkas"),
        (".hidden.pdf", "hidden.pdf"),
        ("TOR Program Kerja 2026.pdf", "TOR Program Kerja 2026.pdf"),
        ("Laporan\x00.pdf", "Laporan_.pdf"),
        ("Laporan\r\n\t\x1b[31m.pdf", "Laporan_31m.pdf"),
        ("Draf RKAKL (final) [v2].xlsx", "Draf RKAKL _final_ _v2_.xlsx"),
        ("Pénétapan Kinérja.docx", "Penetapan Kinerja.docx"),
        ("ｆｕｌｌｗｉｄｔｈ.pdf", "fullwidth.pdf"),
        ("Laporan\u202efdp.exe", "Laporanfdp.exe"),
        ("a" * 119 + " " + "b" * 10, "a" * 119),
        ("a" * 114 + ". .." + "b" * 10 + ".pdf", "a" * 114 + ".pdf"),
    ],
)
def test_safe_name_examples(given_name: str, expected: str | None) -> None:
    name = safe_name(given_name)
    assert_safe(name)
    if expected is not None:
        assert name == expected


@pytest.mark.parametrize(
    "given_name, ext",
    [
        ("Рабочий план.docx", "docx"),
        ("日本語の資料.pdf", "pdf"),
        ("محضر الاجتماع.xlsx", "xlsx"),
        ("📄.pdf", "pdf"),
        ("...pdf", "pdf"),
    ],
)
def test_a_name_without_a_usable_stem_keeps_its_extension(given_name: str, ext: str) -> None:
    name = safe_name(given_name)
    assert_safe(name)
    assert extension(name) == ext
    assert name == f"berkas.{ext}"


def test_safe_name_uses_the_given_default() -> None:
    assert safe_name("../", default="dokumen") == "dokumen"
    assert safe_name("Рабочий.pdf", default="dokumen") == "dokumen.pdf"


@pytest.mark.parametrize("ext", ["pdf", "docx", "xlsx", "jpeg"])
def test_an_overlong_name_keeps_its_extension(ext: str) -> None:
    name = safe_name("Program Kerja " * 40 + "." + ext)
    assert_safe(name)
    assert len(name) <= MAX_NAME
    assert name.endswith("." + ext)
    assert extension(name) == ext
    assert name.startswith("Program Kerja Program Kerja")


def test_an_overlong_name_with_a_long_extension_is_cut() -> None:
    name = safe_name("a" * 300 + "." + "b" * 30)
    assert_safe(name)
    assert len(name) == MAX_NAME


@given(st.text(max_size=400))
def test_every_name_is_made_safe(name: str) -> None:
    assert_safe(safe_name(name))


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=40),
    st.sampled_from(["pdf", "docx", "xlsx", "zip"]),
)
def test_a_plain_name_is_kept_as_it_is(stem: str, ext: str) -> None:
    assert safe_name(f"{stem}.{ext}") == f"{stem}.{ext}"


# -- the name people read ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        (
            "Konsep Rencana Kerja (revisi) & lampiran.docx",
            "Konsep Rencana Kerja (revisi) & lampiran.docx",
        ),
        ("TOR – Kerangka Acuan, Perencanaan.docx", "TOR – Kerangka Acuan, Perencanaan.docx"),
        ("Rencana Kerja Biro 2027 — Kemnaker.pdf", "Rencana Kerja Biro 2027 — Kemnaker.pdf"),
        ("خطة العمل.docx", "خطة العمل.docx"),
        ("../../etc/TOR.docx", "TOR.docx"),
        ("C:\\Dokumen\\TOR.docx", "TOR.docx"),
        ("TOR\u202excod.exe", "TORxcod.exe"),  # a right-to-left override dropped
        ("\u200bTOR\u200b.docx", "TOR.docx"),
        ("TOR\nrevisi\t2.docx", "TOR revisi 2.docx"),
        ("x\x00y\x7fz.pdf", "x y z.pdf"),
        ("  .docx", "dokumen.docx"),
        ("", "dokumen"),
    ],
)
def test_a_file_keeps_the_name_its_sender_gave_it_for_people_to_read(
    given_name: str, expected: str
) -> None:
    assert display_name(given_name) == expected


@given(st.text(max_size=400))
def test_a_name_for_people_is_one_line_of_what_shows_within_the_limit(name: str) -> None:
    shown = display_name(name)
    assert shown and len(shown) <= MAX_NAME and "/" not in shown
    assert all(shows(ch) or ch == " " for ch in shown), repr(shown)


def test_extension() -> None:
    assert extension("Laporan.PDF") == "pdf"
    assert extension("arsip.tar.gz") == "gz"
    assert extension("README") == ""


@pytest.mark.parametrize(
    "name",
    [
        "WhatsApp Document 2026-12-04 at 10.12.33",
        "Scan PK 04.12.2026",
        "RKAKL v1.2",
        "Draf PK v1.revisi final",
        "Lampiran.selengkapnya",
        "Program Kerja.",
    ],
)
def test_a_name_without_extension_is_not_given_a_made_up_one(name: str) -> None:
    """A phone's or a scanner's name with dots but no extension: what follows the last dot
    (digits, words with spaces, a long word) is no type to refuse it as ("jenis file 33")."""
    assert extension(name) == ""


@pytest.mark.parametrize(
    "name,ext",
    [("Draf PK 04.12.2026.pdf", "pdf"), ("RKAKL v1.2.XLSX", "xlsx"), ("arsip.7z", "7z")],
)
def test_a_name_with_dates_or_versions_keeps_its_extension(name: str, ext: str) -> None:
    assert extension(name) == ext


WHATSAPP = "WhatsApp Document 2026-12-04 at 10.12.33"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(
    ("name", "mime", "expected"),
    [
        (WHATSAPP, "application/pdf", f"{WHATSAPP}.pdf"),  # a PDF from WhatsApp Desktop
        ("dokumen", "application/pdf", "dokumen.pdf"),  # sent without a name
        ("RKAKL", XLSX, "RKAKL.xlsx"),
        ("Scan TOR.jfif", "image/jpeg", "Scan TOR.jfif.jpg"),  # a type not accepted, named
        ("Catatan", "text/plain; charset=utf-8", "Catatan.txt"),
        ("Laporan.pdf", "application/octet-stream", "Laporan.pdf"),  # the name says it
        ("Laporan.docx", "application/pdf", "Laporan.docx"),  # the content check judges it
        (WHATSAPP, "application/octet-stream", WHATSAPP),  # neither says: refused as sent
        (WHATSAPP, None, WHATSAPP),
        ("RKAKL.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", "RKAKL.xlsm"),
    ],
)
def test_a_name_that_says_no_accepted_type_takes_the_type_telegram_gives(
    name: str, mime: str | None, expected: str
) -> None:
    assert typed_name(name, mime, DEFAULT_ALLOWED_EXTENSIONS) == expected


def test_a_type_is_named_only_when_the_office_accepts_it() -> None:
    """An office that takes JPEG images as .jpeg, and no Excel 97 workbooks."""
    allowed = ("pdf", "jpeg")
    assert typed_name("Foto", "image/jpeg", allowed) == "Foto.jpeg"
    assert typed_name("RKAKL", "application/vnd.ms-excel", allowed) == "RKAKL"


def test_a_long_name_named_by_its_type_keeps_the_type_within_the_limit() -> None:
    named = typed_name("Lampiran " * 20, "application/pdf", DEFAULT_ALLOWED_EXTENSIONS)
    assert len(named) <= MAX_NAME and named.endswith(".pdf") and extension(named) == "pdf"


# -- FileStore -------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    files = FileStore(tmp_path / "files")
    files.mark()  # as the bot's start does when the folder is first used
    return files


def all_files(root: Path) -> list[Path]:
    """The files under ``root`` but its marker."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != MARKER)


def tree(root: Path) -> set[Path]:
    return set(root.rglob("*"))


@pytest.mark.parametrize(
    "relative",
    [
        "../outside.pdf",
        "../../etc/passwd",
        "/etc/passwd",
        "case-1/../../x",
        "case-1/../../files2/x",
    ],
)
def test_resolve_refuses_paths_outside_the_root(store: FileStore, relative: str) -> None:
    with pytest.raises(ValueError):
        store.resolve(relative)


def test_resolve_refuses_a_symlink_out_of_the_root(store: FileStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("rahasia")
    store.root.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, store.root / "case-9")
    with pytest.raises(ValueError):
        store.resolve("case-9/secret.txt")


async def test_read_refuses_paths_outside_the_root(store: FileStore, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("rahasia")
    with pytest.raises(ValueError):
        await store.read("../secret.txt")


def test_resolve_accepts_paths_under_the_root(store: FileStore) -> None:
    path = store.resolve("case-1/abc-TOR.pdf")
    assert path == store.root / "case-1" / "abc-TOR.pdf"
    assert store.resolve("case-1/../case-2/x.pdf") == store.root / "case-2" / "x.pdf"


async def test_save_writes_under_the_root_and_reads_back(store: FileStore) -> None:
    data = b"%PDF-1.7 isi berkas TOR"
    saved = await store.save(7, "TOR 2026.pdf", data)
    assert saved.sha256 == hashlib.sha256(data).hexdigest() == sha256_hex(data)
    assert saved.size == len(data)
    assert saved.path == store.resolve(saved.relative)
    assert saved.path.is_relative_to(store.root)
    assert saved.relative == f"case-7/{saved.sha256[:16]}-TOR 2026.pdf"
    assert saved.path.read_bytes() == data
    assert await store.read(saved.relative) == data


async def test_save_is_idempotent_by_content(store: FileStore) -> None:
    """The same bytes saved again are the same file, and say nothing was written (a full
    disk that refused a new file may well take them: that proves nothing)."""
    first = await store.save(1, "Draf RKAKL.xlsx", b"versi 1")
    again = await store.save(1, "Draf RKAKL.xlsx", b"versi 1")
    assert first.written and not again.written
    assert replace(again, written=True) == first
    second = await store.save(1, "Draf RKAKL.xlsx", b"versi 2")
    assert second.relative != first.relative
    assert first.path.read_bytes() == b"versi 1"  # a new version never overwrites the old
    assert second.path.read_bytes() == b"versi 2"
    assert all_files(store.root) == sorted([first.path, second.path])


async def test_concurrent_saves_of_the_same_content_all_succeed(store: FileStore) -> None:
    data = os.urandom(1 << 20)
    for attempt in range(5):
        results = await asyncio.gather(
            *(store.save(attempt, "Draf Program Kerja.docx", data) for _ in range(8))
        )
        assert len({r.relative for r in results}) == 1
        assert results[0].path.read_bytes() == data
    assert len(all_files(store.root)) == 5  # no half-written or temporary files left


@pytest.mark.parametrize(
    "name", ["../../../../evil.pdf", "/etc/cron.d/evil", "..\\..\\evil.bat", "..", "case-2/x.pdf"]
)
async def test_a_hostile_name_is_written_under_the_root(
    store: FileStore, tmp_path: Path, name: str
) -> None:
    before = tree(tmp_path)
    saved = await store.save(3, name, b"isi")
    assert saved.path.resolve().is_relative_to(store.root / "case-3")
    assert saved.path.parent == store.root / "case-3"
    assert "/" not in saved.relative.split("/", 1)[1]
    created = tree(tmp_path) - before
    assert all(p.is_relative_to(store.root) for p in created), created


async def test_a_save_that_fails_half_way_leaves_no_part_file(
    store: FileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk: the copy is half written when the write fails; it goes with the error
    (it held the space it took for good, making the disk full for everything else)."""
    real_write = Path.write_bytes

    def disk_full(path: Path, data: bytes) -> int:
        real_write(path, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    for _ in range(3):
        with pytest.raises(OSError, match="No space left"):
            await store.save(4, "TOR.docx", os.urandom(1 << 16))
    assert all_files(store.root) == []
    monkeypatch.undo()
    saved = await store.save(4, "TOR.docx", b"isi")  # once space is back
    assert all_files(store.root) == [saved.path]


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (FilesNotInPlace("the files folder /srv/berkas lacks .sopbot-files"), "not_mounted"),
        (OSError(errno.ENOSPC, "No space left on device", "/srv/berkas/case-1/x.part"), "full"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "full"),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/berkas/case-1"), "not_writable"),
        (PermissionError(errno.EPERM, "Operation not permitted"), "not_writable"),
        (OSError(errno.EROFS, "Read-only file system"), "read_only"),
        (OSError(errno.EIO, "Input/output error"), "io_error"),
        (OSError(errno.ESTALE, "Stale file handle"), "io_error"),  # an NFS share
        (OSError(errno.ENOTCONN, "Transport endpoint is not connected"), "io_error"),  # sshfs
        # no fault of the folder's an administrator mends: the general error handler's
        (OSError(errno.EINVAL, "Invalid argument"), None),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), None),
        (OSError("no errno"), None),
        (ValueError("path outside the files directory"), None),
    ],
)
def test_what_of_the_files_folder_a_failed_save_shows(
    error: BaseException, fault: str | None
) -> None:
    """The errors of a save that tell a fault of the files folder's, one an administrator
    can mend (a share not mounted, full, not writable, read-only, an I/O error), from
    the others."""
    assert folder_fault(error) == (None if fault is None else FolderFault(fault))


def test_an_os_error_is_told_by_its_code_and_reason_without_its_path() -> None:
    error = OSError(errno.ENOSPC, "No space left on device", "/srv/berkas/case-1/x.part")
    assert os_error(error) == "ENOSPC: No space left on device"
    assert os_error(OSError("no errno")) == "no errno"


def test_stale_part_files_are_removed_and_fresh_ones_kept(store: FileStore) -> None:
    folder = store.root / "case-2"
    folder.mkdir(parents=True)
    old = folder / "0123456789abcdef-TOR.docx.0011223344556677.part"
    fresh = folder / "0123456789abcdef-TOR.docx.8899aabbccddeeff.part"
    kept = folder / "0123456789abcdef-Lampiran.part"  # an upload that ends in .part
    for path in (old, fresh, kept):
        path.write_bytes(b"x" * 10)
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(kept, (an_hour_ago, an_hour_ago))
    assert store.remove_stale_parts() == [old]
    assert all_files(store.root) == sorted([fresh, kept])
    assert FileStore(store.root / "not-yet").remove_stale_parts() == []


async def test_the_bot_removes_stale_part_files_at_start(tmp_path: Path) -> None:
    from bot.demo import World

    files = tmp_path / "files"
    stale = files / "case-1" / "0123456789abcdef-TOR.docx.0011223344556677.part"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x" * 1024)
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    async with World(tmp_path):
        assert not stale.exists()


async def test_the_files_folder_is_marked_at_start_unless_it_lacks_the_files_on_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The bot marks its files folder (``.sopbot-files``) when it is first used, and at
    the start of a release that brings the marker, a folder that holds the files. A folder
    empty while the database records files (a share not mounted, its mount point left) is
    not marked: the log names it, and nothing is saved into it."""
    from bot.demo import Script, World, draft
    from bot.filestore import FilesNotInPlace

    files = tmp_path / "files"
    async with World(tmp_path) as world:
        assert (files / MARKER).is_file()  # first used
        await world.everyone_starts()
        s = Script(world)
        case_id = await s.new_case("Usulan", 2027)
        await s.upload("kasubag", case_id, "TOR.docx", draft("TOR"))
    (files / MARKER).unlink()  # the folder as a release before the marker left it
    async with World(tmp_path):
        assert (files / MARKER).is_file()

    files.rename(tmp_path / "files.share")  # the share not mounted: its mount point stays
    files.mkdir()
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        async with World(tmp_path) as world:
            assert not (files / MARKER).exists()
            with pytest.raises(FilesNotInPlace):
                await world.services.files.save(case_id, "TOR.docx", b"isi")
    assert not any(files.iterdir())
    [error] = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    assert str(files.resolve()) in error and "mounted" in error
