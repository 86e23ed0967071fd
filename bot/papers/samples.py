"""Realistic sample papers (fictitious people): for tests, the benchmark, and ``sopbot
check``, which fills every template with them (:mod:`bot.papers.check`)."""

from __future__ import annotations

import struct
import zlib
from datetime import date, datetime, timedelta

from bot.papers.dates import WIB
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
    LaporanSop,
    Letterhead,
    Official,
    OverdueCase,
    Pemeriksaan,
    Picture,
    SkTim,
    StepEvaluation,
    StepTime,
    TeamMember,
)

__all__ = [
    "CASE",
    "KABAG",
    "KARO",
    "KASUBAG",
    "LETTERHEAD",
    "PUSTAKAWAN",
    "TEAM_DUTIES",
    "sample_disposisi",
    "sample_dokumentasi",
    "sample_laporan",
    "sample_pemeriksaan",
    "sample_sk_tim",
    "sample_skeleton",
]

LETTERHEAD = Letterhead(
    ministry="KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA",
    secretariat="SEKRETARIAT JENDERAL",
    bureau="BIRO PERENCANAAN DAN MANAJEMEN KINERJA",
    address="Jalan Jenderal Gatot Subroto Kav. 51, Jakarta Selatan 12950",
    city="Jakarta",
)
CASE = CaseInfo(
    case_no="K7",
    title="Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro Tahun Anggaran 2027",
    unit="Biro Perencanaan dan Manajemen Kinerja",
    fiscal_year=2027,
    sop_number="1/.../OT.04.00/././....",
    sop_name="Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro",
    warning="Teliti kesesuaian setelah menuangkan dalam lembar pemeriksaan berkas",
    record_keeping="Disimpan sebagai data elektronik dan manual",
)
KARO = Official(
    "Dr. Hendra Wijaya Kusuma, S.E., M.Si.",
    "197204121998031002",
    "Kepala Biro Perencanaan dan Manajemen Kinerja",
)
KABAG = Official(
    "Sri Rahayu Lestari, S.Sos., M.A.P.",
    "197809232003122001",
    "Kepala Bagian Manajemen Kinerja",
)
KASUBAG = Official(
    "Agus Setiawan, S.T., M.M.",
    "198303152009011004",
    "Kepala Subbagian Program dan Anggaran",
)
PUSTAKAWAN = Official("Rina Marlina, A.Md.", "199107082019022003", "Arsiparis Pelaksana")
ATASAN = Official(
    "Ir. Bambang Prasetyo, M.Sc.",
    "196805101994031001",
    "Sekretaris Jenderal Kementerian Ketenagakerjaan",
)

DASAR_HUKUM = (
    "Undang-Undang Nomor 39 Tahun 2008 tentang Kementerian Negara;",
    "Peraturan Pemerintah Nomor 47 Tahun 2009 tentang Kementerian Negara;",
    "Peraturan Menteri Ketenagakerjaan Nomor 13 Tahun 2015 tentang Organisasi dan Tata Kerja "
    "Kementerian Ketenagakerjaan;",
    "Peraturan Menteri Ketenagakerjaan Nomor 07 Tahun 2017 tentang Pedoman Penyusunan "
    "Standar Operasional Prosedur Administrasi Pemerintahan di Kementerian Ketenagakerjaan;",
    "Peraturan Menteri Ketenagakerjaan Nomor 03 Tahun 2019 tentang Tata Naskah Dinas di "
    "Kementerian Ketenagakerjaan;",
)

# The bureau's SOP states them on its team step (sops/penyusunan-program-kerja.toml).
TEAM_DUTIES = (
    "mengumpulkan bahan penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro",
    "menyusun draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro dan menyerahkannya kepada "
    "Kepala Subbagian",
    "memperbaiki draf sesuai hasil pemeriksaan Kepala Subbagian, Kepala Bagian Manajemen "
    "Kinerja, dan Kepala Biro Perencanaan dan Manajemen Kinerja",
    "melaporkan pelaksanaan tugas kepada Kepala Biro Perencanaan dan Manajemen Kinerja melalui "
    "Kepala Bagian Manajemen Kinerja",
)

SHA_PK = "3f6c1d2a9b8e7f6051423c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8b"
SHA_RKAKL = "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00"
SHA_KINERJA = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdef0123456789abcdef"

_T0 = datetime(2026, 11, 2, 8, 30, tzinfo=WIB)


def _at(minutes: int) -> datetime:
    return _T0 + timedelta(minutes=minutes)


def sample_disposisi() -> Disposisi:
    return Disposisi(
        letterhead=LETTERHEAD,
        case=CASE,
        from_official=KABAG,
        to_official=KARO,
        date=date(2026, 11, 3),
        instruction="Mohon arahan dan persetujuan atas usulan penyusunan Program Kerja, RKAKL, "
        "dan Penetapan Kinerja Biro Tahun Anggaran 2027 beserta TOR terlampir.",
        notes="Konsep Rencana Kerja telah diperbaiki sesuai catatan pemeriksaan tanggal "
        "2 November 2026.",
        paraf="SRL",
        agenda_no="0457/PMK/XI/2026",
    )


