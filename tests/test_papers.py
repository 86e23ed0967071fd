"""The official papers (.docx): real values land where they belong, hostile values stay
literal text, dates are the office's dates in its zone, file names are safe, the archive
bundle is safe, and Word and LibreOffice open every paper."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document as DocxDocument
from docxtpl import DocxTemplate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bot.core.nip import printed_nip
from bot.papers import samples as S
from bot.papers.archive import MANIFEST, RECORD_NAME, bundle_zip, safe_archive_name
from bot.papers.contexts import DOTS, clean
from bot.papers.dates import DEFAULT_ZONE, WIB, OfficeZone, angka, durasi, hari_tanggal, tanggal
from bot.papers.model import (
    APPROVED,
    RETURNED,
    ApprovalRecord,
    CaseInfo,
    CheckItem,
    Disposisi,
    Dokumentasi,
    DraftSkeleton,
    EventRecord,
    FileRecord,
    Letterhead,
    Official,
    Pemeriksaan,
    SkTim,
    StepTime,
    TeamMember,
)
from bot.papers.registry import (
    DISPOSISI,
    DOKUMENTASI,
    PAPERS,
    PEMERIKSAAN,
    PENETAPAN_KINERJA,
    PROGRAM_KERJA,
    RKAKL,
    SK_TIM,
    PaperKind,
    archive_file_name,
    file_name,
    report_file_name,
)
from bot.papers.render import SHIPPED_TEMPLATES, PaperRenderer
from bot.paperwork import amended_decree, initials, menimbang

ROOT = Path(__file__).resolve().parents[1]

# The default renderer: the shipped templates, WIB.
RENDERER = PaperRenderer()


def renderer_of(kind: PaperKind[Any], renderer: PaperRenderer = RENDERER) -> Callable[[Any], bytes]:
    return functools.partial(renderer.render, kind)


render_disposisi = renderer_of(DISPOSISI)
render_sk_tim = renderer_of(SK_TIM)
render_pemeriksaan = renderer_of(PEMERIKSAAN)
render_program_kerja = renderer_of(PROGRAM_KERJA)
render_rkakl = renderer_of(RKAKL)
render_penetapan_kinerja = renderer_of(PENETAPAN_KINERJA)
render_dokumentasi = renderer_of(DOKUMENTASI)

# --- reading a .docx back ------------------------------------------------------------


def open_docx(data: bytes) -> DocxDocument:
    assert data[:2] == b"PK"
    return docx.Document(io.BytesIO(data))


def tables(d: DocxDocument) -> list[list[list[str]]]:
    """Every table as rows of cell texts."""
    return [[[c.text for c in r.cells] for r in t.rows] for t in d.tables]


def texts(d: DocxDocument) -> list[str]:
    """Paragraph texts of the body, the table cells, headers and footers."""
    out = [p.text for p in d.paragraphs]
    for t in tables(d):
        for r in t:
            out.extend(r)
    for s in d.sections:
        out.extend(p.text for p in s.header.paragraphs)
        out.extend(p.text for p in s.footer.paragraphs)
    return out


def lines(d: DocxDocument) -> list[str]:
    """Every paragraph of the body in the order it is read, those in table cells too (the
    SK's signatures are the last rows of their tables)."""
    return ["".join(t.text or "" for t in p.iter(W + "t")) for p in d.element.body.iter(W + "p")]


def alltext(d: DocxDocument) -> str:
    return "\n".join(texts(d))


def table_with(d: DocxDocument, header: str) -> list[list[str]]:
    """The table whose first row has a cell equal to ``header``."""
    for t in tables(d):
        if t and header in [c.strip() for c in t[0]]:
            return t
    raise AssertionError(f"no table with header {header!r}")


def column(t: list[list[str]], header: str) -> list[str]:
    i = [c.strip() for c in t[0]].index(header)
    return [r[i] for r in t[1:]]


def row_with(t: list[list[str]], needle: str) -> list[str]:
    for r in t:
        if any(needle in c for c in r):
            return r
    raise AssertionError(f"no row with {needle!r}")


def paragraph_index(d: DocxDocument, needle: str) -> int:
    for i, p in enumerate(d.paragraphs):
        if needle in p.text:
            return i
    raise AssertionError(f"no paragraph with {needle!r}")


# --- dates ---------------------------------------------------------------------------


def test_tanggal_formats() -> None:
    assert tanggal(date(2026, 11, 28)) == "28 November 2026"
    assert tanggal(date(2027, 1, 5)) == "5 Januari 2027"
    assert hari_tanggal(date(2026, 11, 28)) == "Sabtu, 28 November 2026"
    assert hari_tanggal(date(2026, 11, 30)) == "Senin, 30 November 2026"
    assert hari_tanggal(date(2026, 11, 27)) == "Jumat, 27 November 2026"
    wib = DEFAULT_ZONE
    assert wib.jam(datetime(2026, 11, 28, 14, 5)) == "14.05 WIB"  # naive: office time
    assert wib.jam(datetime(2026, 11, 28, 7, 0, tzinfo=WIB)) == "07.00 WIB"
    assert wib.tanggal_jam(datetime(2026, 11, 28, 14, 5)) == "28 November 2026 pukul 14.05 WIB"
    months = [tanggal(date(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert months == [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]  # fmt: skip


# 18.30 UTC on 4 December 2026: already 5 December in all three Indonesian zones.
LATE_UTC = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)


def test_a_moment_is_dated_in_the_office_zone_not_in_utc() -> None:
    wib = OfficeZone.named("Asia/Jakarta")
    assert wib.day(LATE_UTC) == date(2026, 12, 5)
    assert wib.tanggal(LATE_UTC) == "5 Desember 2026"
    assert wib.hari_tanggal(LATE_UTC) == "Sabtu, 5 Desember 2026"
    assert wib.jam(LATE_UTC) == "01.30 WIB"
    assert wib.tanggal_jam(LATE_UTC) == "5 Desember 2026 pukul 01.30 WIB"
    # A calendar date is never taken from a datetime without a zone.
    with pytest.raises(TypeError):
        tanggal(LATE_UTC)
    with pytest.raises(TypeError):
        hari_tanggal(LATE_UTC)


@pytest.mark.parametrize(
    ("name", "label", "clock"),
    [
        ("Asia/Jakarta", "WIB", "01.30"),
        ("Asia/Pontianak", "WIB", "01.30"),
        ("Asia/Makassar", "WITA", "02.30"),
        ("Asia/Jayapura", "WIT", "03.30"),
    ],
)
def test_indonesian_zones_have_their_labels(name: str, label: str, clock: str) -> None:
    zone = OfficeZone.named(name)
    assert zone.label(LATE_UTC) == label
    assert zone.jam(LATE_UTC) == f"{clock} {label}"
    assert zone.tanggal(LATE_UTC) == "5 Desember 2026"
    # 14.05 WITA is 13.05 WIB: each office writes its own clock.
    wita = datetime(2026, 11, 28, 14, 5, tzinfo=timezone(timedelta(hours=8)))
    assert OfficeZone.named("Asia/Makassar").jam(wita) == "14.05 WITA"
    assert OfficeZone.named("Asia/Jakarta").jam(wita) == "13.05 WIB"


def test_chat_messages_can_write_the_office_zone() -> None:
    assert DEFAULT_ZONE.tanggal_jam(LATE_UTC) == "5 Desember 2026 pukul 01.30 WIB"
    makassar = OfficeZone.named("Asia/Makassar")
    assert makassar.tanggal_jam(LATE_UTC) == "5 Desember 2026 pukul 02.30 WITA"


@pytest.mark.parametrize(
    ("name", "label", "clock"),
    [("Asia/Jakarta", "WIB", "01.30"), ("Asia/Makassar", "WITA", "02.30"),
     ("Asia/Jayapura", "WIT", "03.30")],
)  # fmt: skip
def test_the_moments_on_papers_are_written_in_the_office_zone(
    name: str, label: str, clock: str
) -> None:
    renderer = PaperRenderer(zone=OfficeZone.named(name))
    review = replace(S.sample_pemeriksaan(), decided_at=LATE_UTC)
    fields = tables(open_docx(renderer.render(PEMERIKSAAN, review)))[0]
    assert ["Waktu Pemeriksaan", ":", f"Sabtu, 5 Desember 2026 pukul {clock} {label}"] in fields
    archive = replace(S.sample_dokumentasi(), archived_at=LATE_UTC)
    d = open_docx(renderer.render(DOKUMENTASI, archive))
    archived = ["Waktu Pengarsipan", ":", f"Sabtu, 5 Desember 2026 pukul {clock} {label}"]
    assert archived in tables(d)[0]
    assert "Jakarta, 5 Desember 2026" in alltext(d)
    # The sample's other moments are 8.30-ish WIB: one hour later in WITA, two in WIT.
    shift = {"WIB": 0, "WITA": 1, "WIT": 2}[label]
    events = table_with(d, "Tindakan")
    assert events[1][1] == f"2 November 2026\n{8 + shift:02d}.30 {label}"


def test_other_zones_are_labelled_by_their_offset() -> None:
    assert OfficeZone.named("UTC").jam(LATE_UTC) == "18.30 UTC+00:00"
    assert OfficeZone.named("UTC").tanggal(LATE_UTC) == "4 Desember 2026"
    adelaide = OfficeZone.named("Australia/Adelaide")  # +10:30 in (southern) summer
    assert adelaide.jam(LATE_UTC) == "05.00 UTC+10:30"
    new_york = OfficeZone.named("America/New_York")
    assert new_york.label(LATE_UTC) == "UTC-05:00"  # winter
    assert new_york.label(datetime(2026, 7, 1, 12, 0, tzinfo=UTC)) == "UTC-04:00"  # summer
    assert new_york.tanggal(LATE_UTC) == "4 Desember 2026"


def test_angka_groups_thousands_with_dots() -> None:
    assert angka(0) == "0"
    assert angka(4800) == "4.800"
    assert angka(-1250) == "-1.250"
    assert angka(1234567) == "1.234.567"


# --- realistic papers ----------------------------------------------------------------


def test_papers_write_a_nip_as_tata_naskah_dinas_does() -> None:
    """The bot keeps 18 bare digits; a paper's signature block reads "NIP 19691220
    199503 1 001" (birth date, appointment month, sex, serial number). What is not a NIP
    (none, a placeholder) is printed as it is."""
    assert printed_nip("196912201995031001") == "19691220 199503 1 001"
    assert printed_nip("19691220 199503 1 001") == "19691220 199503 1 001"
    assert printed_nip("") == "" and printed_nip(DOTS) == DOTS and printed_nip("-") == "-"
    assert printed_nip("12345") == "12345"


def test_disposisi_realistic() -> None:
    p = S.sample_disposisi()
    d = open_docx(render_disposisi(p))
    text = alltext(d)
    assert d.paragraphs[0].text == "KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA"
    assert "BIRO PERENCANAAN DAN MANAJEMEN KINERJA" in text
    assert "Jalan Jenderal Gatot Subroto Kav. 51, Jakarta Selatan 12950" in text
    assert any(p.text == "LEMBAR DISPOSISI" for p in d.paragraphs)
    [t] = tables(d)
    cells = [c for r in t for c in r]
    assert any("Surat dari" in c and "Kepala Bagian Manajemen Kinerja" in c for c in cells)
    assert any("No. Agenda" in c and "0457/PMK/XI/2026" in c for c in cells)
    assert any(c.startswith("Tanggal") and "3 November 2026" in c for c in cells)
    assert any("Perihal" in c and p.case.title in c for c in cells)
    forward = row_with(t, "Diteruskan kepada")
    i = forward.index(next(c for c in forward if "Diteruskan kepada" in c))
    below = t[t.index(forward) + 1]
    assert "Dr. Hendra Wijaya Kusuma, S.E., M.Si." in below[i]
    assert p.instruction in below[1 - i]
    assert any("Catatan" in c and p.notes in c for c in cells)
    assert any("Paraf" in c and "SRL" in c for c in cells)
    assert any("Selasa, 3 November 2026" in c for c in cells)
    assert d.core_properties.title == "Lembar Disposisi K7"


def test_the_paraf_on_the_lembar_disposisi_is_the_initials_of_the_name_without_its_gelar() -> None:
    """Most officials write their gelar without dots ("SE, MM", "Dr", "Hj"): those were
    taken as words of the name ("Budi Santoso, SE, MM" initialled "BSSM")."""
    assert initials("Budi Santoso, SE, MM") == "BS"
    assert initials("Dr H Muhammad Ridwan Kamil, SE, MSi") == "MRK"
    assert initials("Prof Dr Ir Hj Siti Nurbaya Bakar, MSc") == "SNB"
    assert initials("Dr. H. Muhammad Ridwan Kamil, S.E., M.Si., M.M.") == "MRK"
    assert initials("Drs. Agus Salim, M.Si.") == "AS"
    assert initials("R. A. Kartini") == "K"
    assert initials("Ngatimin") == "N"


def test_disposisi_page_is_a4() -> None:
    d = open_docx(render_disposisi(S.sample_disposisi()))
    s = d.sections[0]
    assert s.page_width is not None and s.page_height is not None
    assert round(s.page_width.cm, 1) == 21.0
    assert round(s.page_height.cm, 1) == 29.7
    assert d.styles["Normal"].font.name == "Arial"


def test_sk_tim_realistic() -> None:
    p = S.sample_sk_tim()
    d = open_docx(render_sk_tim(p))
    paras = [x.text for x in d.paragraphs]
    assert "KEPUTUSAN KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA" in paras
    assert "NOMOR KEP.12/PMK/XI/2026" in paras
    assert "TENTANG" in paras
    subject = (
        "PEMBENTUKAN TIM PENYUSUNAN PROGRAM KERJA, RKAKL, DAN PENETAPAN KINERJA BIRO "
        "TAHUN ANGGARAN 2027"
    )
    assert subject in paras
    assert "MEMUTUSKAN:" in paras
    # Menimbang (lettered) and Mengingat (numbered), the label on the first row only.
    t = tables(d)[0]
    rows = [r for r in t if any(c.strip() for c in r)]
    assert rows[0][:3] == ["Menimbang", ":", "a."] and rows[0][3] == p.menimbang[0]
    assert rows[1][:3] == ["", "", "b."] and rows[1][3] == p.menimbang[1]
    assert rows[2][:3] == ["Mengingat", ":", "1."] and rows[2][3] == p.mengingat[0]
    assert [r[2] for r in rows[2:]] == ["1.", "2.", "3.", "4.", "5."]
    assert "Undang-Undang Nomor 39 Tahun 2008 tentang Kementerian Negara;" in rows[2][3]
    diktum = tables(d)[1]
    assert [r[0] for r in diktum[:4]] == ["Menetapkan", "KESATU", "KEDUA", "KETIGA"]
    assert "Lampiran" in diktum[1][2]
    assert "mengumpulkan bahan" in diktum[2][2]
    assert diktum[3][2] == "Keputusan ini mulai berlaku pada tanggal ditetapkan."
    # Signature: place, date, title, name, NIP (the last row of the Diktum's table, and of
    # the Lampiran's team).
    assert diktum[4][0].startswith("Ditetapkan di Jakarta\n")
    paras = lines(d)
    text = alltext(d)
    assert "Ditetapkan di Jakarta" in paras
    assert "pada tanggal 5 November 2026" in paras
    assert "KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA," in paras
    assert paras.count("Dr. Hendra Wijaya Kusuma, S.E., M.Si.") == 2  # decree and Lampiran
    # the NIP grouped as Tata Naskah Dinas writes it (8-6-1-3 digits)
    assert paras.count("NIP 19720412 199803 1 002") == 2
    # Lampiran: the team table.
    team = table_with(d, "Kedudukan dalam Tim")
    assert column(team, "Nama")[1] == "Agus Setiawan, S.T., M.M."
    assert column(team, "NIP")[1] == "19830315 200901 1 004"
    assert column(team, "Kedudukan dalam Tim")[1] == "Ketua"
    assert column(team, "Jabatan")[2] == "Analis Perencanaan"
    *members, signed = column(team, "No.")  # one cell across the signature's row
    assert members == ["1.", "2.", "3.", "4.", "5."]
    assert signed.startswith("KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA,\n")
    assert column(team, "NIP")[4] == "-"  # empty NIP
    assert "TANGGAL" in text and "LAMPIRAN" in text


def test_an_amending_sk_tim_cites_the_decree_it_amends() -> None:
    """The SK that changes the team's members cites the one that formed it, its number to
    be written by hand as the decree's own is: in Diktum KESATU (and, from the case, as the
    last Mengingat); a later amendment cites the amendments before it too."""
    bureau_head = "Kepala Biro Perencanaan dan Manajemen Kinerja"
    subject = "Tim Penyusunan Program Kerja Tahun Anggaran 2027"
    dots = "." * 40
    formed_by = f"Keputusan {bureau_head} Nomor {dots} tentang Pembentukan {subject}"
    assert amended_decree("Penyusunan Program Kerja", 2027, bureau_head) == formed_by
    assert amended_decree("Penyusunan Program Kerja", 2027, bureau_head, 2) == (
        f"{formed_by} sebagaimana telah diubah dengan Keputusan {bureau_head} Nomor {dots} "
        f"tentang Perubahan Susunan Keanggotaan {subject}"
    )
    assert " sebagaimana telah beberapa kali diubah terakhir dengan Keputusan " in (
        amended_decree("Penyusunan Program Kerja", 2027, bureau_head, 3)
    )
    p = replace(S.sample_sk_tim(), amended=True, amends=formed_by)
    kesatu = tables(open_docx(render_sk_tim(p)))[1][1][2]
    assert kesatu.startswith("Mengubah susunan keanggotaan Tim Penyusunan Program Kerja, ")
    assert f", yang selanjutnya disebut Tim, sebagaimana ditetapkan dalam {formed_by}, " in kesatu
    # the SK that forms the team cites none
    formed = tables(open_docx(render_sk_tim(S.sample_sk_tim())))[1][1][2]
    assert formed.startswith("Membentuk Tim ") and "Keputusan Kepala" not in formed


def test_pemeriksaan_realistic_returned() -> None:
    p = S.sample_pemeriksaan(returned=True)
    d = open_docx(render_pemeriksaan(p))
    text = alltext(d)
    paras = [x.text for x in d.paragraphs]
    assert "LEMBAR PEMERIKSAAN BERKAS" in paras
    assert f"Langkah 8: {p.step_title}" in paras
    fields = tables(d)[0]
    assert ["Waktu Pemeriksaan", ":", "Kamis, 12 November 2026 pukul 14.05 WIB"] in fields
    assert ["Pemeriksa", ":", "Sri Rahayu Lestari, S.Sos., M.A.P."] in fields
    assert ["Jabatan (peran)", ":", "Kepala Bagian Manajemen Kinerja (Kabag MK)"] in fields
    items = table_with(d, "Persyaratan / Kelengkapan")
    assert row_with(items, "Draf RKAKL")[2:4] == ["\u221a", ""]
    assert row_with(items, "Paraf Kepala Subbagian")[2:5] == ["", "\u221a", "Belum diparaf"]
    files = table_with(d, "SHA-256")
    for f in p.files:
        r = row_with(files, f.file_name)
        assert r[4] == f.sha256
        assert r[2] == str(f.version)
        assert f.document in r[1] and f.uploaded_by in r[3]
    assert "10 November 2026, 10.05 WIB" in text
    result = tables(d)[3]
    assert result[0] == ["Keputusan", ":", RETURNED]
    assert result[1] == ["Alasan pengembalian", ":", p.reason]
    assert "Teliti kesesuaian setelah menuangkan dalam lembar pemeriksaan berkas." in text
    assert "NIP 19780923 200312 2 001" in text
    assert "Jakarta, 12 November 2026" in text
    footer = d.sections[0].footer.paragraphs[0].text
    assert "Berkas K7" in footer and "Langkah 8" in footer and "Halaman" in footer


def test_pemeriksaan_approved_shows_a_note_label() -> None:
    d = open_docx(render_pemeriksaan(S.sample_pemeriksaan(returned=False)))
    result = tables(d)[3]
    assert result[0] == ["Keputusan", ":", APPROVED]
    assert result[1] == ["Catatan", ":", "-"]


def test_program_kerja_skeleton() -> None:
    d = open_docx(render_program_kerja(S.sample_skeleton()))
    paras = [x.text for x in d.paragraphs]
    assert paras[0] == "PROGRAM KERJA"
    assert "TAHUN ANGGARAN 2027" in paras
    chapters = [x for x in paras if x.startswith("BAB ")]
    assert chapters == [
        "BAB I  PENDAHULUAN",
        "BAB II  TUJUAN DAN SASARAN",
        "BAB III  PROGRAM DAN KEGIATAN",
        "BAB IV  JADWAL PELAKSANAAN",
        "BAB V  PENUTUP",
    ]
    prog = table_with(d, "Program")
    assert [c.strip() for c in prog[0]] == [
        "No.", "Program", "Kegiatan", "Output", "Target", "Penanggung Jawab",
    ]  # fmt: skip
    assert all(c == "" for r in prog[1:] for c in r[1:])  # rows left empty for the team
    sched = table_with(d, "Jan")
    assert "Jan" in sched[0] and "Des" in sched[0]
    assert "Jakarta, 6 November 2026" in paras
    assert "KEPALA BIRO PERENCANAAN DAN MANAJEMEN KINERJA," in paras
    assert "Dr. Hendra Wijaya Kusuma, S.E., M.Si." in paras
    paraf = table_with(d, "Paraf")
    assert row_with(paraf, "Kepala Bagian Manajemen Kinerja")[2] == S.KABAG.name
    assert row_with(paraf, "Kepala Subbagian")[2] == S.KASUBAG.name
    assert "DRAF" in d.sections[0].header.paragraphs[0].text


def test_rkakl_skeleton() -> None:
    d = open_docx(render_rkakl(S.sample_skeleton()))
    t = table_with(d, "Biaya (Rp)")
    assert [c.strip() for c in t[0]] == [
        "No.", "Program", "Kegiatan", "Output", "Volume", "Satuan", "Biaya (Rp)",
    ]  # fmt: skip
    body = [r for r in t[2:] if r[0].endswith(".")]
    assert len(body) >= 5 and all(c == "" for r in body for c in r[1:])
    assert "JUMLAH" in t[-1][0]
    assert "TAHUN ANGGARAN 2027" in alltext(d)
    assert ["Kementerian/Lembaga", ":", S.LETTERHEAD.ministry] in tables(d)[0]


def test_penetapan_kinerja_skeleton() -> None:
    d = open_docx(render_penetapan_kinerja(S.sample_skeleton()))
    text = alltext(d)
    assert "PENETAPAN KINERJA TAHUN 2027" in text
    assert (
        "Dalam rangka mewujudkan manajemen pemerintahan yang efektif, transparan, dan "
        "akuntabel serta berorientasi pada hasil, kami yang bertanda tangan di bawah ini:"
    ) in text
    first = paragraph_index(d, "selanjutnya disebut PIHAK PERTAMA")
    second = paragraph_index(d, "selanjutnya disebut PIHAK KEDUA")
    assert first < second
    assert ["", "Nama", ":", S.KARO.name] in tables(d)[0]
    assert ["", "Nama", ":", "Ir. Bambang Prasetyo, M.Sc."] in tables(d)[1]
    assert "PIHAK PERTAMA berjanji akan mewujudkan target kinerja" in text
    sign = tables(d)[2]
    assert "PIHAK KEDUA," in sign[0][0] and "PIHAK PERTAMA," in sign[0][1]
    assert S.KARO.name in sign[0][1] and "NIP 19720412 199803 1 002" in sign[0][1]
    targets = table_with(d, "Sasaran Strategis")
    assert [c.strip() for c in targets[0]] == [
        "No.", "Sasaran Strategis", "Indikator Kinerja", "Target",
    ]  # fmt: skip


def test_penetapan_kinerja_without_superior_leaves_dots() -> None:
    p = replace(S.sample_skeleton(), officials={"karo": S.KARO})
    d = open_docx(render_penetapan_kinerja(p))
    assert ["", "Nama", ":", DOTS] in tables(d)[1]
    paraf = table_with(d, "Paraf")
    assert DOTS in row_with(paraf, "1.")[2]


def test_dokumentasi_realistic() -> None:
    p = S.sample_dokumentasi()
    d = open_docx(render_dokumentasi(p))
    text = alltext(d)
    fields = tables(d)[0]
    assert ["Nomor Arsip", ":", "PR.01.01/PMK/2026/0112"] in fields
    assert ["Waktu Pengarsipan", ":", "Senin, 16 November 2026 pukul 10.40 WIB"] in fields
    files = table_with(d, "SHA-256")
    assert column(files, "SHA-256") == [S.SHA_PK, S.SHA_RKAKL, S.SHA_KINERJA]
    assert column(files, "Versi") == ["3", "2", "2"]
    approvals = table_with(d, "Jenis")
    assert column(approvals, "Jenis") == ["Paraf", "Paraf", "Tanda tangan"]
    assert "NIP 19720412 199803 1 002" in row_with(approvals, "Tanda tangan")[2]
    assert column(approvals, "Langkah") == ["7", "8", "9"]
    events = table_with(d, "Tindakan")
    assert len(events) == 1 + len(p.events)
    back = row_with(events, "TOR belum memuat jadwal")
    assert back[4] == RETURNED and "Sri Rahayu Lestari" in back[2] and "Kabag MK" in back[2]
    assert back[1] == "2 November 2026\n13.30 WIB"
    assert back[3].startswith("2. ")
    # working time as a reader takes it in, not 4.800 minutes (a "hari" is 8 working hours)
    steps = table_with(d, "Realisasi")
    six = row_with(steps, "Tim mengumpulkan bahan")
    # in the words of the Laporan Evaluasi and the chat ("melewati norma"); a step done in
    # less time than its norm meets it: "Sesuai norma", not "Di bawah norma", which reads
    # as falling short of the standard
    assert six[2:] == ["10 hari", "10 hari 7 jam 10 menit", "+7 jam 10 menit", "Melewati norma"]
    four = row_with(steps, "membentuk Tim Penyusunan")
    assert four[2:] == ["4 jam", "4 jam", "0 menit", "Sesuai norma"]
    under = row_with(steps, "Karo memeriksa usulan")
    assert under[4:] == ["−4 jam 30 menit", "Sesuai norma"]
    assert "Di bawah norma" not in text and "Melebihi norma" not in text
    total = steps[-2]  # the last row says the times are working time
    norm = sum(s.norm_minutes for s in p.step_times)
    actual = sum(s.actual_minutes for s in p.step_times)
    sign = "+" if actual > norm else "−" if actual < norm else ""
    assert total[2:5] == [durasi(norm), durasi(actual), sign + durasi(abs(actual - norm))]
    assert "Jumlah (Norma Waktu)" in total[0]
    assert "Yang mendokumentasikan," in text and "Rina Marlina, A.Md." in text


# Arial's metric twin (the templates' font), as LibreOffice lays out a paper without Arial
LIBERATION_SANS = Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf")


def test_every_word_of_the_step_titles_fits_the_dokumentasi_langkah_column() -> None:
    """The history of the Dokumentasi names each event's step ("12. Pendokumentasian", in
    9 pt): a word wider than its column is broken inside ("Pendokumentasia" / "n") on the
    archive record. Every word of the shipped SOP's step titles fits the column."""
    if not LIBERATION_SANS.exists():
        pytest.skip("Liberation Sans (Arial's metrics) is not installed")
    from fontTools.ttLib import TTFont

    from bot.core.loader import load_definition

    font = TTFont(LIBERATION_SANS)
    advance, glyphs = font["hmtx"].metrics, font.getBestCmap()
    em = float(font["head"].unitsPerEm)

    def points(word: str, size: float = 9.0) -> float:
        return float(sum(advance[glyphs[ord(ch)]][0] for ch in word)) * size / em

    definition = load_definition(ROOT / "sops" / "penyusunan-program-kerja.toml")
    words = {w for s in definition.steps for w in f"{s.id}. {s.title}".split()}
    d = open_docx(render_dokumentasi(S.sample_dokumentasi()))
    history = next(t for t in d.tables if t.rows[0].cells[-1].text == "Alasan")
    langkah = [c.text for c in history.rows[0].cells].index("Langkah")
    width = history.columns[langkah].width
    assert width is not None
    room = width / 12700 - 2 * 108 / 20  # points, less the cell's margins (TableGrid)
    widest = max(words, key=points)
    assert points(widest) <= room, (widest, points(widest), room)


def test_dokumentasi_step_without_norm() -> None:
    p = replace(S.sample_dokumentasi(), step_times=[StepTime(1, "Mengajukan", 0, 75)])
    steps = table_with(open_docx(render_dokumentasi(p)), "Realisasi")
    assert steps[1][2:] == ["-", "1 jam 15 menit", "-", "Norma belum ditetapkan"]
    assert steps[-2][2:] == ["-", "1 jam 15 menit", "-", "-"]  # Jumlah, above the basis


def test_the_dokumentasi_says_its_step_times_are_working_time() -> None:
    """Table D reads "Norma 1 hari", "Realisasi 19 hari 3 jam": working days of 8 hours on
    the office's hours, which a reader would take for calendar days unless the record says
    so under the table, as the Laporan does."""
    p = S.sample_dokumentasi()
    d = open_docx(render_dokumentasi(p))
    paragraphs = lines(d)
    basis = next(i for i, par in enumerate(paragraphs) if par.startswith("Waktu dihitung"))
    assert "jam kerja kantor pukul 08.00–16.00" in paragraphs[basis]
    assert "1 hari = 8 jam kerja" in paragraphs[basis]
    # the last row of table D, under its Jumlah row (whose Keterangan is the line above)
    assert tables(d)[-2][-1] == [paragraphs[basis]] * 6
    assert tables(d)[-2][-2][0] == "Jumlah (Norma Waktu)"
    assert paragraphs[basis + 1].startswith("Demikian")
    office = replace(p, office_hours=(time(7, 30), time(16, 0)))
    text = alltext(open_docx(render_dokumentasi(office)))
    assert "pukul 07.30–16.00" in text and "sehari jam kerja kantor adalah 8 jam 30 menit" in text


# --- hostile values ------------------------------------------------------------------

NASTY = "<b>&\"' {{ x }} {% if %} \x00\x07\x1b\x0b\x0c\x7f\ufffe{%tr for y in z %} {# c #} ]]>"
NASTY_SHOWN = "<b>&\"' {{ x }} {% if %} {%tr for y in z %} {# c #} ]]>"
LONG = ("Nama Sangat Panjang Sekali " * 12)[:300]
NOSPACE = "X" * 300


def h(tag: str) -> str:
    """A hostile value that also says which field it is."""
    return f"{tag}:{NASTY}"


def shown(tag: str) -> str:
    return f"{tag}:{NASTY_SHOWN}"


def hostile_official(tag: str) -> Official:
    return Official(h(tag + "-name") + LONG, h(tag + "-nip"), h(tag + "-pos"))


HOSTILE_HEAD = Letterhead(h("min"), h("sec"), h("bur"), h("addr"), h("city"))
HOSTILE_CASE = CaseInfo(
    h("no"), h("title") + NOSPACE, h("unit"), 2027, h("sopno"), h("sop"), h("Warn"), h("Keep")
)
WHEN = datetime(2026, 11, 28, 14, 5, tzinfo=WIB)


def hostile_file(i: int) -> FileRecord:
    return FileRecord(h(f"doc{i}"), f"../../{h('fn')}\n.docx", i, h("sha"), h("up"), WHEN)


def hostile_papers() -> dict[str, tuple[Callable[[Any], bytes], Any, list[str]]]:
    """name -> (renderer, paper, values that must appear literally)."""
    disp = Disposisi(
        HOSTILE_HEAD, HOSTILE_CASE, hostile_official("from"), hostile_official("to"),
        date(2026, 11, 28), h("instr") + "\nbaris kedua\tkolom", h("notes"), h("paraf"),
        h("agenda"),
    )  # fmt: skip
    sk = SkTim(
        HOSTILE_HEAD, HOSTILE_CASE, h("decree"), date(2026, 11, 28),
        [h("menimbang")], [h("mengingat"), LONG],
        [TeamMember(h("mem") + LONG, h("memnip"), h("memteam"), h("mempos"))],
        hostile_official("signer"), h("city2"),
    )  # fmt: skip
    rev = Pemeriksaan(
        HOSTILE_HEAD, HOSTILE_CASE, 7, h("steptitle"), hostile_official("rev"), h("role"),
        WHEN, h("decision"), h("reason") + LONG, [CheckItem(h("item"), True, h("note"))],
        [hostile_file(1)],
    )  # fmt: skip
    skel = DraftSkeleton(
        HOSTILE_HEAD, HOSTILE_CASE,
        {k: hostile_official(k) for k in ("karo", "kabag", "kasubag", "atasan")},
        date(2026, 11, 28),
    )  # fmt: skip
    dok = Dokumentasi(
        HOSTILE_HEAD, HOSTILE_CASE, WHEN, h("ref"), hostile_official("arch"),
        [hostile_file(2)],
        [EventRecord(WHEN, h("actor"), h("evrole"), 3, h("evstep"), h("action"), h("why"))],
        [ApprovalRecord(h("kind"), hostile_official("appr"), h("aprole"), WHEN, 8)],
        [StepTime(1, h("steptime"), 30, 45)],
    )  # fmt: skip
    common = ["min", "sec", "bur", "addr", "no", "title"]
    return {
        "disposisi": (
            render_disposisi, disp,
            [*common, "from-name", "from-pos", "to-name", "to-pos", "instr", "notes",
             "paraf", "agenda", "unit", "sopno", "sop"],
        ),
        "sk_tim": (
            render_sk_tim, sk,
            ["min", "sec", "bur", "addr", "no", "decree", "menimbang", "mengingat", "mem", "memnip", "memteam",
             "mempos", "signer-name", "signer-nip", "city2"],
        ),
        "pemeriksaan": (
            render_pemeriksaan, rev,
            [*common, "steptitle", "rev-name", "rev-nip", "rev-pos", "role", "decision",
             "reason", "item", "note", "doc1", "fn", "sha", "up", "unit", "sopno", "sop",
             "Warn"],
        ),
        "program_kerja": (
            render_program_kerja, skel,
            ["no", "unit", "bur", "karo-name", "karo-nip", "kabag-name", "kasubag-pos"],
        ),
        "rkakl": (render_rkakl, skel, ["min", "sec", "bur", "karo-name", "kabag-pos"]),
        "penetapan_kinerja": (
            render_penetapan_kinerja, skel,
            ["karo-name", "karo-pos", "atasan-name", "atasan-pos", "atasan-nip"],
        ),
        "dokumentasi": (
            render_dokumentasi, dok,
            [*common, "ref", "arch-name", "arch-pos", "doc2", "fn", "sha", "up", "actor",
             "evrole", "evstep", "action", "why", "kind", "appr-name", "appr-nip", "aprole",
             "steptime", "Keep"],
        ),
    }  # fmt: skip


HOSTILE = hostile_papers()


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_values_stay_literal_text(name: str) -> None:
    render, paper, tags = HOSTILE[name]
    data = render(paper)
    d = open_docx(data)
    text = alltext(d)
    for tag in tags:
        assert shown(tag) in text, tag
    # Nothing unrendered or half-escaped is left, and no control character survived.
    assert "&amp;" not in text and "&lt;" not in text
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "<b>" not in body  # escaped, not markup
    assert "{{ case" not in body and "{%tr" not in body.replace("{%tr for y in z %}", "")


def test_hostile_newline_and_tab_become_break_and_tab() -> None:
    render, paper, _ = HOSTILE["disposisi"]
    d = open_docx(render(paper))
    assert any("\nbaris kedua\tkolom" in t for t in texts(d))


def test_hostile_file_name_in_pemeriksaan_keeps_path_text() -> None:
    render, paper, _ = HOSTILE["pemeriksaan"]
    files = table_with(open_docx(render(paper)), "SHA-256")
    assert "../../" + shown("fn") + "\n.docx" in files[1][1]


def _empty_official() -> Official:
    return Official("", "", "")


def empty_papers() -> list[tuple[Callable[[Any], bytes], Any]]:
    head = Letterhead("", "", "", "", "")
    case = CaseInfo("", "", "", 0, "", "")
    when = datetime(2026, 1, 1)
    o = _empty_official()
    return [
        (render_disposisi, Disposisi(head, case, o, o, date(2026, 1, 1), "", "", "", "")),
        (render_sk_tim, SkTim(head, case, "", date(2026, 1, 1), [], [], [], o, "")),
        (render_pemeriksaan, Pemeriksaan(head, case, 0, "", o, "", when, "", "", [], [])),
        (render_program_kerja, DraftSkeleton(head, case, {}, date(2026, 1, 1))),
        (render_rkakl, DraftSkeleton(head, case, {}, date(2026, 1, 1))),
        (render_penetapan_kinerja, DraftSkeleton(head, case, {}, date(2026, 1, 1))),
        (render_dokumentasi, Dokumentasi(head, case, when, "", o, [], [], [], [])),
    ]


@pytest.mark.parametrize("index", range(7))
def test_empty_fields_and_lists_render(index: int) -> None:
    render, paper = empty_papers()[index]
    d = open_docx(render(paper))
    assert d.paragraphs
    for t in d.tables:
        assert len(t.rows) >= 1  # a table without rows is invalid for Word


def test_empty_lists_say_so() -> None:
    # "Berkas" is the case (Berkas #7, "Nomor Berkas" above): a table of files with none
    # in it says there is no document, not that there is no case
    p = replace(S.sample_pemeriksaan(), items=[], files=[])
    text = alltext(open_docx(render_pemeriksaan(p)))
    assert "Tidak ada dokumen." in text
    assert "Tidak ada berkas." not in text
    assert "Tidak ada kelengkapan yang dipersyaratkan." in text
    p2 = replace(S.sample_dokumentasi(), events=[], approvals=[], final_files=[])
    text = alltext(open_docx(render_dokumentasi(p2)))
    assert "Tidak ada dokumen." in text
    assert "Tidak ada berkas." not in text
    assert "Tidak ada kegiatan tercatat." in text
    assert "Tidak ada catatan paraf atau tanda tangan." in text
    p3 = replace(S.sample_sk_tim(), members=[], menimbang=[], mengingat=[])
    d = open_docx(render_sk_tim(p3))
    assert "Belum ada anggota tim." in alltext(d)
    assert tables(d)[0][0][:4] == ["Menimbang", ":", "a.", DOTS]
    # The NIP line is left out, not printed empty, for an official without one.
    sk = replace(S.sample_sk_tim(), signer=Official("Budi", "", "Plt. Kepala Biro Perencanaan"))
    paras = lines(open_docx(render_sk_tim(sk)))
    assert [x for x in paras if x.startswith("NIP")] == ["NIP"]  # the team's column only
    assert "Plt. KEPALA BIRO PERENCANAAN," in paras


def test_clean_keeps_docxtpl_escapes_literal() -> None:
    # docxtpl turns "{_{" into "{{" after rendering; clean() keeps what the user typed.
    p = replace(S.sample_disposisi(), notes="a {_{ b }_} c {_% d %_}")
    text = alltext(open_docx(render_disposisi(p)))
    assert "a {\u200b_{ b }\u200b_} c {\u200b_% d %\u200b_}" in text
    assert clean("x\r\ny\rz\x00") == "x\ny\nz"
    assert clean("\ud800ok\uffff\x7f\x85") == "ok"
    assert clean("tab\there\nline") == "tab\there\nline"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # fmt: skip
@given(st.text(max_size=80))
def test_any_text_survives_as_itself(value: str) -> None:
    p = replace(S.sample_pemeriksaan(), reason=value, step_title=value)
    d = open_docx(render_pemeriksaan(p))
    expected = clean(value)
    result = tables(d)[3][1][2]
    if expected.strip():
        assert result == expected
    else:
        assert result == "-"


# --- contract between templates and renderer -----------------------------------------


@pytest.mark.parametrize("name", sorted(PAPERS))
def test_template_uses_only_known_placeholders(name: str) -> None:
    kind = PAPERS[name]
    tpl = DocxTemplate(SHIPPED_TEMPLATES / kind.template)
    context = kind.context(kind.sample(), DEFAULT_ZONE)
    missing = tpl.get_undeclared_template_variables(context=context)
    assert missing == set()


def test_an_edited_template_is_picked_up_without_restart(tmp_path: Path) -> None:
    renderer = PaperRenderer(tmp_path)
    paper = S.sample_disposisi()
    assert "LEMBAR DISPOSISI" in alltext(open_docx(renderer.render(DISPOSISI, paper)))
    edited = docx.Document()
    edited.add_paragraph("DISPOSISI VERSI KANTOR {{ case.case_no }}")
    edited.save(str(tmp_path / "disposisi.docx"))
    text = alltext(open_docx(renderer.render(DISPOSISI, paper)))
    assert "DISPOSISI VERSI KANTOR K7" in text
    edited.add_paragraph("Perubahan kedua: {{ date }}")
    edited.save(str(tmp_path / "disposisi.docx"))
    text = alltext(open_docx(renderer.render(DISPOSISI, paper)))
    assert "Perubahan kedua: 3 November 2026" in text
    (tmp_path / "disposisi.docx").unlink()  # back to the shipped one
    assert "LEMBAR DISPOSISI" in alltext(open_docx(renderer.render(DISPOSISI, paper)))


def test_an_office_folder_replaces_only_the_templates_it_has(tmp_path: Path) -> None:
    edited = docx.Document()
    edited.add_paragraph("RKAKL KANTOR {{ case.fiscal_year }}")
    edited.save(str(tmp_path / "rkakl.docx"))
    office = PaperRenderer(tmp_path)
    assert office.template_path(RKAKL) == tmp_path / "rkakl.docx"
    assert office.template_path(PROGRAM_KERJA) == SHIPPED_TEMPLATES / "program_kerja.docx"
    skeleton = S.sample_skeleton()
    assert "RKAKL KANTOR 2027" in alltext(open_docx(office.render(RKAKL, skeleton)))
    assert "BAB I  PENDAHULUAN" in alltext(open_docx(office.render(PROGRAM_KERJA, skeleton)))
    # Another renderer (the shipped templates) is not affected.
    assert "RKAKL KANTOR" not in alltext(open_docx(render_rkakl(skeleton)))


def test_rendering_is_thread_safe() -> None:
    jobs: list[Callable[[], bytes]] = [
        lambda: render_disposisi(S.sample_disposisi()),
        lambda: render_sk_tim(S.sample_sk_tim()),
        lambda: render_pemeriksaan(S.sample_pemeriksaan()),
        lambda: render_dokumentasi(S.sample_dokumentasi()),
    ] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: job(), jobs))
    for data in results:
        assert "K7" in alltext(open_docx(data))


# --- file names ----------------------------------------------------------------------


def test_file_names_say_which_paper() -> None:
    assert file_name(DISPOSISI, "K7", "langkah2", "ke1") == "disposisi-K7-langkah2-ke1.docx"
    assert file_name(SK_TIM, "K7") == "sk-tim-K7.docx"
    assert file_name(PEMERIKSAAN, "K7", "langkah 8") == "pemeriksaan-K7-langkah-8.docx"
    assert file_name(PROGRAM_KERJA, "K7") == "program-kerja-K7.docx"
    assert file_name(RKAKL, "K7") == "rkakl-K7.docx"
    assert file_name(PENETAPAN_KINERJA, "K7") == "penetapan-kinerja-K7.docx"
    assert file_name(DOKUMENTASI, "K7") == "dokumentasi-K7.docx"
    assert archive_file_name("K7") == "arsip-dokumentasi-K7.zip"
    words = [kind.file_word for kind in PAPERS.values()]
    assert len(set(words)) == len(words)  # no two kinds start their names alike


def test_file_names_are_safe() -> None:
    assert file_name(DISPOSISI, "../../etc/passwd") == "disposisi-etc-passwd.docx"
    assert file_name(DISPOSISI, "PPK/2026/007") == "disposisi-PPK-2026-007.docx"
    assert file_name(DISPOSISI, "") == "disposisi-tanpa-nomor.docx"
    assert file_name(DISPOSISI, "K7", "<b>\x00") == "disposisi-K7-b.docx"
    assert len(file_name(DOKUMENTASI, "K" * 500, "x" * 500)) < 140


def test_report_file_names_say_which_sop() -> None:
    """Two SOPs' evaluation reports for one period arrive under two names."""
    assert report_file_name("ppk-rkakl-pk", "Tahun 2026") == (
        "laporan-evaluasi-sop-ppk-rkakl-pk-Tahun-2026.docx"
    )
    assert report_file_name("pengelolaan-surat-masuk", "Tahun 2026") == (
        "laporan-evaluasi-sop-pengelolaan-surat-masuk-Tahun-2026.docx"
    )
    assert report_file_name("../surat masuk/", "30 hari terakhir") == (
        "laporan-evaluasi-sop-surat-masuk-30-hari-terakhir.docx"
    )


# --- archive bundle ------------------------------------------------------------------


def test_bundle_zip_contents() -> None:
    record = render_dokumentasi(S.sample_dokumentasi())
    files = [
        ("Draf Program Kerja Biro TA 2027 v3.docx", b"PK\x03\x04program kerja"),
        ("RKAKL Biro PMK 2027.xlsx", b"PK\x03\x04rkakl"),
        ("catatan.txt", "Catatan rapat ünïcode".encode()),
    ]
    when = datetime(2026, 11, 16, 10, 40, tzinfo=WIB)
    data = bundle_zip(record, files, when=when)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        # the case's files under "dokumen/": a "berkas" is the case itself (Berkas #7)
        assert names == [
            RECORD_NAME,
            "dokumen/Draf Program Kerja Biro TA 2027 v3.docx",
            "dokumen/RKAKL Biro PMK 2027.xlsx",
            "dokumen/catatan.txt",
            MANIFEST,
        ]
        assert z.read(RECORD_NAME) == record
        for (_, content), name in zip(files, names[1:4], strict=True):
            assert z.read(name) == content
        assert z.getinfo(RECORD_NAME).date_time == (2026, 11, 16, 10, 40, 0)
        sums = z.read(MANIFEST).decode().splitlines()
        for line in sums:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        assert len(sums) == 4
    # The record inside still opens as a document.
    assert "DOKUMENTASI" in alltext(open_docx(record))
    assert bundle_zip(record, files, when=when) == data  # reproducible


def test_bundle_zip_names_are_safe_and_unique() -> None:
    hostile = [
        "../../etc/passwd",
        "..\\..\\Windows\\system32\\evil.dll",
        "/abs/path/laporan.pdf",
        "C:\\Users\\a\\laporan.pdf",
        "..",
        "",
        "   ",
        "CON.txt",
        'a<b>:"c|?*.docx',
        "tab\there\x00.txt",
        "x" * 400 + ".docx",
        "laporan.pdf",
        "LAPORAN.pdf",
        "\u202egnp.exe",
    ]
    data = bundle_zip(b"record", [(n, n.encode("utf-8", "replace")) for n in hostile])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
    entries = names[1:-1]
    assert len(entries) == len(hostile)
    assert len({n.lower() for n in entries}) == len(entries)
    for n in entries:
        assert n.startswith("dokumen/")
        base = n[len("dokumen/") :]
        assert base and "/" not in base and "\\" not in base
        assert base not in {".", ".."} and not base.startswith(".")
        assert not re.search(r'[\x00-\x1f<>:"|?*\u202e]', base)
        assert len(base) <= 150
    assert entries[0] == "dokumen/passwd"
    assert entries[1] == "dokumen/evil.dll"
    assert entries[2] == "dokumen/laporan.pdf"
    assert entries[3] == "dokumen/laporan (2).pdf"
    assert entries[7] == "dokumen/_CON.txt"
    assert entries[10].endswith(".docx")
    assert safe_archive_name("") == "dokumen"
    assert safe_archive_name("../..") == "dokumen"


@pytest.mark.parametrize(
    ("uploaded", "entry"),
    [
        ("COM¹.docx", "_COM¹.docx"),
        ("LPT².pdf", "_LPT².pdf"),
        ("com³.xlsx", "_com³.xlsx"),
        ("CONIN$.docx", "_CONIN$.docx"),
        ("conout$.txt", "_conout$.txt"),
        ("NUL .txt", "_NUL .txt"),
        ("COM9.tar.gz", "_COM9.tar.gz"),
    ],
)
def test_an_upload_named_like_a_windows_device_is_archived_under_a_name_windows_opens(
    uploaded: str, entry: str
) -> None:
    """The archivist unpacks the bundle on an office PC: a file Kasubag uploaded as
    COM¹.docx or CONIN$.docx (devices to Windows, which Explorer cannot write) comes out
    with a leading underscore, as CON and COM1 do; ordinary names stay as they were."""
    with zipfile.ZipFile(io.BytesIO(bundle_zip(b"PK", [(uploaded, b"isi")]))) as z:
        assert f"dokumen/{entry}" in z.namelist()
    for plain in ("COM10.docx", "CONSOLE.txt", "LPT.pdf", "Comic.docx", "com¹ ok.docx"):
        assert safe_archive_name(plain) == plain


def test_bundle_zip_of_nothing() -> None:
    with zipfile.ZipFile(io.BytesIO(bundle_zip(b"", []))) as z:
        assert z.namelist() == [RECORD_NAME, MANIFEST]


# --- Word compatibility -------------------------------------------------------------
# python-docx and LibreOffice read leniently; Word calls a file with properties out of
# schema order, a table without rows or a cell without a paragraph "unreadable content".

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SCHEMA_ORDER = {
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
    "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
    "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
    "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize "
    "tblW jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
    "tblDescription",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
    "tcFitText vAlign hideMark",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss "
    "imprint noProof snapToGrid vanish webHidden color spacing w kern position sz szCs "
    "highlight u effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish "
    "oMath",
}


def word_problems(data: bytes) -> list[str]:
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in z.namelist():
            if not (part.startswith("word/") and part.endswith(".xml")):
                continue
            root = etree.fromstring(z.read(part))
            for tag, order in SCHEMA_ORDER.items():
                seq = order.split()
                for el in root.iter(W + tag):
                    names = [c.tag.replace(W, "") for c in el if isinstance(c.tag, str)]
                    idx = [seq.index(n) if n in seq else -1 for n in names]
                    if -1 in idx or idx != sorted(idx) or len(set(names)) != len(names):
                        problems.append(f"{part}: {tag} children {names}")
            for tbl in root.iter(W + "tbl"):
                if tbl.find(W + "tr") is None:
                    problems.append(f"{part}: table without rows")
            for tc in root.iter(W + "tc"):
                if tc.find(W + "p") is None and tc.find(W + "tbl") is None:
                    problems.append(f"{part}: cell without a paragraph")
    return problems


def test_papers_are_valid_for_word() -> None:
    papers = list(_all_papers())
    papers += [(f"empty{i}", render(paper)) for i, (render, paper) in enumerate(empty_papers())]
    for name, data in papers:
        assert word_problems(data) == [], name


THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def preview_pictures(data: bytes) -> list[str]:
    """The thumbnails a .docx carries: its parts and the package's relationships to them."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rels = etree.fromstring(z.read("_rels/.rels"))
        parts = [n for n in z.namelist() if n.startswith("docProps/thumbnail")]
    return parts + [str(r.get("Target")) for r in rels if r.get("Type") == THUMBNAIL]


@pytest.mark.parametrize("name", list(PAPERS))
def test_a_paper_carries_no_preview_picture_of_a_blank_page(name: str) -> None:
    """Windows Explorer and mail clients show a package's thumbnail as the file's preview:
    python-docx's default document carried one of a blank page, and so did every paper."""
    kind = PAPERS[name]
    assert preview_pictures(RENDERER.render(kind, kind.sample())) == []


def test_a_paper_from_an_office_template_with_a_preview_picture_carries_none(
    tmp_path: Path,
) -> None:
    """An office's copy made from the shipped file of before 2026-12-07, or saved by Word
    with "Save preview picture", holds a thumbnail of the template (a blank page, or the
    placeholders): its papers do not, as no picture shows the paper itself."""
    office = docx.Document()  # python-docx's default: the blank page's thumbnail
    office.add_paragraph("DISPOSISI KANTOR {{ case.case_no }}")
    office.save(str(tmp_path / "disposisi.docx"))
    assert preview_pictures((tmp_path / "disposisi.docx").read_bytes()) != []
    paper = PaperRenderer(tmp_path).render(DISPOSISI, S.sample_disposisi())
    assert "DISPOSISI KANTOR K7" in alltext(open_docx(paper))
    assert preview_pictures(paper) == []


# --- LibreOffice ---------------------------------------------------------------------
# What LibreOffice makes of the papers is checked by what does not depend on the fonts
# installed (which decide line breaks and page count): every paper converts, and its text
# holds the values it must show and no unfilled placeholder.

# A paper of an office in Makassar: the same sample, written in WITA.
WITA_RENDERER = PaperRenderer(zone=OfficeZone.named("Asia/Makassar"))


def _all_papers() -> Iterator[tuple[str, bytes]]:
    for kind in PAPERS.values():
        yield kind.name, RENDERER.render(kind, kind.sample())
    for name, (render, paper, _) in HOSTILE.items():
        yield f"hostile_{name}", render(paper)
    late = replace(S.sample_pemeriksaan(), decided_at=LATE_UTC)
    yield "pemeriksaan_wita", WITA_RENDERER.render(PEMERIKSAAN, late)
    yield "pemeriksaan_long_reason", RENDERER.render(PEMERIKSAAN, _LONG_REASON)


# A return reason of three sentences (351 characters): the sample sheet no longer fits
# one page, and its Hasil Pemeriksaan goes over with the signature.
_LONG_REASON = replace(
    S.sample_pemeriksaan(),
    reason=3
    * (
        "Target indikator kinerja pada Penetapan Kinerja belum selaras dengan Renstra; "
        "pagu kegiatan melebihi pagu indikatif. "
    ),
)


# name -> text its PDF must hold (besides the case number)
PDF_TEXT = {
    "disposisi": ["LEMBAR DISPOSISI", "Selasa, 3 November 2026", "0457/PMK/XI/2026"],
    "sk_tim": [
        "KEPUTUSAN KEPALA BIRO",
        "pada tanggal 5 November 2026",
        "KEP.12/PMK/XI/2026",
        "Halaman 1 dari",
    ],
    "pemeriksaan": [
        "LEMBAR PEMERIKSAAN BERKAS",
        "Kamis, 12 November 2026 pukul 14.05 WIB",
        "Halaman 1 dari",
    ],
    "program_kerja": ["PROGRAM KERJA", "BAB I", "Jakarta, 6 November 2026", "Halaman 1 dari"],
    "rkakl": ["TAHUN ANGGARAN 2027", "JUMLAH", "Halaman 1 dari"],
    "penetapan_kinerja": ["PENETAPAN KINERJA TAHUN 2027", "PIHAK PERTAMA", "Halaman 1 dari"],
    "dokumentasi": ["PR.01.01/PMK/2026/0112", "Senin, 16 November 2026 pukul 10.40 WIB"],
    "pemeriksaan_wita": ["Sabtu, 5 Desember 2026 pukul 02.30 WITA", "Halaman 1 dari"],
    "pemeriksaan_long_reason": ["pagu kegiatan melebihi pagu indikatif.", "Halaman 2 dari 2"],
    "laporan": [
        "LAPORAN EVALUASI PENERAPAN SOP",
        "1 Januari 2026 s.d. 31 Desember 2026",
        "TOR belum mencantumkan jadwal pelaksanaan.",
    ],
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every paper converted to PDF by LibreOffice (skipped when it is not installed)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the PDF conversion is not checked")
    out = tmp_path_factory.mktemp("pdf")
    papers = dict(_all_papers())
    for name, data in papers.items():
        (out / f"{name}.docx").write_bytes(data)
    profile = (out / "profile").as_uri()
    subprocess.run(
        [
            soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
            "--outdir", str(out), *sorted(str(p) for p in out.glob("*.docx")),
        ],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {name: out / f"{name}.pdf" for name in papers}


def test_libreoffice_converts_every_paper(pdfs: dict[str, Path]) -> None:
    assert set(PDF_TEXT) <= set(pdfs)
    for name, pdf in pdfs.items():
        assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-", name


def test_the_pdfs_show_the_values_and_no_placeholder(pdfs: dict[str, Path]) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text is not checked")
    for name, pdf in pdfs.items():
        text = subprocess.run(
            [pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        flat = " ".join(text.split())  # line breaks depend on the fonts: not compared
        if name.startswith("hostile_"):
            assert "{{ x }}" in flat, name  # the hostile value, shown as typed
            continue
        assert "K7" in flat, name
        for expected in PDF_TEXT[name]:
            assert expected in flat, f"{name}: {expected!r} not in the PDF"
        assert "{{" not in flat and "{%" not in flat, name


def test_the_dokumentasi_and_the_sk_tim_of_another_sop_carry_its_name() -> None:
    """A directorate's SOP runs on the same papers: its Dokumentasi is headed with its own
    name, its SK Tim forms the team of its own activity and gives it the duties its SOP
    states or implies (Diktum KEDUA; tests/test_team_duties.py derives them)."""
    name = "Penyusunan Kajian Kebijakan Penempatan"
    case = replace(S.sample_sk_tim().case, sop_name=name, title=f"{name} 2027")
    sk = replace(
        S.sample_sk_tim(),
        case=case,
        menimbang=menimbang(name, 2027, "Pokja Kajian", "Direktur Bina Pengantar Kerja"),
        duties=["menyusun kajian", "melaporkan pelaksanaan tugas kepada Direktur"],
    )
    sk_text = alltext(open_docx(renderer_of(SK_TIM)(sk)))
    assert f"PEMBENTUKAN TIM {name.upper()} TAHUN ANGGARAN 2027" in sk_text
    assert f"Membentuk Tim {name} Tahun Anggaran 2027" in sk_text
    considered = "dalam rangka penyusunan Kajian Kebijakan Penempatan Tahun Anggaran 2027"
    assert f"{considered} perlu dibentuk Pokja Kajian;" in sk_text
    # the Keputusan is named by its full title, as in the decree's heading
    assert (
        "Keputusan Direktur Bina Pengantar Kerja tentang Pembentukan Tim Penyusunan Kajian "
        "Kebijakan Penempatan Tahun Anggaran 2027;"
    ) in sk_text
    dok = replace(S.sample_dokumentasi(), case=replace(S.sample_dokumentasi().case, sop_name=name))
    dok_text = alltext(open_docx(renderer_of(DOKUMENTASI)(dok)))
    assert f"{name} Tahun Anggaran" in dok_text
    assert "a.\tmenyusun kajian; dan\nb.\tmelaporkan pelaksanaan tugas kepada Direktur." in sk_text
    assert "RKAKL" not in sk_text
    assert "RKAKL" not in dok_text.split("Dokumen Final")[0]


def test_the_dokumentasi_history_breaks_no_action_inside_a_word() -> None:
    """The Riwayat Kegiatan's Tindakan column holds "mengembalikan" (Arial 9) on one line:
    at 2.4 cm LibreOffice broke it as "mengembalik / an"."""
    d = docx.Document(str(SHIPPED_TEMPLATES / "dokumentasi.docx"))
    history = next(t for t in d.tables if t.rows[0].cells[-1].text == "Alasan")
    header = [c.text for c in history.rows[0].cells]
    width = history.columns[header.index("Tindakan")].width
    assert width is not None and width.cm >= 3.0


@pytest.mark.parametrize("name", sorted(set(PAPERS) - {"disposisi"}))
def test_a_paper_that_may_run_over_a_page_numbers_its_pages(name: str) -> None:
    """ "Halaman x dari y" in the footer of every paper but the one-page Lembar Disposisi:
    an SK Tim runs to three or four pages, a Program Kerja to two; a page that comes loose
    says where it belongs."""
    d = open_docx(RENDERER.render(PAPERS[name], PAPERS[name].sample()))
    (section,) = d.sections
    footer = section.footer.part.element
    fields = [f.get(W + "instr", "").strip() for f in footer.iter(W + "fldSimple")]
    assert fields == ["PAGE", "NUMPAGES"], name
    assert "Halaman " in xml_text(footer) and " dari " in xml_text(footer), name


@pytest.mark.parametrize("template", ["laporan.docx", "dokumentasi.docx"])
def test_the_closing_paragraph_stays_with_its_signature(template: str) -> None:
    """A chart that fills its page (a Laporan), a long history (a Dokumentasi) must not
    leave the signature alone on the last page: "Demikian ..." goes over with it."""
    d = docx.Document(str(SHIPPED_TEMPLATES / template))
    closing = next(p for p in d.paragraphs if p.text.startswith("Demikian "))
    assert closing.paragraph_format.keep_with_next, template


def xml_text(element: Any) -> str:
    """The text of a body element of a .docx (a paragraph, a table), placeholders and all."""
    return "".join(t.text or "" for t in element.iter(W + "t"))


def test_the_hasil_pemeriksaan_stays_with_the_reviewers_signature() -> None:
    """A long return reason that pushes the signature over to the next page takes the
    decision and its reason (C. Hasil Pemeriksaan) with it: every paragraph from that
    heading to the signature keeps with the next."""
    d = docx.Document(str(SHIPPED_TEMPLATES / "pemeriksaan.docx"))
    body = list(d.element.body.iterchildren())
    start = next(i for i, el in enumerate(body) if xml_text(el).endswith("Hasil Pemeriksaan"))
    signature = next(i for i, el in enumerate(body) if "NIP {{ reviewer.nip }}" in xml_text(el))
    assert start < signature
    for el in body[start:signature]:
        for para in el.iter(W + "p"):
            assert para.find(f"{W}pPr/{W}keepNext") is not None, xml_text(para)


def test_a_long_return_reason_takes_the_hasil_pemeriksaan_to_the_signatures_page(
    pdfs: dict[str, Path],
) -> None:
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text is not checked")
    text = subprocess.run(
        [pdftotext, str(pdfs["pemeriksaan_long_reason"]), "-"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    pages = [" ".join(page.split()) for page in text.split("\f") if page.strip()]
    (signed,) = [page for page in pages if "NIP 19780923 200312 2 001" in page]
    assert "C. Hasil Pemeriksaan" in signed and "Alasan pengembalian" in signed


def test_shares_round_a_half_up_and_the_laporan_says_how_it_counts_time() -> None:
    """1 of 8 is 13% (Python's round gives 12%); the states table shows the percentage
    alone; a "hari" is 8 working hours on any office hours, and the paper names the hours
    the calendar counts (07.30-16.00: 8 jam 30 menit a day) and the stays left out."""
    from bot.papers.contexts import _share, laporan_context

    assert _share(1, 8) == "1 (13%)" and _share(5, 8) == "5 (63%)" and _share(0, 3) == "0 (0%)"
    sample = S.sample_laporan()
    context = laporan_context(sample, DEFAULT_ZONE)
    share = context["states"][0]["share"]
    assert share.endswith("%") and "(" not in share
    assert "pukul 08.00–16.00" in context["time_basis"]
    assert "1 hari = 8 jam kerja" in context["time_basis"] and "sehari" not in context["time_basis"]
    office = replace(sample, office_hours=(time(7, 30), time(16, 0)))
    basis = laporan_context(office, DEFAULT_ZONE)["time_basis"]
    assert "pukul 07.30–16.00" in basis and "sehari jam kerja kantor adalah 8 jam 30 menit" in basis
    steps = [replace(s, withdrawn=2, cancelled=1) for s in sample.steps[:1]]
    note = laporan_context(replace(sample, steps=steps), DEFAULT_ZONE)["counted_note"]
    assert note.endswith("(dalam periode ini: 2 ditarik kembali dan 1 terhenti karena pembatalan).")
