"""Input of the official papers: plain frozen dataclasses.

This module depends on nothing else in the bot. The bot maps its case, its people and its
event log into these records; the renderer (``bot.papers.render``) turns them into .docx.

Every string is taken as the user typed it: the renderer strips control characters and
escapes XML itself. Empty optional strings (a NIP, notes, a reason) are shown as "-" or
left out, never as an error. A datetime is a moment: aware ones are written in the office's
zone (the renderer's :class:`~bot.papers.dates.OfficeZone`), naive ones are taken as office
time already. A ``date`` is a calendar date in the office: take it from a moment with
``OfficeZone.day(moment)``, never with ``moment.date()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime, time

__all__ = [
    "APPROVED",
    "RETURNED",
    "ApprovalRecord",
    "CaseInfo",
    "CheckItem",
    "Disposisi",
    "Dokumentasi",
    "DraftSkeleton",
    "EventRecord",
    "FileRecord",
    "LaporanSop",
    "Letterhead",
    "Official",
    "OverdueCase",
    "Pemeriksaan",
    "Picture",
    "SkTim",
    "StepEvaluation",
    "StepTime",
    "TeamMember",
]

APPROVED = "Disetujui"
RETURNED = "Dikembalikan untuk diperbaiki"


@dataclass(frozen=True)
class Letterhead:
    """The heading (kop) of the papers, from the bot's ``[organisation]`` config."""

    ministry: str  # "KEMENTERIAN KETENAGAKERJAAN REPUBLIK INDONESIA"
    secretariat: str  # "SEKRETARIAT JENDERAL"
    bureau: str  # "BIRO PERENCANAAN DAN MANAJEMEN KINERJA"
    address: str  # "Jalan Jenderal Gatot Subroto Kav. 51, Jakarta Selatan 12950"
    city: str  # "Jakarta"


@dataclass(frozen=True)
class Official:
    name: str
    nip: str  # may be empty (e.g. non-civil-servant staff): the NIP line is then left out
    position: str  # "Kepala Bagian Manajemen Kinerja"


@dataclass(frozen=True)
class FileRecord:
    document: str  # which SOP document: "Draf Program Kerja", "TOR", ...
    file_name: str
    version: int
    sha256: str  # 64 hex digits
    uploaded_by: str
    uploaded_at: datetime
    # said of a file the record lists but the archive does not hold ("tidak ditemukan di
    # server; tidak disertakan dalam arsip elektronik"); empty for one it holds
    note: str = ""


@dataclass(frozen=True)
class EventRecord:
    at: datetime
    actor: str
    role: str  # "Kabag", "Kepala Bagian Manajemen Kinerja", ...
    step_no: int
    step_title: str
    action: str  # "Mengajukan", "Disetujui", "Dikembalikan untuk diperbaiki", ...
    reason: str  # may be empty


@dataclass(frozen=True)
class CaseInfo:
    case_no: str  # "7": the number the chat shows as "Berkas #7"
    title: str  # "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro TA 2027"
    unit: str  # "Biro Perencanaan dan Manajemen Kinerja"
    fiscal_year: int
    sop_number: str  # "1/.../OT.04.00/././...."
    sop_name: str  # "Penyusunan Program Kerja, RKAKL, dan Penetapan Kinerja Biro"
    # The SOP's own Peringatan and Pencatatan dan Pendataan ([sop] warning, record_keeping):
    # "Teliti kesesuaian ...", "Disimpan sebagai data elektronik dan manual"; may be empty.
    warning: str = ""
    record_keeping: str = ""
    year_label: str = "Tahun Anggaran"  # [sop] year_label: what the case's year is called


# --- 1. Lembar Disposisi (steps 2-4) -------------------------------------------------


@dataclass(frozen=True)
class Disposisi:
    letterhead: Letterhead
    case: CaseInfo
    from_official: Official  # "Surat dari": who passes the case on
    to_official: Official  # "Diteruskan kepada"
    date: Date
    instruction: str  # "Isi disposisi / Instruksi"
    notes: str  # "Catatan"; may be empty
    paraf: str  # initials of from_official; may be empty (then signed by hand)
    agenda_no: str  # "No. Agenda"; may be empty


# --- 2. Draft SK Tim Penyusunan (step 5) ---------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    name: str
    nip: str
    position_in_team: str  # "Ketua", "Sekretaris", "Anggota"
    position: str  # the member's office: "Analis Perencanaan"


@dataclass(frozen=True)
class SkTim:
    letterhead: Letterhead
    case: CaseInfo
    decree_number: str  # may be empty in a draft: then dots are printed
    date: Date
    menimbang: Sequence[str]  # considerations, lettered a., b., ...
    mengingat: Sequence[str]  # legal basis (the SOP's Dasar Hukum), numbered 1., 2., ...
    members: Sequence[TeamMember]
    signer: Official  # Kepala Biro (or Plt./Plh.: then position says so)
    city: str  # "Ditetapkan di"; empty: letterhead.city
    # Diktum KEDUA, the team's duties, lettered a., b., ...: each without its closing
    # punctuation (the paper adds ";", "; dan" before the last one, and "."). Empty: dots.
    duties: Sequence[str] = ()
    # an amending decree: the team's members changed after it was formed (a place passed on)
    amended: bool = False
    # the decree an amending one amends, as cited in Diktum KESATU (and the last Mengingat):
    # "Keputusan Kepala Biro ... Nomor ...... tentang Pembentukan Tim ..."; empty: dots
    amends: str = ""


