"""What each template is filled with: a paper record turned into plain, cleaned strings.

Everything handed to a template is a ``str`` (or a dict/list of them), cleaned here:
control characters other than tab and newline are removed (they make invalid XML), and
Jinja's autoescape escapes the rest when the template is filled. A newline becomes a line
break on paper, a tab a tab. Moments are written in the office's zone (``zone``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

from bot.core.nip import printed_nip
from bot.papers.dates import HARI_KERJA, OfficeZone, angka, durasi, hari_tanggal, persen, tanggal
from bot.papers.model import (
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
    SkTim,
    StepEvaluation,
    StepTime,
    TeamMember,
)

__all__ = [
    "CHECK",
    "DASH",
    "DOTS",
    "clean",
    "disposisi_context",
    "dokumentasi_context",
    "durasi_kerja",
    "laporan_context",
    "pemeriksaan_context",
    "sk_tim_context",
    "skeleton_context",
]

DOTS = "." * 40  # a blank to fill in by hand
DASH = "-"
CHECK = "\u221a"  # "√": the tick of Indonesian forms (present in Arial, unlike U+2713)

# --- cleaning ------------------------------------------------------------------------

# C0 controls except tab and newline (\r is turned into \n first), lone surrogates and the
# two non-characters may not appear in XML 1.0 at all; DEL and the C1 controls may, but
# only print as boxes.
_INVALID_XML = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# docxtpl turns these back into Jinja delimiters after rendering (its escape for literal
# braces in templates); a zero-width space keeps a user's text as typed.
_DOCXTPL_UNESCAPES = re.compile(r"([{}%])(_[{}%])")


def clean(value: object) -> str:
    """Text safe to put into a paper: str() of the value without control characters
    (tab and newline stay) or characters XML cannot hold."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVALID_XML.sub("", text)
    if "_" in text:
        text = _DOCXTPL_UNESCAPES.sub("\\1\u200b\\2", text)
    return text


def _or(value: str, default: str = DASH) -> str:
    text = clean(value)
    return text if text.strip() else default


# --- contexts ------------------------------------------------------------------------


def _kop(k: Letterhead) -> dict[str, str]:
    return {
        "ministry": clean(k.ministry),
        "secretariat": clean(k.secretariat),
        "bureau": clean(k.bureau),
        "address": clean(k.address),
        "city": clean(k.city),
    }


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


def _sentence(text: str) -> str:
    """The text on one line ending as a sentence ("." added unless it ends with . ! or ?);
    "" for none."""
    line = _one_line(text)
    return line + ("" if not line or line[-1] in ".!?" else ".")


def _case(c: CaseInfo) -> dict[str, str]:
    return {
        "case_no": _or(c.case_no),
        "title": _or(c.title),
        "unit": _or(c.unit),
        "fiscal_year": clean(c.fiscal_year),
        "sop_number": _or(c.sop_number),
        "sop_name": _or(c.sop_name),
        "warning": _sentence(c.warning),
        "record_keeping": _one_line(c.record_keeping),
        "year_label": _or(c.year_label, "Tahun"),
    }


def _title(position: str, fallback: str) -> str:
    """The position as written over a signature: upper case, "Plt."/"Plh." kept as is."""
    text = clean(position).strip().rstrip(",").strip()
    if not text:
        return fallback
    m = re.match(r"(?i)(pl[th]\.?\s+)", text)
    if m:
        prefix = m.group(1)
        return prefix[:1].upper() + prefix[1:].lower() + text[len(prefix) :].upper()
    return text.upper()


def _official(o: Official | None, title_fallback: str = DOTS) -> dict[str, str]:
    if o is None:
        return {"name": DOTS, "nip": DOTS, "position": DOTS, "title": title_fallback}
    return {
        "name": _or(o.name, DOTS),
        "nip": printed_nip(clean(o.nip).strip()),
        "position": _or(o.position),
        "title": _title(o.position, title_fallback),
    }


def _base(letterhead: Letterhead, case: CaseInfo) -> dict[str, Any]:
    return {"kop": _kop(letterhead), "case": _case(case)}


def _head_title(letterhead: Letterhead) -> str:
    bureau = clean(letterhead.bureau).strip()
    return f"KEPALA {bureau.upper()}" if bureau else DOTS


def _stamp(dt: datetime, zone: OfficeZone) -> str:
    """Date and time in a table cell: two lines."""
    return f"{zone.tanggal(dt)}\n{zone.jam(dt)}"


def _mark_letter(i: int) -> str:
    """a, b, ..., z, aa, ab, ...: the lettering of Menimbang."""
    letters = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters + "."