def sample_sk_tim() -> SkTim:
    return SkTim(
        letterhead=LETTERHEAD,
        case=CASE,
        decree_number="KEP.12/PMK/XI/2026",
        date=date(2026, 11, 5),
        menimbang=[
            "bahwa dalam rangka penyusunan Program Kerja, Rencana Kerja dan Anggaran "
            "Kementerian/Lembaga, dan Penetapan Kinerja Biro Perencanaan dan Manajemen Kinerja "
            "Tahun Anggaran 2027 yang tepat waktu dan berkualitas, perlu membentuk Tim "
            "Penyusunan;",
            "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a, perlu "
            "menetapkan Keputusan Kepala Biro Perencanaan dan Manajemen Kinerja tentang "
            "Pembentukan Tim Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro Tahun "
            "Anggaran 2027;",
        ],
        mengingat=list(DASAR_HUKUM),
        members=[
            TeamMember(
                "Sri Rahayu Lestari, S.Sos., M.A.P.",
                "197809232003122001",
                "Pengarah",
                "Kepala Bagian Manajemen Kinerja",
            ),
            TeamMember(
                "Agus Setiawan, S.T., M.M.",
                "198303152009011004",
                "Ketua",
                "Kepala Subbagian Program dan Anggaran",
            ),
            TeamMember(
                "Dewi Anggraini, S.E.", "198811202014022002", "Sekretaris", "Analis Perencanaan"
            ),
            TeamMember(
                "Muhammad Rizky Pratama, S.Kom.",
                "199402142020121005",
                "Anggota",
                "Pranata Komputer Ahli Pertama",
            ),
            TeamMember("Yohanes Siregar", "", "Anggota", "Pengadministrasi Umum"),
        ],
        signer=KARO,
        city="Jakarta",
        duties=list(TEAM_DUTIES),
    )


def _files() -> list[FileRecord]:
    return [
        FileRecord(
            "Draf Program Kerja",
            "Draf Program Kerja Biro TA 2027 v3.docx",
            3,
            SHA_PK,
            "Dewi Anggraini, S.E.",
            _at(8 * 1440 + 95),
        ),
        FileRecord(
            "Draf RKAKL",
            "RKAKL Biro PMK 2027.xlsx",
            2,
            SHA_RKAKL,
            "Muhammad Rizky Pratama, S.Kom.",
            _at(8 * 1440 + 130),
        ),
        FileRecord(
            "Draf Penetapan Kinerja",
            "PK Karo 2027.docx",
            2,
            SHA_KINERJA,
            "Dewi Anggraini, S.E.",
            _at(8 * 1440 + 140),
        ),
    ]


def sample_pemeriksaan(*, returned: bool = True) -> Pemeriksaan:
    return Pemeriksaan(
        letterhead=LETTERHEAD,
        case=CASE,
        step_no=8,
        step_title="Kabag MK memeriksa draf Program Kerja, RKAKL, dan Penetapan Kinerja Biro",
        reviewer=KABAG,
        reviewer_role="Kabag MK",
        decided_at=datetime(2026, 11, 12, 14, 5, tzinfo=WIB),
        decision=RETURNED if returned else APPROVED,
        reason="Target indikator kinerja pada Penetapan Kinerja belum selaras dengan Renstra "
        "2025–2029; pagu kegiatan dukungan manajemen pada RKAKL melebihi pagu indikatif."
        if returned
        else "",
        items=[
            CheckItem("Draf Program Kerja", True, "Versi 3"),
            CheckItem("Draf RKAKL", True, "Versi 2"),
            CheckItem("Draf Penetapan Kinerja", True, ""),
            CheckItem("Paraf Kepala Subbagian", False, "Belum diparaf"),
        ],
        files=_files(),
    )


def sample_skeleton() -> DraftSkeleton:
    return DraftSkeleton(
        letterhead=LETTERHEAD,
        case=CASE,
        officials={"karo": KARO, "kabag": KABAG, "kasubag": KASUBAG, "atasan": ATASAN},
        date=date(2026, 11, 6),
    )


_STEPS = (
    (1, "Kasubag mengajukan usulan penyusunan kepada Kabag MK", 480, 300),
    (2, "Kabag MK memeriksa usulan", 480, 650),
    (3, "Karo memeriksa usulan", 480, 210),
    (4, "Kabag MK memerintahkan Kasubag membentuk Tim Penyusunan", 240, 240),
    (5, "Kasubag membentuk Tim Penyusunan", 960, 720),
    (6, "Tim mengumpulkan bahan dan menyusun draf", 4800, 5230),
    (7, "Kasubag memeriksa draf dan memberi paraf", 480, 415),
    (8, "Kabag MK memeriksa draf dan memberi paraf", 480, 905),
    (9, "Karo memeriksa dan menandatangani", 480, 120),
    (10, "Kabag MK menyerahkan kepada Kasubag", 240, 60),
    (11, "Kasubag menyerahkan kepada Fungsional Umum", 240, 45),
    (12, "Fungsional Umum mendokumentasikan", 480, 0),
)