# --- 3. Lembar Pemeriksaan (review steps 2, 3, 7, 8, 9) ------------------------------


@dataclass(frozen=True)
class CheckItem:
    name: str  # one input of the step (Persyaratan/Kelengkapan)
    present: bool
    note: str


@dataclass(frozen=True)
class Pemeriksaan:
    letterhead: Letterhead
    case: CaseInfo
    step_no: int
    step_title: str
    reviewer: Official
    reviewer_role: str  # the SOP role: "Kabag MK"
    decided_at: datetime
    decision: str  # APPROVED or RETURNED
    reason: str  # required on RETURNED; a note otherwise (may be empty)
    items: Sequence[CheckItem]
    files: Sequence[FileRecord]


# --- 4. Draft skeletons for the team (step 6) ----------------------------------------


@dataclass(frozen=True)
class DraftSkeleton:
    """Skeleton of the three drafts: Program Kerja, RKAKL, Penetapan Kinerja.

    ``officials`` keys: ``karo``, ``kabag``, ``kasubag``; optional ``atasan`` (the Karo's
    superior, PIHAK KEDUA of the Penetapan Kinerja). A missing key prints a dotted line
    for the team to fill in.
    """

    letterhead: Letterhead
    case: CaseInfo
    officials: Mapping[str, Official]
    date: Date


# --- 5. Dokumentasi (step 12) --------------------------------------------------------


@dataclass(frozen=True)
class ApprovalRecord:
    kind: str  # "Paraf" or "Tanda tangan"
    official: Official
    role: str
    at: datetime
    step_no: int
    # the final documents it was given on in a version other than the one filed, as the
    # paper says so (t.DOKUMENTASI_APPROVED_EARLIER); "" when given on the filed ones
    earlier: str = ""


@dataclass(frozen=True)
class StepTime:
    step_no: int
    title: str
    norm_minutes: int  # 0 or less: no norm set
    actual_minutes: int


@dataclass(frozen=True)
class Dokumentasi:
    letterhead: Letterhead
    case: CaseInfo
    archived_at: datetime
    archive_reference: str
    archivist: Official  # Fungsional Umum
    final_files: Sequence[FileRecord]
    events: Sequence[EventRecord]
    approvals: Sequence[ApprovalRecord]
    step_times: Sequence[StepTime]
    # the office hours the step times are counted on (config time.day_start, day_end)
    office_hours: tuple[time, time] = (time(8, 0), time(16, 0))
    # the record of a case completed at the last step of an SOP that does not end in
    # archiving: ``archived_at`` and ``archivist`` are then when and by whom it was
    # completed, and it has no archive number and no place of filing
    completed: bool = False


# --- 6. Laporan Evaluasi Penerapan SOP (/laporan) ------------------------------------


@dataclass(frozen=True)
class Picture:
    """A PNG placed in a paper, ``width_mm`` wide (the renderer makes it a docxtpl
    InlineImage). Empty ``png``: no picture."""

    png: bytes
    width_mm: float = 150.0


@dataclass(frozen=True)
class StepEvaluation:
    """One step's figures over the period (visits that ended in it), in working minutes."""

    step_no: int
    title: str
    role: str  # "Kabag"
    visits: int  # executions: stays ended by the holder's own move (not /tarik, not cancelled)
    median_minutes: float
    p90_minutes: int
    norm_minutes: int  # 0 or less: no norm set
    over_norm: int  # executions longer than the norm
    returns: int
    reasons: Sequence[tuple[str, int]]  # the most frequent return reasons, with counts
    withdrawn: int = 0  # stays taken back by their sender (/tarik): not executions
    cancelled: int = 0  # stays cut short by the case's cancellation: not executions


@dataclass(frozen=True)
class OverdueCase:
    case_no: str
    title: str
    step_no: int
    role: str
    since: datetime
    minutes: int  # working minutes at the step so far
    norm_minutes: int


@dataclass(frozen=True)
class LaporanSop:
    """Monitoring and evaluation of how the SOP is applied (Permenaker No. 07 Tahun 2017)."""

    letterhead: Letterhead
    unit: str
    sop_number: str
    sop_name: str
    period_label: str  # "Tahun 2026", "Desember 2026", "30 hari terakhir"
    first_day: Date
    last_day: Date  # inclusive
    made_at: datetime
    prepared_by: Official
    cases: int  # cases with anything in the period
    states: Sequence[tuple[str, int]]  # ("Selesai (diarsipkan)", 12), ...
    steps: Sequence[StepEvaluation]
    overdue: Sequence[OverdueCase]
    chart: Picture
    # the office hours the working time is counted on (config time.day_start, day_end)
    office_hours: tuple[time, time] = (time(8, 0), time(16, 0))