def disposisi_context(p: Disposisi, zone: OfficeZone) -> dict[str, Any]:
    """Lembar Disposisi (SOP steps 2-4). ``date`` is a calendar date: no zone needed."""
    return {
        **_base(p.letterhead, p.case),
        "sender": _official(p.from_official),
        "recipient": _official(p.to_official),
        "date": tanggal(p.date),
        "date_long": hari_tanggal(p.date),
        "instruction": _or(p.instruction),
        "notes": _or(p.notes),
        "paraf": clean(p.paraf),
        "agenda_no": _or(p.agenda_no),
    }


def _members(members: Sequence[TeamMember]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "name": _or(m.name),
            "nip": _or(printed_nip(m.nip)),
            "position": _or(m.position),
            "position_in_team": _or(m.position_in_team),
        }
        for i, m in enumerate(members, 1)
    ]


# What closes an item of a list the paper punctuates itself: a duty typed with its own
# ";", "; dan" or "." keeps one of them only.
_CLOSING = re.compile(r"(?:\s*(?:[;,.:]|\bdan\b))+\s*$")


def _duties(duties: Sequence[str]) -> list[dict[str, str]]:
    """Diktum KEDUA: "a." ... lettered, each item ending with ";", the one before the last
    with "; dan", the last with "."."""
    texts = [_CLOSING.sub("", " ".join(clean(t).split())) for t in duties]
    texts = [t for t in texts if t] or [DOTS]
    last = len(texts) - 1
    ends = [";" if i < last - 1 else "; dan" if i == last - 1 else "." for i in range(len(texts))]
    return [
        {"mark": _mark_letter(i), "text": t + end}
        for i, (t, end) in enumerate(zip(texts, ends, strict=True))
    ]


# The kinds of regulation a Dasar Hukum abbreviates; a decree writes them in full (UU
# 12/2011, Lampiran II: no abbreviation of the kind of regulation in Mengingat).
_REGULATION_KINDS = [
    (re.compile(r"^(?:UU|Undang-undang)\s+(?:Nomor|No\.?)\s*", re.I), "Undang-Undang Nomor "),
    (re.compile(r"^PP\s+(?:Nomor|No\.?)\s*", re.I), "Peraturan Pemerintah Nomor "),
    (re.compile(r"^Perpres\s+(?:Nomor|No\.?)\s*", re.I), "Peraturan Presiden Nomor "),
    (re.compile(r"^Inpres\s+(?:Nomor|No\.?)\s*", re.I), "Instruksi Presiden Nomor "),
    (
        re.compile(r"^Permenaker\s+(?:Nomor|No\.?)\s*", re.I),
        "Peraturan Menteri Ketenagakerjaan Nomor ",
    ),
    (
        re.compile(r"^Kepmenaker\s+(?:Nomor|No\.?)\s*", re.I),
        "Keputusan Menteri Ketenagakerjaan Nomor ",
    ),
    (
        re.compile(r"^Permen\s*PAN[- ]?RB\s+(?:Nomor|No\.?)\s*", re.I),
        "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi Nomor ",
    ),
]


def _citations(items: Sequence[str]) -> list[dict[str, str]]:
    """Mengingat: "1." ... numbered, each regulation's kind written in full, each item
    ending with ";" and the last with "."."""
    texts = []
    for item in items:
        text = _CLOSING.sub("", " ".join(clean(item).split()))
        for abbreviation, kind in _REGULATION_KINDS:
            text = abbreviation.sub(kind, text, count=1)
        if text:
            texts.append(text)
    if not texts:
        return [{"mark": "1.", "text": DOTS}]
    last = len(texts) - 1
    return [
        {"mark": f"{i + 1}.", "text": t + (";" if i < last else ".")} for i, t in enumerate(texts)
    ]


def sk_tim_context(p: SkTim, zone: OfficeZone) -> dict[str, Any]:
    """Draft Keputusan (SK) forming the Tim Penyusunan, with the team in its Lampiran."""
    menimbang = [clean(t) for t in p.menimbang] or [DOTS]
    return {
        **_base(p.letterhead, p.case),
        "decree_number": _or(p.decree_number, DOTS),
        "date": tanggal(p.date),
        "city": _or(p.city, "") or _or(p.letterhead.city, DOTS),
        "menimbang": [{"mark": _mark_letter(i), "text": t} for i, t in enumerate(menimbang)],
        "mengingat": _citations(p.mengingat),
        "members": _members(p.members),
        "duties": _duties(p.duties),
        "signer": _official(p.signer, _head_title(p.letterhead)),
        "amended": p.amended,
        "amends": _or(p.amends, DOTS),
    }