def sample_dokumentasi() -> Dokumentasi:
    events = [
        EventRecord(_at(0), KASUBAG.name, "Kasubag", 1, _STEPS[0][1], "Mengajukan usulan", ""),
        EventRecord(
            _at(300),
            KABAG.name,
            "Kabag MK",
            2,
            _STEPS[1][1],
            RETURNED,
            "TOR belum memuat jadwal penyusunan.",
        ),
        EventRecord(_at(420), KASUBAG.name, "Kasubag", 1, _STEPS[0][1], "Mengajukan ulang", ""),
        EventRecord(_at(1440 + 60), KABAG.name, "Kabag MK", 2, _STEPS[1][1], APPROVED, ""),
        EventRecord(_at(1440 + 270), KARO.name, "Karo", 3, _STEPS[2][1], APPROVED, ""),
        EventRecord(
            _at(2 * 1440 + 30),
            KABAG.name,
            "Kabag MK",
            4,
            _STEPS[3][1],
            "Disposisi kepada Kasubag",
            "",
        ),
        EventRecord(_at(3 * 1440), KASUBAG.name, "Kasubag", 5, _STEPS[4][1], "SK Tim diunggah", ""),
        EventRecord(
            _at(8 * 1440 + 140),
            "Dewi Anggraini, S.E.",
            "Tim Penyusunan",
            6,
            _STEPS[5][1],
            "Draf diserahkan",
            "",
        ),
        EventRecord(
            _at(9 * 1440), KASUBAG.name, "Kasubag", 7, _STEPS[6][1], APPROVED + " (paraf)", ""
        ),
        EventRecord(
            _at(10 * 1440 + 335),
            KABAG.name,
            "Kabag MK",
            8,
            _STEPS[7][1],
            RETURNED,
            "Target indikator kinerja belum selaras dengan Renstra 2025–2029.",
        ),
        EventRecord(
            _at(10 * 1440 + 500),
            KARO.name,
            "Karo",
            9,
            _STEPS[8][1],
            APPROVED + " (tanda tangan)",
            "",
        ),
    ]
    approvals = [
        ApprovalRecord("Paraf", KASUBAG, "Kasubag", _at(9 * 1440), 7),
        ApprovalRecord("Paraf", KABAG, "Kabag MK", _at(10 * 1440 + 400), 8),
        ApprovalRecord("Tanda tangan", KARO, "Karo", _at(10 * 1440 + 500), 9),
    ]
    return Dokumentasi(
        letterhead=LETTERHEAD,
        case=CASE,
        archived_at=datetime(2026, 11, 16, 10, 40, tzinfo=WIB),
        archive_reference="PR.01.01/PMK/2026/0112",
        archivist=PUSTAKAWAN,
        final_files=_files(),
        events=events,
        approvals=approvals,
        step_times=[StepTime(n, t, norm, actual) for n, t, norm, actual in _STEPS],
    )


def blank_png(width: int = 320, height: int = 200, grey: int = 0xEE) -> bytes:
    """A plain grey PNG (no imaging library): the sample report's stand-in for its chart."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sample_laporan() -> LaporanSop:
    steps = [
        StepEvaluation(1, _STEPS[0][1], "Kasubag", 14, 180.0, 300, 240, 3, 0, ()),
        StepEvaluation(
            2, _STEPS[1][1], "Kabag", 16, 420.0, 900, 480, 5, 4,
            (("TOR belum mencantumkan jadwal pelaksanaan.", 3), ("Lampiran tidak lengkap.", 1)),
        ),
        StepEvaluation(3, _STEPS[2][1], "Karo", 12, 250.5, 600, 480, 2, 0, ()),
        StepEvaluation(
            6, _STEPS[5][1], "Tim Penyusunan", 12, 4100.0, 5400, 4800, 3, 0, ()
        ),
        StepEvaluation(
            8, _STEPS[7][1], "Kabag", 11, 300.0, 520, 480, 2, 1,
            (("Target indikator kinerja belum selaras dengan Renstra 2025–2029.", 1),),
        ),
        StepEvaluation(12, _STEPS[-1][1], "Fungsional Umum", 0, 0.0, 0, 240, 0, 0, ()),
    ]  # fmt: skip
    overdue = [
        OverdueCase(
            "K7", "Penyusunan Program Kerja Biro TA 2027 (revisi)", 6, "Tim Penyusunan",
            datetime(2026, 11, 2, 9, 15, tzinfo=WIB), 5520, 4800,
        )
    ]  # fmt: skip
    return LaporanSop(
        letterhead=LETTERHEAD,
        unit=CASE.unit,
        sop_number=CASE.sop_number,
        sop_name=CASE.sop_name,
        period_label="Tahun 2026",
        first_day=date(2026, 1, 1),
        last_day=date(2026, 12, 31),
        made_at=datetime(2026, 11, 30, 10, 30, tzinfo=WIB),
        prepared_by=KARO,
        cases=14,
        states=[
            ("Berjalan, sesuai norma", 1),
            ("Berjalan, melewati norma", 1),
            ("Selesai (diarsipkan)", 11),
            ("Dibatalkan", 1),
        ],
        steps=steps,
        overdue=overdue,
        chart=Picture(blank_png(), 80.0),
    )
