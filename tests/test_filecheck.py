"""Uploaded documents checked against their names (bot/filecheck.py), with real files: a
.docx written by python-docx, .xlsx/.pptx/.odt archives built here, OLE2 compound files
built here, PDF/PNG/JPEG bytes, text in several encodings; and broken or disguised ones."""

from __future__ import annotations

import contextlib
import io
import logging
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib
from html import escape
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from pypdf.constants import UserAccessPermissions

from bot import pdfsecurity
from bot.config import DEFAULT_ALLOWED_EXTENSIONS
from bot.filecheck import (
    EMPTY,
    ENCRYPTED,
    KINDS,
    MACROS,
    MISMATCH,
    OK,
    REFUSALS,
    UNCHECKED,
    FileVerdict,
    check_file,
    refusal_text,
)
from bot.pdfsecurity import PDF_CPU_SECONDS

# -- real files, made here ---------------------------------------------------------------------


def docx_bytes(text: str = "Draf Program Kerja") -> bytes:
    document = Document()
    document.add_heading(text, 1)
    document.add_paragraph("Versi 1. Disusun oleh Tim Penyusunan.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes | str], *, stored: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            compress = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return buffer.getvalue()


CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)


def package_rels(target: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{REL}">'
        f'<Relationship Id="rId1" Type="{OFFICE_DOCUMENT}" Target="{target}"/></Relationships>'
    )


def xlsx_bytes() -> bytes:
    """A minimal workbook with one sheet, as the OOXML spec lays it out."""
    main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    sml = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return zip_of(
        {
            "[Content_Types].xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" '
                f'ContentType="{main}.worksheet+xml"/></Types>'
            ),
            "_rels/.rels": package_rels("xl/workbook.xml"),
            "xl/workbook.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{sml}" xmlns:r="{r}">'
                '<sheets><sheet name="RKAKL" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}">'
                f'<Relationship Id="rId1" Type="{r}/worksheet" Target="worksheets/sheet1.xml"/>'
                "</Relationships>"
            ),
            "xl/worksheets/sheet1.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{sml}"><sheetData>'
                '<row r="1"><c r="A1" t="inlineStr"><is><t>Pagu</t></is></c></row>'
                "</sheetData></worksheet>"
            ),
        }
    )


def pptx_bytes() -> bytes:
    main = "application/vnd.openxmlformats-officedocument.presentationml"
    pml = "http://schemas.openxmlformats.org/presentationml/2006/main"
    return zip_of(
        {
            "[Content_Types].xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT}">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/ppt/presentation.xml" '
                f'ContentType="{main}.presentation.main+xml"/></Types>'
            ),
            "_rels/.rels": package_rels("ppt/presentation.xml"),
            "ppt/presentation.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="{pml}">'
                '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
                "</p:presentation>"
            ),
        }
    )