def _files(files: Iterable[FileRecord], zone: OfficeZone) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "document": _or(f.document),
            "file_name": _or(f.file_name) + (f" ({clean(f.note)})" if f.note else ""),
            "version": clean(f.version),
            "sha256": _or(f.sha256),
            "uploaded_by": _or(f.uploaded_by),
            "uploaded_at": f"{zone.tanggal(f.uploaded_at)}, {zone.jam(f.uploaded_at)}",
        }
        for i, f in enumerate(files, 1)
    ]


def _items(items: Iterable[CheckItem]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "name": _or(c.name),
            "ada": CHECK if c.present else "",
            "tidak_ada": "" if c.present else CHECK,
            "note": clean(c.note),
        }
        for i, c in enumerate(items, 1)
    ]


def pemeriksaan_context(p: Pemeriksaan, zone: OfficeZone) -> dict[str, Any]:
    """Lembar Pemeriksaan of one decision of a review step (2, 3, 7, 8, 9)."""
    returned = clean(p.decision).strip().lower().startswith(RETURNED.split()[0].lower())
    return {
        **_base(p.letterhead, p.case),
        "step_no": clean(p.step_no),
        "step_title": _or(p.step_title),
        "reviewer": _official(p.reviewer),
        "reviewer_role": _or(p.reviewer_role),
        "decided_day": zone.hari_tanggal(p.decided_at),
        "decided_date": zone.tanggal(p.decided_at),
        "decided_time": zone.jam(p.decided_at),
        "decision": _or(p.decision),
        "reason_label": "Alasan pengembalian" if returned else "Catatan",
        "reason": _or(p.reason),
        "items": _items(p.items),
        "files": _files(p.files, zone),
    }


def skeleton_context(p: DraftSkeleton, zone: OfficeZone) -> dict[str, Any]:
    """The three draft skeletons (step 6): Program Kerja, RKAKL, Penetapan Kinerja."""
    officials = p.officials
    return {
        **_base(p.letterhead, p.case),
        "date": tanggal(p.date),
        "karo": _official(officials.get("karo"), _head_title(p.letterhead)),
        "kabag": _official(officials.get("kabag")),
        "kasubag": _official(officials.get("kasubag")),
        "atasan": _official(officials.get("atasan")),
    }


def _approvals(approvals: Iterable[ApprovalRecord], zone: OfficeZone) -> list[dict[str, str]]:
    rows = []
    for i, a in enumerate(approvals, 1):
        nip = printed_nip(clean(a.official.nip).strip())
        rows.append(
            {
                "no": f"{i}.",
                "kind": _or(a.kind),
                "name": _or(a.official.name),
                "nip_line": f"NIP {nip}" if nip else "",
                "position": _or(a.official.position),
                "role": clean(a.role),
                "step_no": clean(a.step_no),
                "at": _stamp(a.at, zone) + (f"\n{clean(a.earlier)}" if a.earlier else ""),
            }
        )
    return rows


def _events(events: Iterable[EventRecord], zone: OfficeZone) -> list[dict[str, str]]:
    rows = []
    for i, e in enumerate(events, 1):
        title = clean(e.step_title).strip()
        step = f"{e.step_no}. {title}" if e.step_no > 0 else (title or DASH)
        rows.append(
            {
                "no": f"{i}.",
                "at": _stamp(e.at, zone),
                "actor": _or(e.actor),
                "role": clean(e.role),
                "step": step.strip(),
                "action": _or(e.action),
                "reason": _or(e.reason),
            }
        )
    return rows


def _signed(n: int) -> str:
    """A difference of working time: "+1 hari 20 menit", "−45 menit", "0 menit"."""
    return ("+" if n > 0 else "−" if n < 0 else "") + durasi(abs(n))


def _verdict(diff: int) -> str:
    """A step's (or the case's) time against its norm, in the words of the Laporan
    Evaluasi and the chat: over it, "Melewati norma"; within it (less time too),
    "Sesuai norma" ("di bawah norma" reads as falling short of the standard)."""
    return "Melewati norma" if diff > 0 else "Sesuai norma"