def opendocument_bytes(mimetype: str) -> bytes:
    """An OpenDocument package: ``mimetype`` first and stored, then the manifest."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        f'manifest:media-type="{mimetype}"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2">'
        "<office:body/></office:document-content>"
    )
    return zip_of(
        {"mimetype": mimetype, "META-INF/manifest.xml": manifest, "content.xml": content},
        stored=("mimetype",),
    )


ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(*streams: tuple[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors): sector 0 is the FAT,
    sector 1 the directory, then each stream (at least 4096 bytes, so that no mini stream
    is needed). Up to three streams, chained as right siblings under the root."""
    assert 1 <= len(streams) <= 3
    sector = 512
    data = [content.ljust(4096, b"\0") for _, content in streams]
    data = [d.ljust(-(-len(d) // sector) * sector, b"\0") for d in data]
    fat = [FATSECT, ENDOFCHAIN]
    starts = []
    for d in data:
        first, count = len(fat), len(d) // sector
        starts.append(first)
        fat += [*range(first + 1, first + count), ENDOFCHAIN]
    assert len(fat) <= sector // 4
    fat += [FREESECT] * (sector // 4 - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,  # minor version
        3,  # major version: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 2**9
        6,  # mini sector shift
        b"\0" * 6,
        0,  # directory sectors (always 0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        ENDOFCHAIN,  # first mini FAT sector: none
        0,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,
    ) + struct.pack("<109I", 0, *[FREESECT] * 108)

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,  # black
            NOSTREAM,
            right,
            child,
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )

    entries = [entry("Root Entry", 5, NOSTREAM, 1, ENDOFCHAIN, 0)]
    for i, ((name, content), start) in enumerate(zip(streams, starts, strict=True), 1):
        right = i + 1 if i < len(streams) else NOSTREAM
        entries.append(entry(name, 2, right, NOSTREAM, start, max(4096, len(content))))
    entries += [entry("", 0, NOSTREAM, NOSTREAM, 0, 0)] * (4 - len(entries))
    directory = b"".join(entries)
    fat_sector = struct.pack(f"<{sector // 4}I", *fat)
    result = header + fat_sector + directory + b"".join(data)
    assert len(header) == len(directory) == sector
    return result


def png_bytes() -> bytes:
    """A real 1x1 white PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
RTF = rb"{\rtf1\ansi\deff0 {\fonttbl {\f0 Times New Roman;}} Draf Program Kerja\par}"
TEXT = "Rencana Kerja TA 2027 – pagu Rp 1.250.000.000; catatan: “segera”, café.\n"


def assert_refused(verdict: FileVerdict, reason: str = MISMATCH) -> None:
    assert not verdict.ok and verdict.reason == reason, verdict


# -- what is accepted --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("Draf Program Kerja.docx", docx_bytes()),
        ("DRAF.DOCX", docx_bytes()),
        ("RKAKL.xlsx", xlsx_bytes()),
        ("Paparan.pptx", pptx_bytes()),
        ("Konsep.odt", opendocument_bytes(ODT)),
        ("Anggaran.ods", opendocument_bytes(ODS)),
        ("Paparan.odp", opendocument_bytes(ODP)),
        ("Lama.doc", compound_file(("WordDocument", b"\xec\xa5" + b"x" * 100), ("1Table", b""))),
        ("Lama.xls", compound_file(("Workbook", b"\x09\x08" + b"x" * 100))),
        ("Lama95.xls", compound_file(("Book", b"\x09\x08" + b"x" * 100))),
        ("Lama.ppt", compound_file(("PowerPoint Document", b"x" * 100))),
        ("Bahan.pdf", PDF),
        ("Pindaian.pdf", b"\r\n" * 100 + PDF),  # a few bytes before the header
        ("Catatan.rtf", RTF),
        ("Foto.jpg", JPEG_HEAD + b"\x00" * 64 + b"\xff\xd9"),
        ("Foto.jpeg", JPEG_HEAD + b"\xff\xd9"),
        ("Bagan.png", png_bytes()),
        ("Lampiran.zip", zip_of({"a.txt": "isi", "b/c.pdf": PDF})),
        ("Kosong.zip", zip_of({})),  # an empty archive is a valid one
        ("Catatan.txt", TEXT.encode("utf-8")),
        ("Catatan BOM.txt", b"\xef\xbb\xbf" + TEXT.encode("utf-8")),
        ("Catatan UTF-16.txt", TEXT.encode("utf-16")),  # with a BOM
        ("Catatan UTF-16BE.txt", b"\xfe\xff" + TEXT.encode("utf-16-be")),
        ("Catatan UTF-32.txt", TEXT.encode("utf-32")),
        ("Catatan Windows.txt", TEXT.encode("cp1252")),
        ("Pagu.csv", "uraian;pagu\r\nBelanja pegawai;1.000.000\r\n".encode("cp1252")),
        ("Pagu Excel.csv", "uraian\tpagu\r\nBelanja\t1.000\r\n".encode("utf-16")),
        ("Catatan rusak.txt", b"caf\xe9 \x81 \x93kutip\x94 " * 3),  # a byte cp1252 leaves undefined
    ],
)
def test_real_documents_are_accepted(name: str, data: bytes) -> None:
    verdict = check_file(name, data)
    assert verdict == FileVerdict(True, OK, name.rpartition(".")[2].lower()), verdict
    assert refusal_text(verdict, escape(name)) is None


def test_the_main_part_named_by_the_package_relationships_is_accepted() -> None:
    """Some producers name the main part differently; _rels/.rels says which it is."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    members: dict[str, bytes | str] = {}
    for info in source.infolist():
        content = source.read(info)
        if info.filename == "word/document.xml":
            members["word/document2.xml"] = content
        elif info.filename == "_rels/.rels":
            members[info.filename] = content.replace(b"word/document.xml", b"word/document2.xml")
        else:
            members[info.filename] = content.replace(b"/word/document.xml", b"/word/document2.xml")
    renamed = zip_of(members)
    assert "word/document.xml" not in zipfile.ZipFile(io.BytesIO(renamed)).namelist()
    assert check_file("Draf.docx", renamed).ok
    # ... but a main part outside word/ does not make a Word document
    assert_refused(check_file("Draf.xlsx", renamed))


def test_an_extension_without_a_check_is_accepted_unchecked() -> None:
    verdict = check_file("Denah.dwg", b"AC1032 binary drawing")
    assert verdict.ok and verdict.reason == UNCHECKED
    assert check_file("tanpa ekstensi", b"apa saja").reason == UNCHECKED


def test_every_default_extension_has_a_check_and_a_kind() -> None:
    for ext in DEFAULT_ALLOWED_EXTENSIONS:
        assert check_file(f"x.{ext}", b"\x00\x01 not a real document").reason != UNCHECKED, ext
        assert ext in KINDS, ext


# -- what is refused ---------------------------------------------------------------------------


def test_an_empty_document_is_refused_politely() -> None:
    for name in ("Draf.docx", "Catatan.txt", "Denah.dwg"):
        verdict = check_file(name, b"")
        assert_refused(verdict, EMPTY)
    text = refusal_text(check_file("Draf <1>.docx", b""), escape("Draf <1>.docx"))
    assert text == (
        "Mohon maaf, dokumen <b>Draf &lt;1&gt;.docx</b> kosong (0 bita) sehingga tidak dapat "
        "diterima. Silakan mengirim ulang dokumen yang benar."
    )


def test_plain_text_named_docx_is_refused_as_not_a_word_document() -> None:
    verdict = check_file("Draf.docx", TEXT.encode())
    assert_refused(verdict)
    assert refusal_text(verdict, "Draf.docx") == (
        "Mohon maaf, isi dokumen <b>Draf.docx</b> tidak sesuai dengan format .docx "
        "(bukan dokumen Word yang sah). Silakan memeriksa kembali dokumen tersebut."
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("Draf.docx", zip_of({"word/document.xml": "<w:document/>"})),  # no manifest
        ("Draf.docx", zip_of({"[Content_Types].xml": "<Types/>", "isi.txt": "x"})),  # no main part
        ("Draf.docx", xlsx_bytes()),
        ("RKAKL.xlsx", docx_bytes()),
        ("Paparan.pptx", xlsx_bytes()),
        ("Draf.docx", opendocument_bytes(ODT)),
        ("Konsep.odt", docx_bytes()),  # no mimetype member
        ("Anggaran.ods", opendocument_bytes(ODT)),  # the wrong OpenDocument type
        ("Paparan.odp", zip_of({"mimetype": ODP * 10})),  # not the type, and too long to read
        ("Draf.docx", compound_file(("WordDocument", b"x"))),  # an old .doc renamed
        ("Lama.doc", docx_bytes()),
        ("Lama.xls", compound_file(("WordDocument", b"x"))),
        ("Lama.ppt", compound_file(("Workbook", b"x"))),
        ("Lama.doc", b"\xd0\xcf\x11\xe0"),  # a signature cut short
        ("Bahan.pdf", docx_bytes()),
        ("Bahan.pdf", b" " * 1024 + PDF),  # the header too far in
        ("Bahan.pdf", b"%PDF"),
        ("Catatan.rtf", b" {\\rtf1}"),
        ("Catatan.rtf", TEXT.encode()),
        ("Foto.jpg", png_bytes()),
        ("Bagan.png", JPEG_HEAD),
        ("Bagan.png", b"\x89PNG\r\n"),
        ("Lampiran.zip", PDF),
        ("Lampiran.zip", b"MZ\x90\x00" + b"\x00" * 60 + zip_of({"a.txt": "x"})),  # self-extracting
        ("Catatan.txt", png_bytes()),
        ("Catatan.txt", TEXT.encode("utf-16-le")),  # UTF-16 without a BOM: NUL bytes
        ("Catatan.txt", b"\xff\xfe" + b"\x00\xd8"),  # a BOM, then a lone surrogate
        ("Catatan.txt", "teks\x00biasa".encode("utf-16")),  # NUL inside decoded text
        ("Catatan.txt", bytes(range(1, 9)) * 10 + b"teks"),  # mostly control characters
        ("Pagu.csv", docx_bytes()),
    ],
)
def test_documents_that_are_not_what_their_name_says_are_refused(name: str, data: bytes) -> None:
    verdict = check_file(name, data)
    assert_refused(verdict)
    assert verdict.detail  # what was found, for the log
    text = refusal_text(verdict, escape(name))
    assert text is not None and f"<b>{escape(name)}</b>" in text and "berkas" not in text.lower()
    assert f"format .{verdict.ext} (bukan {KINDS[verdict.ext]} yang sah)" in text


def test_a_macro_enabled_document_named_docx_is_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    members: dict[str, bytes | str] = {i.filename: source.read(i) for i in source.infolist()}
    members["word/vbaProject.bin"] = compound_file(("VBA", b"Attribute VB_Name"))
    verdict = check_file("Draf.docx", zip_of(members))
    assert_refused(verdict, MACROS)
    assert "macro" in verdict.detail


def test_an_xlsm_renamed_xlsx_is_refused_naming_its_macros_and_what_to_do() -> None:
    """The RKAKL exported from SAKTI is an .xlsm; renamed .xlsx, Excel will not open it.
    The refusal names the macros and says to save it again as an .xlsx."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes()))
    members: dict[str, bytes | str] = {i.filename: source.read(i) for i in source.infolist()}
    members["xl/vbaProject.bin"] = compound_file(("VBA", b"Attribute VB_Name"))
    verdict = check_file("RKAKL dari SAKTI.xlsx", zip_of(members))
    assert_refused(verdict, MACROS)
    text = refusal_text(verdict, "RKAKL dari SAKTI.xlsx")
    assert text is not None
    assert "makro" in text and ".xlsm" in text and "bukan lembar kerja" not in text
    assert "Silakan menyimpan ulang dokumen tersebut tanpa makro sebagai .xlsx" in text


def test_a_password_protected_office_document_is_refused_as_such() -> None:
    # Office encrypts an .docx/.xlsx/.pptx into an OLE2 file with these two streams
    encrypted = compound_file(
        ("EncryptionInfo", b"\x04\x00\x04\x00\x40\x00\x00\x00"), ("EncryptedPackage", b"\x9a" * 64)
    )
    for name in ("Draf.docx", "RKAKL.xlsx", "Paparan.pptx"):
        verdict = check_file(name, encrypted)
        assert_refused(verdict, ENCRYPTED)
        text = refusal_text(verdict, name)
        assert text is not None and "kata sandi" in text and f"<b>{name}</b>" in text
    assert_refused(check_file("Lama.doc", encrypted))  # no WordDocument stream: not a .doc


ALGORITHMS = ["RC4-40", "RC4-128", "AES-128", "AES-256-R5", "AES-256"]


def encrypted_pdf(algorithm: str, password: str = "") -> bytes:
    """A one-page PDF encrypted by pypdf as a PDF writer does: ``password`` opens it, the
    owner's password (another) lifts the restrictions (no printing, no changes)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(
        user_password=password,
        owner_password="pemilik",
        algorithm=algorithm,
        permissions_flag=UserAccessPermissions(0),
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def certificate_pdf() -> bytes:
    """A PDF encrypted for a certificate's holder (/Adobe.PubSec): no password opens it."""
    encrypt = b"<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /R 4 /Recipients [] >>"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out = bytearray(b"%PDF-1.6\n")
    offsets = []
    for number, body in enumerate([*objects, encrypt], 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 4 /Root 1 0 R /Encrypt 3 0 R /ID [<00> <00>] >>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_pdf_that_needs_a_password_to_open_is_refused_like_an_office_file(
    algorithm: str,
) -> None:
    """A Penetapan Kinerja saved with an open password: the reviewers could not open it."""
    verdict = check_file("Penetapan Kinerja ttd.pdf", encrypted_pdf(algorithm, "rahasia"))
    assert_refused(verdict, ENCRYPTED)
    text = refusal_text(verdict, "Penetapan Kinerja ttd.pdf")
    assert text is not None and "kata sandi" in text and "Silakan" in text


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_a_signed_pdf_that_only_restricts_editing_or_printing_is_accepted(
    algorithm: str,
) -> None:
    """Encrypted, but with an empty open password: anyone opens it, only changes (and here
    printing) are restricted, as a signed Penetapan Kinerja often is."""
    data = encrypted_pdf(algorithm)
    assert check_file("Penetapan Kinerja ttd.pdf", data) == FileVerdict(True, OK, "pdf")


def test_the_rules_for_encrypted_pdfs_not_judged_by_a_password() -> None:
    # a certificate's handler: only the holder of the recipient's key opens it
    assert_refused(check_file("Surat.pdf", certificate_pdf()), ENCRYPTED)
    # an /Encrypt that names no object there is, or an unreadable one: accepted (only a
    # PDF shown to need a password is refused)
    assert check_file("Surat.pdf", PDF.replace(b"/Root 1 0 R", b"/Encrypt 9 0 R")).ok
    broken = encrypted_pdf("RC4-128", "rahasia").replace(b"/O <", b"/O <<(")
    assert check_file("Surat.pdf", broken).ok


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_no_bytes_after_an_encrypt_entry_make_the_pdf_check_raise(
    before: bytes, after: bytes
) -> None:
    data = b"%PDF-1.7\n" + before + b"trailer << /Encrypt " + after
    check_file("a.pdf", data)
    check_file("a.pdf", encrypted_pdf("RC4-128")[:-40] + after)


def test_a_truncated_or_corrupt_archive_is_refused_without_an_exception() -> None:
    whole = docx_bytes()
    for cut in (30, len(whole) // 2, len(whole) - 10, len(whole) - 1):
        assert_refused(check_file("Draf.docx", whole[:cut]))
    # the central directory is damaged
    directory = whole.find(b"PK\x01\x02")
    broken = whole[:directory] + b"PK\x01\x09" + whole[directory + 4 :]
    assert_refused(check_file("Draf.docx", broken))
    # a directory entry's offset points into nonsense (zipfile still lists the name)
    for member in ("[Content_Types].xml", "word/document.xml"):
        entry = whole.find(member.encode(), directory) - 46  # its central directory entry
        assert whole[entry : entry + 4] == b"PK\x01\x02"
        shifted = whole[: entry + 42] + struct.pack("<I", 7) + whole[entry + 46 :]
        assert member in zipfile.ZipFile(io.BytesIO(shifted)).namelist()
        assert_refused(check_file("Draf.docx", shifted))
    # the mimetype member's compressed data is damaged (its CRC no longer matches)
    odt = bytearray(opendocument_bytes(ODT))
    odt[odt.find(ODT.encode()) + 5] ^= 0x20
    assert_refused(check_file("Konsep.odt", bytes(odt)))
    # an encrypted mimetype member cannot be read without a password
    odt = bytearray(opendocument_bytes(ODT))
    odt[6] |= 0x01  # general purpose flag: encrypted (local header)
    central = odt.find(b"PK\x01\x02")
    odt[central + 8] |= 0x01  # and in the central directory
    assert_refused(check_file("Konsep.odt", bytes(odt)))


def test_a_zip_bomb_is_judged_without_being_unpacked() -> None:
    """200 MB of zeros packed into about 200 KB: only the central directory is read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("mimetype", ODT, compress_type=zipfile.ZIP_STORED)
        with archive.open("content.xml", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                member.write(block)
    bomb = buffer.getvalue()
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    try:
        verdicts = [check_file(n, bomb) for n in ("Konsep.odt", "Lampiran.zip", "Draf.docx")]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [v.reason for v in verdicts] == [OK, OK, MISMATCH]
    assert peak < 4 * len(bomb) + (1 << 20), peak  # nothing near 200 MB was unpacked
    # a bomb in the one member that is read is not read: its declared size is too big
    huge_mimetype = zip_of({"mimetype": ODT + " " * (50 << 20)})
    assert_refused(check_file("Konsep.odt", huge_mimetype))


def test_the_refusal_texts_are_polite_indonesian_and_say_dokumen() -> None:
    assert set(REFUSALS) == {EMPTY, MISMATCH, MACROS, ENCRYPTED}
    for reason, text in REFUSALS.items():
        assert text.startswith("Mohon maaf, "), reason
        assert "<b>{name}</b>" in text and "dokumen" in text and "berkas" not in text.lower()
        assert text.rstrip().endswith("."), reason


# -- no bytes make it raise ------------------------------------------------------------------

EXTENSIONS = sorted(set(DEFAULT_ALLOWED_EXTENSIONS) | {"dwg", ""})
REAL = [docx_bytes(), xlsx_bytes(), opendocument_bytes(ODS), compound_file(("Workbook", b"x"))]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(EXTENSIONS), st.binary(max_size=2048))
def test_no_bytes_make_the_check_raise(ext: str, data: bytes) -> None:
    verdict = check_file(f"dokumen.{ext}", data)
    assert verdict.reason in {OK, UNCHECKED, EMPTY, MISMATCH, ENCRYPTED}
    assert verdict.ok == (verdict.reason in {OK, UNCHECKED})


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["docx", "xlsx", "ods", "odt", "zip", "xls", "doc"]),
    st.sampled_from(REAL),
    st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(1, 1 << 16),
)
def test_damaged_real_documents_never_make_the_check_raise(
    ext: str, original: bytes, damage: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(original)
    for position, value in damage:
        data[position % len(data)] = value
    for candidate in (bytes(data), bytes(data[:keep])):
        verdict = check_file(f"dokumen.{ext}", candidate)
        assert verdict.reason in {OK, MISMATCH, ENCRYPTED}


def pdf_that_pypdf_repairs_for_minutes(streams: int) -> bytes:
    """A hostile PDF of about 70 KB a stream: an /Encrypt entry, a startxref that points
    nowhere (so pypdf rebuilds the cross-reference table, reading every object) and object
    streams whose data expand to 70 MB of digits each, which pypdf reads byte by byte (about
    12 s of CPU each)."""
    blob = zlib.compress(b"0" * 70_000_000, 9)
    out = bytearray(b"%PDF-1.5\n")
    for number in range(1, streams + 1):
        out += b"%d 0 obj\n<< /Type /ObjStm /N 1 /First 0 /Length %d /Filter /FlateDecode >>\n" % (
            number,
            len(blob),
        )
        out += b"stream\n" + blob + b"\nendstream\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <00> /U <00>"
    out += b" /P -4 >> >>\nstartxref\n999999999\n%%EOF\n"
    return bytes(out)


def test_a_pdf_built_to_keep_pypdf_busy_is_given_up_within_seconds() -> None:
    """An upload of 350 KB that would hold a worker thread for a minute (and, at 20 MB, for
    about an hour) while pypdf looks for its encryption: the look is given up after a few
    seconds of CPU and the PDF is accepted unjudged, as any PDF pypdf cannot read."""
    bomb = pdf_that_pypdf_repairs_for_minutes(5)
    assert len(bomb) < 400_000
    started = time.thread_time()
    verdict = check_file("Penetapan Kinerja.pdf", bomb)
    spent = time.thread_time() - started
    assert verdict == FileVerdict(True, OK, "pdf")
    assert spent < PDF_CPU_SECONDS + 1.5, spent
    # a PDF that is read in time is judged as before
    assert_refused(check_file("Surat.pdf", encrypted_pdf("AES-256", "rahasia")), ENCRYPTED)


def test_the_time_limit_stops_pypdf_never_the_logging_it_calls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past its time, pypdf logs a repair: the logging module takes its lock (the level
    cache was cleared) and gives it back. The limit is not applied there, where giving up
    would keep the lock taken and every other thread that logs waiting for ever: it stops
    the next call of pypdf's own."""
    monkeypatch.setattr(pdfsecurity, "_CALLS_PER_LOOK", 4)  # the 4th call: _releaseLock
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # clears every logger's level cache
    stopped = False
    try:
        with pdfsecurity._cpu_limit(0.0):
            logging.getLogger("pypdf").isEnabledFor(logging.WARNING)
            PdfWriter()
    except pdfsecurity._TooLong:
        stopped = True
    logged: list[bool] = []
    probe = threading.Thread(
        target=lambda: logged.append(logging.getLogger("probe.after.pdf").isEnabledFor(10)),
        daemon=True,
    )
    probe.start()
    probe.join(timeout=5)
    if probe.is_alive():  # the lock stayed with this thread: give it back for the suite
        with contextlib.suppress(RuntimeError):
            logging._releaseLock()  # type: ignore[attr-defined]
    assert logged, "another thread waits for the logging module's lock"
    assert stopped, "pypdf's call past the time was not stopped"


def test_an_archive_of_more_members_than_a_document_holds_is_refused_unread() -> None:
    """A .docx of 20 MB can list 250,000 empty members: reading its directory took 1.7 s
    of CPU and 130 MB (at the 2000 MB a self-hosted server allows, minutes and 13 GB). No
    office program writes more than 65,535 members (the most a ZIP holds without its 64-bit
    extension): such an archive is refused before its directory is read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for number in range(70_000):
            archive.writestr(zipfile.ZipInfo(f"{number:x}"), b"")
    crowded = buffer.getvalue()
    tracemalloc.start()
    try:
        verdicts = [check_file(name, crowded) for name in ("Draf.docx", "Lampiran.zip")]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    for verdict in verdicts:
        assert_refused(verdict)
        assert "members" in verdict.detail
    assert peak < 1 << 20, peak  # no directory entry was read
    # a real document's few members are read as before
    assert check_file("Draf.docx", docx_bytes()).ok


def test_a_text_file_of_control_characters_is_refused_without_listing_them() -> None:
    """20 MB of control characters named .txt: refused once more than 1 % of the text is
    seen to be such, not after a list of 20 million of them was made (160 MB)."""
    noise = b"\x01" * 20_000_000
    tracemalloc.start()
    try:
        verdict = check_file("Catatan.txt", noise)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_refused(verdict)
    assert peak < 2 * len(noise), peak  # the decoded text, nothing more
    # text with a few control characters is taken, text with too many is not
    assert check_file("Data.csv", b"a;b\x1b\n" + b"x" * 500).ok
    assert not check_file("Data.csv", b"a;b\x1b\n" * 10).ok


FILES = Path(__file__).parent / "fixtures" / "files"


def word_fib(flags: int) -> bytes:
    """The start of a WordDocument stream: a FIB whose base holds ``flags`` (0x0100:
    fEncrypted, the document opens only with its password)."""
    return struct.pack("<HHHHHH", 0xA5EC, 0x00C1, 0, 0x0421, 0, flags)


def test_a_word_97_document_saved_with_a_password_is_refused_as_such() -> None:
    """Kasubag's Konsep saved from Word (here LibreOffice) as .doc with an open password:
    the reviewers could not open it, as with a protected .docx."""
    protected = (FILES / "konsep-sandi-rahasia.doc").read_bytes()
    verdict = check_file("Konsep Rencana Kerja.doc", protected)
    assert_refused(verdict, ENCRYPTED)
    text = refusal_text(verdict, "Konsep Rencana Kerja.doc")
    assert text is not None and "kata sandi" in text
    # the same document saved without a password is taken
    assert check_file("Konsep Rencana Kerja.doc", (FILES / "konsep.doc").read_bytes()).ok
    # the flag is read from the WordDocument stream wherever its directory entry puts it
    for flags, ok in ((0x0100, False), (0x0200, True), (0x13F0, False), (0x12F0, True)):
        built = compound_file(("1Table", b"t"), ("WordDocument", word_fib(flags)))
        assert check_file("Konsep.doc", built).ok is ok, hex(flags)


def biff_record(kind: int, body: bytes = b"") -> bytes:
    """A BIFF8 record: its type, its length, its bytes."""
    return struct.pack("<HH", kind, len(body)) + body


def workbook_stream(*, password: bool, write_protect: bool = False) -> bytes:
    """The start of an Excel 97-2003 Workbook stream: the globals substream's BOF, then (as
    Excel writes a workbook saved with an open password) a FilePass record naming RC4
    CryptoAPI encryption, whose following records are encrypted; else InterfaceHdr."""
    bof = biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0x80C9, 0x206))
    records = [bof]
    if write_protect:
        records.append(biff_record(0x0086))
    if password:
        # wEncryptionType 1 (RC4), then an RC4 CryptoAPI header (version 4.2) and its salt
        records.append(biff_record(0x002F, struct.pack("<HHHI", 1, 4, 2, 0x04) + b"\x5a" * 40))
        records.append(b"\xe1\x00\x02\x00\x9c\x3f")  # InterfaceHdr, its data encrypted
    else:
        records.append(biff_record(0x00E1, struct.pack("<H", 0x04B0)))  # InterfaceHdr: cp1200
    return b"".join(records) + biff_record(0x00C1, b"\0\0") + biff_record(0x000A)


def current_user_stream(token: int, edit: int = 0x1234) -> bytes:
    """A PowerPoint 97-2003 Current User stream: its one CurrentUserAtom, whose headerToken
    is 0xE391C05F for a plain presentation, 0xF3D1C4DF for one saved with a password, and
    whose offsetToCurrentEdit is where the last save's UserEditAtom is in the PowerPoint
    Document stream."""
    user = b"Kasubag"
    fixed = struct.pack("<IIIHHBBH", 0x14, token, edit, len(user), 0x03F4, 3, 0, 0)
    body = fixed + user + struct.pack("<I", 8) + user.decode().encode("utf-16-le")
    return struct.pack("<HHI", 0, 0x0FF6, len(body)) + body


def ppt_record(kind: int, body: bytes, version: int = 0) -> bytes:
    """A PowerPoint 97-2003 record: its header (recVer and recInstance, recType, recLen)
    and its body."""
    return struct.pack("<HHI", version, kind, len(body)) + body


def ppt_user_edit(previous: int, directory: int, session: int | None) -> bytes:
    """A UserEditAtom: the save before it (0: none), its persist directory's offset, and
    the optional encryptSessionPersistIdRef an encrypted presentation's carries."""
    body = struct.pack("<IHBBIIIIHH", 0x100, 0, 0, 3, previous, directory, 1, 3, 1, 0)
    if session is not None:
        body += struct.pack("<I", session)
    return ppt_record(0x0FF5, body)


def ppt_directory(first: int, *offsets: int) -> bytes:
    """A PersistDirectoryAtom of one entry: persist ids ``first``... at ``offsets``."""
    entry = struct.pack("<I", first | len(offsets) << 20)
    return ppt_record(0x1772, entry + struct.pack(f"<{len(offsets)}I", *offsets))


def encrypted_powerpoint_document(*, saves: int = 1) -> tuple[bytes, int]:
    """A PowerPoint Document stream as PowerPoint writes a presentation with an open
    password ([MS-PPT] 2.3.7): the DocumentContainer and the slides encrypted (RC4 output:
    no record can be read in them), the CryptSession10Container (persist id 2) with its
    RC4 CryptoAPI encryption header in the clear, then each save's PersistDirectoryAtom and
    UserEditAtom, the last naming the session's persist id. A later save (``saves`` 2)
    lists only what it changed (the document, id 1) and leaves the session to the first
    save's directory, along the chain. Returns the stream and the last UserEditAtom's
    offset (the Current User stream's offsetToCurrentEdit)."""
    stream = bytes((i * 151 + 7) % 256 for i in range(600))  # the encrypted records
    header = struct.pack("<HHI", 4, 2, 0x04) + b"\x5a" * 40  # EncryptionInfo: RC4 CryptoAPI
    session_at = len(stream)
    stream += ppt_record(0x2F14, ppt_record(0x2F13, header), version=0x0F)
    directory_at = len(stream)
    stream += ppt_directory(1, 0, session_at)
    edit_at = len(stream)
    stream += ppt_user_edit(0, directory_at, 2)
    for _ in range(saves - 1):
        document_at = len(stream)
        stream += bytes((i * 37 + 11) % 256 for i in range(80))  # the document again
        directory_at = len(stream)
        stream += ppt_directory(1, document_at)
        previous, edit_at = edit_at, len(stream)
        stream += ppt_user_edit(previous, directory_at, 2)
    return stream, edit_at


def compound_file_with_mini_streams(*streams: tuple[str, bytes]) -> bytes:
    """An OLE2 compound file (version 3) as Office writes a small presentation: each
    stream under 4096 bytes in the mini stream (64-byte mini sectors chained by the mini
    FAT, the mini stream itself the root entry's stream), the others in sectors. Sector 0
    is the FAT, 1 the directory, 2 the mini FAT, then the mini stream and the rest."""
    sector, mini = 512, 64
    small = [(n, c) for n, c in streams if len(c) < 4096]
    big = [(n, c) for n, c in streams if len(c) >= 4096]

    def chain(table: list[int], content: bytes, unit: int) -> tuple[int, bytes]:
        """``content`` padded to whole ``unit``s, chained in ``table``: its first unit."""
        padded = content.ljust(-(-len(content) // unit) * unit, b"\0")
        first, count = len(table), len(padded) // unit
        table += [*range(first + 1, first + count), ENDOFCHAIN]
        return first, padded

    minifat: list[int] = []
    ministream, mini_starts = b"", {}
    for name, content in small:
        mini_starts[name], padded = chain(minifat, content, mini)
        ministream += padded
    fat = [FATSECT, ENDOFCHAIN, ENDOFCHAIN]
    root_start, ministream = chain(fat, ministream, sector)
    big_starts, body = {}, ministream
    for name, content in big:
        big_starts[name], padded = chain(fat, content, sector)
        body += padded
    assert len(fat) <= sector // 4 and len(minifat) <= sector // 4
    fat += [FREESECT] * (sector // 4 - len(fat))
    minifat += [FREESECT] * (sector // 4 - len(minifat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,  # FAT sectors
        1,  # first directory sector
        0,
        4096,  # mini stream cutoff
        2,  # first mini FAT sector
        1,  # mini FAT sectors
        ENDOFCHAIN,
        0,
    ) + struct.pack("<109I", 0, *[FREESECT] * 108)

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, NOSTREAM, right, child,
            b"\0" * 16, 0, 0, 0, start, size,
        )  # fmt: skip

    assert len(streams) <= 3
    entries = [entry("Root Entry", 5, NOSTREAM, 1, root_start, len(ministream))]
    for i, (name, content) in enumerate(streams, 1):
        right = i + 1 if i < len(streams) else NOSTREAM
        start = mini_starts[name] if name in mini_starts else big_starts[name]
        entries.append(entry(name, 2, right, NOSTREAM, start, len(content)))
    entries += [b"\0" * 64 + struct.pack("<HB", 0, 0) + b"\0" * 61] * (4 - len(entries))
    fat_sector = struct.pack(f"<{sector // 4}I", *fat)
    minifat_sector = struct.pack(f"<{sector // 4}I", *minifat)
    return header + fat_sector + b"".join(entries) + minifat_sector + body


def test_an_excel_97_workbook_saved_with_a_password_is_refused_as_such() -> None:
    """Bendahara's RKAKL saved from Excel as .xls with an open password: its Workbook stream
    has a FilePass record after the BOF. The reviewers could not open it, as with a .doc."""
    for write_protect in (False, True):
        protected = compound_file(
            ("Workbook", workbook_stream(password=True, write_protect=write_protect))
        )
        verdict = check_file("RKAKL 2027.xls", protected)
        assert_refused(verdict, ENCRYPTED)
        assert refusal_text(verdict, "RKAKL 2027.xls") == REFUSALS[ENCRYPTED].format(
            name="RKAKL 2027.xls"
        )
    # an Excel 5/95 workbook (its stream is called Book) with a password
    assert_refused(
        check_file("Lama.xls", compound_file(("Book", workbook_stream(password=True)))), ENCRYPTED
    )
    # the same workbook saved without a password is taken, wherever its stream is
    for streams in (
        (("Workbook", workbook_stream(password=False)),),
        (("\x05SummaryInformation", b"s"), ("Workbook", workbook_stream(password=False))),
        (("Book", workbook_stream(password=False, write_protect=True)),),
    ):
        assert check_file("RKAKL 2027.xls", compound_file(*streams)).ok, streams
    # a FilePass record further on (only after BOF does one encrypt) and a stream that does
    # not start with a BOF are not taken for a password
    late = workbook_stream(password=False) + biff_record(0x002F, b"\0" * 6)
    assert check_file("RKAKL.xls", compound_file(("Workbook", late))).ok
    assert check_file("RKAKL.xls", compound_file(("Workbook", biff_record(0x002F, b"")))).ok


def test_a_powerpoint_97_presentation_saved_with_a_password_is_refused_as_such() -> None:
    """Kabag's Paparan saved from PowerPoint as .ppt with an open password: its Current User
    stream says encrypted (and its summary is in an EncryptedSummary stream)."""
    document = ("PowerPoint Document", b"\x0f\x00\xe8\x03" + b"\x9a" * 200)
    protected = compound_file(document, ("Current User", current_user_stream(0xF3D1C4DF)))
    verdict = check_file("Paparan Kinerja.ppt", protected)
    assert_refused(verdict, ENCRYPTED)
    assert refusal_text(verdict, "Paparan Kinerja.ppt") == REFUSALS[ENCRYPTED].format(
        name="Paparan Kinerja.ppt"
    )
    # the directory in another order, and the summary encrypted apart from the token
    summary_only = compound_file(
        ("Current User", current_user_stream(0xE391C05F)),
        ("EncryptedSummary", b"\x77" * 64),
        document,
    )
    assert_refused(check_file("Paparan.ppt", summary_only), ENCRYPTED)
    # the same presentation saved without a password is taken
    plain = compound_file(document, ("Current User", current_user_stream(0xE391C05F)))
    assert check_file("Paparan Kinerja.ppt", plain).ok
    # the token's bytes in the slides' text are not the token
    quoted = ("PowerPoint Document", struct.pack("<I", 0xF3D1C4DF) * 8)
    assert check_file("Paparan.ppt", compound_file(quoted)).ok


def test_a_powerpoint_97_presentation_encrypted_under_a_plain_token_is_refused() -> None:
    """Kabag's Paparan saved as .ppt with an open password by a program that leaves the
    Current User stream's headerToken plain (0xE391C05F) and writes no EncryptedSummary:
    its PowerPoint Document stream is still encrypted, which the last save's UserEditAtom
    says (its encryptSessionPersistIdRef) and its persist directory shows (the id is a
    CryptSession10Container's). The reviewers could not open it: it is refused as a
    password-protected file, also saved twice (the session in the first save's
    directory), and when the streams are small enough for the mini stream."""
    for saves in (1, 2):
        document, edit = encrypted_powerpoint_document(saves=saves)
        streams = (
            ("PowerPoint Document", document),
            ("Current User", current_user_stream(0xE391C05F, edit)),
        )
        for build in (compound_file, compound_file_with_mini_streams):
            verdict = check_file("Paparan Kinerja.ppt", build(*streams))
            assert_refused(verdict, ENCRYPTED)
            assert refusal_text(verdict, "Paparan Kinerja.ppt") == REFUSALS[ENCRYPTED].format(
                name="Paparan Kinerja.ppt"
            )
    # the token in the mini stream is found too
    small = compound_file_with_mini_streams(
        ("PowerPoint Document", b"\x0f\x00\xe8\x03" + b"\x9a" * 200),
        ("Current User", current_user_stream(0xF3D1C4DF)),
    )
    assert_refused(check_file("Paparan.ppt", small), ENCRYPTED)


def test_a_plain_powerpoint_97_presentation_is_not_taken_for_an_encrypted_one() -> None:
    """The same presentation saved without a password: its UserEditAtom has no
    encryptSessionPersistIdRef, and is taken. Nor is one whose id leads to a record that
    is no CryptSession10Container, one whose offsetToCurrentEdit leads nowhere, or one
    whose edit chain loops."""
    document, edit = encrypted_powerpoint_document()
    directory_at = edit - len(ppt_directory(1, 0, 0))
    plain = document[:edit] + ppt_user_edit(0, directory_at, None)
    elsewhere = document[:directory_at] + ppt_directory(1, 0, 0) + document[edit:]
    looping = document[:edit] + ppt_user_edit(edit, len(document) + 100, 2)
    for stream, offset in (
        (plain, edit),
        (elsewhere, edit),
        (document, edit + 1),
        (document, len(document) + 4096),
        (looping, edit),
    ):
        for build in (compound_file, compound_file_with_mini_streams):
            streams = (
                ("PowerPoint Document", stream),
                ("Current User", current_user_stream(0xE391C05F, offset)),
            )
            assert check_file("Paparan Kinerja.ppt", build(*streams)).ok, offset