def _step_times(steps: Sequence[StepTime]) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = []
    for s in steps:
        has_norm = s.norm_minutes > 0
        diff = s.actual_minutes - s.norm_minutes
        rows.append(
            {
                "step_no": clean(s.step_no),
                "title": _or(s.title),
                "norm": durasi(s.norm_minutes) if has_norm else DASH,
                "actual": durasi(s.actual_minutes),
                "diff": _signed(diff) if has_norm else DASH,
                "note": _verdict(diff) if has_norm else "Norma belum ditetapkan",
            }
        )
    normed = [s for s in steps if s.norm_minutes > 0]
    norm_total = sum(s.norm_minutes for s in normed)
    diff_total = sum(s.actual_minutes - s.norm_minutes for s in normed)
    total = {
        "norm": durasi(norm_total) if normed else DASH,
        "actual": durasi(sum(s.actual_minutes for s in steps)),
        "diff": _signed(diff_total) if normed else DASH,
        "note": _verdict(diff_total) if normed else DASH,
    }
    return rows, total


# The SOP's record_keeping as the SOP-AP form words it: "Disimpan sebagai data ..."
_STORED_AS = re.compile(r"(?i)disimpan\s+sebagai\s+(?P<what>\S.*)")
# A record_keeping that names a manner of keeping ("Disimpan di lemari arsip")
_STORED = re.compile(r"(?i)disimpan\b")
STORAGE_FALLBACK = "Sesuai ketentuan kearsipan"
# the closing clause of a completed case's Dokumentasi: nothing was filed
COMPLETED_CLOSING = "dipergunakan sebagaimana mestinya"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """ "Data elektronik" -> "data elektronik"; an acronym ("SIKD ...") is kept as is."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _storage(record_keeping: str) -> tuple[str, str]:
    """How the archive is kept, from the SOP's record_keeping: the Penyimpanan row
    ("Data elektronik dan manual") and the closing clause ("disimpan sebagai data
    elektronik dan manual"). An SOP that states none: kept "sesuai ketentuan kearsipan"."""
    text = _one_line(record_keeping).rstrip(" .;,")
    if not text:
        return STORAGE_FALLBACK, "disimpan " + _lower_first(STORAGE_FALLBACK)
    m = _STORED_AS.match(text)
    if m:
        what = m.group("what")
        return _capital(what), "disimpan sebagai " + _lower_first(what)
    if _STORED.match(text):  # "Disimpan di lemari arsip Bagian Umum"
        return _capital(text), _lower_first(text)
    return _capital(text), "disimpan sebagai " + _lower_first(text)


def dokumentasi_context(p: Dokumentasi, zone: OfficeZone) -> dict[str, Any]:
    """Dokumentasi: the record of a finished case: archived (step 12), or ``completed`` at
    the last step of an SOP that does not end in archiving (no number, no Penyimpanan, a
    closing clause that files nothing)."""
    steps, total = _step_times(p.step_times)
    storage, stored = _storage(p.case.record_keeping)
    if p.completed:
        stored = COMPLETED_CLOSING
    return {
        **_base(p.letterhead, p.case),
        "completed": p.completed,
        "storage": storage,
        "stored": stored,
        "archived_day": zone.hari_tanggal(p.archived_at),
        "archived_date": zone.tanggal(p.archived_at),
        "archived_time": zone.jam(p.archived_at),
        "archive_reference": _or(p.archive_reference),
        "archivist": _official(p.archivist),
        "final_files": _files(p.final_files, zone),
        "approvals": _approvals(p.approvals, zone),
        "events": _events(p.events, zone),
        "step_times": steps,
        "total": total,
        "time_basis": _time_basis(p.office_hours),  # table D counts working time
    }


# --- Laporan Evaluasi Penerapan SOP ---------------------------------------------------

durasi_kerja = durasi  # working time as a paper writes it: "1 hari 20 menit" (dates.durasi)


def _share(part: int, whole: int) -> str:
    """ "1 (13%)": a count with its share, a half rounded up."""
    return f"{angka(part)} ({persen(part, whole)})" if whole else DASH


def _time_basis(office_hours: tuple[time, time]) -> str:
    """How the paper counts time: the office hours the calendar counts, and what a "hari"
    is (8 working hours, the unit of the Mutu Baku norms), with the office's own day when
    it is another length (07.30-16.00: 8 jam 30 menit)."""
    start, end = office_hours
    day = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    own = ""
    if day != HARI_KERJA:
        hours, mins = divmod(day, 60)
        own = f"; sehari jam kerja kantor adalah {hours} jam" + (f" {mins} menit" if mins else "")
    return (
        "Waktu dihitung dalam waktu kerja, yaitu jam kerja kantor pukul "
        f"{start.hour:02d}.{start.minute:02d}–{end.hour:02d}.{end.minute:02d} pada hari kerja, "
        f"di luar hari libur; 1 hari = 8 jam kerja, satuan norma pada Mutu Baku SOP{own}."
    )


def _counted_note(steps: Sequence[StepEvaluation]) -> str:
    """What a "pelaksanaan" is, and how many stays were left out in the period."""
    withdrawn = sum(s.withdrawn for s in steps)
    cancelled = sum(s.cancelled for s in steps)
    apart = [
        f"{angka(n)} {what}"
        for n, what in ((withdrawn, "ditarik kembali"), (cancelled, "terhenti karena pembatalan"))
        if n
    ]
    return (
        "Pelaksanaan langkah adalah persinggahan berkas pada suatu langkah yang diakhiri oleh "
        "tindakan pelaksananya sendiri (menyelesaikan, menyetujui, mengembalikan, atau "
        "mengarsipkan); persinggahan yang ditarik kembali oleh pengirimnya atau terhenti karena "
        "pembatalan berkas tidak dihitung"
        + (f" (dalam periode ini: {' dan '.join(apart)})" if apart else "")
        + "."
    )


def _evaluations(steps: Sequence[StepEvaluation]) -> list[dict[str, str]]:
    rows = []
    for s in steps:
        has_norm = s.norm_minutes > 0
        seen = s.visits > 0
        late = seen and has_norm and s.median_minutes > s.norm_minutes
        rows.append(
            {
                "step_no": clean(s.step_no),
                "title": _or(s.title),
                "role": _or(s.role),
                "visits": angka(s.visits),
                "median": durasi_kerja(s.median_minutes) if seen else DASH,
                "p90": durasi_kerja(s.p90_minutes) if seen else DASH,
                "norm": durasi_kerja(s.norm_minutes) if has_norm else DASH,
                "over": _share(s.over_norm, s.visits) if seen and has_norm else DASH,
                "returns": angka(s.returns) if seen else DASH,
                "note": (
                    "Median melewati norma" if late
                    else "Sesuai norma" if seen and has_norm
                    else "Belum ada data" if not seen
                    else "Norma belum ditetapkan"
                ),
            }
        )  # fmt: skip
    return rows


def _returns(steps: Sequence[StepEvaluation]) -> list[dict[str, str]]:
    rows = []
    for s in steps:
        if s.returns <= 0:
            continue
        reasons = "\n".join(f"{clean(text)} ({angka(n)}×)" for text, n in s.reasons)
        rows.append(
            {
                "step_no": clean(s.step_no),
                "title": _or(s.title),
                "returns": angka(s.returns),
                "share": _share(s.returns, s.visits),
                "reasons": reasons or DASH,
            }
        )
    return rows


def _overdue(cases: Sequence[OverdueCase], zone: OfficeZone) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "case_no": _or(c.case_no),
            "title": _or(c.title),
            "step": f"{c.step_no} ({clean(c.role)})",
            "since": _stamp(c.since, zone),
            "spent": durasi_kerja(c.minutes),
            "norm": durasi_kerja(c.norm_minutes) if c.norm_minutes > 0 else DASH,
        }
        for i, c in enumerate(cases, 1)
    ]


def laporan_context(p: LaporanSop, zone: OfficeZone) -> dict[str, Any]:
    """Laporan Evaluasi Penerapan SOP: figures per step, returns, states, overdue cases,
    and the chart (a :class:`Picture`, which the renderer places as an image)."""
    if p.first_day == p.last_day:
        span = tanggal(p.first_day)
    else:
        span = f"{tanggal(p.first_day)} s.d. {tanggal(p.last_day)}"
    total_states = sum(n for _, n in p.states)
    return {
        "kop": _kop(p.letterhead),
        "unit": _or(p.unit),
        "sop_number": _or(p.sop_number),
        "sop_name": _or(p.sop_name),
        "period_label": _or(p.period_label),
        "period_span": span,
        "made_day": zone.hari_tanggal(p.made_at),
        "made_date": zone.tanggal(p.made_at),
        "made_time": zone.jam(p.made_at),
        "prepared_by": _official(p.prepared_by),
        "cases": angka(p.cases),
        "time_basis": _time_basis(p.office_hours),
        "counted_note": _counted_note(p.steps),
        "states": [
            {
                "no": f"{i}.",
                "label": _or(label),
                "count": angka(n),
                "share": persen(n, total_states) if total_states else DASH,
            }
            for i, (label, n) in enumerate(p.states, 1)
        ],
        "states_total": angka(total_states),
        "steps": _evaluations(p.steps),
        "returns": _returns(p.steps),
        "overdue": _overdue(p.overdue, zone),
        "chart": p.chart if p.chart.png else "",
        "chart_note": (
            "Gambar 1. Waktu kerja per langkah terhadap norma, pengembalian, dan keadaan berkas."
            if p.chart.png
            else "Grafik tidak tersedia."
        ),
    }
