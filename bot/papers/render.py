"""Fills the .docx templates in ``doc_templates/`` with a paper's values.

Synchronous and self-contained: the bot calls these through ``asyncio.to_thread``; they
are thread-safe. Template bytes are read once (and again only when the file changes on
disk, so an office can edit a template without restarting the bot), and the Jinja code
docxtpl makes of each template is compiled once and kept.

Every user-supplied string is cleaned (control characters other than tab and newline
removed, since they make invalid XML) and XML-escaped by Jinja's autoescape. A newline
becomes a line break on paper, a tab a tab.
"""

from __future__ import annotations

import io
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from bot.papers.dates import angka, hari_tanggal, jam, tanggal
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
    Letterhead,
    Official,
    Pemeriksaan,
    SkTim,
    StepTime,
    TeamMember,
)

__all__ = [
    "DEFAULT_TEMPLATE_DIR",
    "KINDS",
    "PaperRenderer",
    "clean",
    "file_name",
    "render_disposisi",
    "render_dokumentasi",
    "render_pemeriksaan",
    "render_penetapan_kinerja",
    "render_program_kerja",
    "render_rkakl",
    "render_sk_tim",
    "set_template_dir",
]

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "doc_templates"

# Template file of each paper kind.
TEMPLATES: Mapping[str, str] = {
    "disposisi": "disposisi.docx",
    "sk_tim": "sk_tim.docx",
    "pemeriksaan": "pemeriksaan.docx",
    "program_kerja": "program_kerja.docx",
    "rkakl": "rkakl.docx",
    "penetapan_kinerja": "penetapan_kinerja.docx",
    "dokumentasi": "dokumentasi.docx",
}

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


# --- Jinja environment ---------------------------------------------------------------


class _CachingEnvironment(SandboxedEnvironment):
    """Keeps what it compiled: docxtpl asks for the same large template source each time."""

    _max_entries = 256

    def __init__(self) -> None:
        super().__init__(autoescape=True, undefined=StrictUndefined)
        self._compiled: OrderedDict[str, Template] = OrderedDict()
        self._lock = threading.Lock()

    def from_string(  # type: ignore[override]
        self,
        source: str,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        with self._lock:
            hit = self._compiled.get(source)
            if hit is not None:
                self._compiled.move_to_end(source)
                return hit
        compiled = super().from_string(source)
        with self._lock:
            self._compiled[source] = compiled
            while len(self._compiled) > self._max_entries:
                self._compiled.popitem(last=False)
        return compiled


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[int, int]  # (mtime_ns, size)
    data: bytes


class PaperRenderer:
    """Renders papers from the templates in one folder."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = Path(template_dir) if template_dir else DEFAULT_TEMPLATE_DIR
        self._env = _CachingEnvironment()
        self._bytes: dict[str, _Loaded] = {}
        self._lock = threading.Lock()

    def template_bytes(self, kind: str) -> bytes:
        """The template file of a paper kind, read once and re-read when it changes."""
        path = self.template_dir / TEMPLATES[kind]
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        loaded = self._bytes.get(kind)
        if loaded is None or loaded.stamp != stamp:
            loaded = _Loaded(stamp, path.read_bytes())
            with self._lock:
                self._bytes[kind] = loaded
        return loaded.data

    def render(self, kind: str, context: Mapping[str, Any]) -> bytes:
        """Fill the template of ``kind`` with an already cleaned context; .docx bytes."""
        tpl = DocxTemplate(io.BytesIO(self.template_bytes(kind)))
        tpl.render(dict(context), jinja_env=self._env, autoescape=True)
        props = tpl.docx.core_properties
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        props.created = props.modified = now
        out = io.BytesIO()
        tpl.save(out)
        return out.getvalue()

    # One method per paper -------------------------------------------------------------

    def disposisi(self, p: Disposisi) -> bytes:
        return self.render("disposisi", disposisi_context(p))

    def sk_tim(self, p: SkTim) -> bytes:
        return self.render("sk_tim", sk_tim_context(p))

    def pemeriksaan(self, p: Pemeriksaan) -> bytes:
        return self.render("pemeriksaan", pemeriksaan_context(p))

    def program_kerja(self, p: DraftSkeleton) -> bytes:
        return self.render("program_kerja", skeleton_context(p))

    def rkakl(self, p: DraftSkeleton) -> bytes:
        return self.render("rkakl", skeleton_context(p))

    def penetapan_kinerja(self, p: DraftSkeleton) -> bytes:
        return self.render("penetapan_kinerja", skeleton_context(p))

    def dokumentasi(self, p: Dokumentasi) -> bytes:
        return self.render("dokumentasi", dokumentasi_context(p))


_default = PaperRenderer()


def set_template_dir(template_dir: Path | None) -> None:
    """Use templates from another folder (an office's edited copies); None: the default."""
    global _default
    _default = PaperRenderer(template_dir)


def render_disposisi(p: Disposisi) -> bytes:
    """Lembar Disposisi (SOP steps 2-4)."""
    return _default.disposisi(p)


def render_sk_tim(p: SkTim) -> bytes:
    """Draft Keputusan (SK) forming the Tim Penyusunan, with the team in its Lampiran."""
    return _default.sk_tim(p)


def render_pemeriksaan(p: Pemeriksaan) -> bytes:
    """Lembar Pemeriksaan of one review step (2, 3, 7, 8, 9)."""
    return _default.pemeriksaan(p)


def render_program_kerja(p: DraftSkeleton) -> bytes:
    """Skeleton of the Program Kerja draft (step 6)."""
    return _default.program_kerja(p)


def render_rkakl(p: DraftSkeleton) -> bytes:
    """Skeleton of the RKAKL draft (step 6)."""
    return _default.rkakl(p)


def render_penetapan_kinerja(p: DraftSkeleton) -> bytes:
    """Skeleton of the Penetapan Kinerja draft (step 6)."""
    return _default.penetapan_kinerja(p)


def render_dokumentasi(p: Dokumentasi) -> bytes:
    """Dokumentasi: the archive record of a finished case (step 12)."""
    return _default.dokumentasi(p)


# --- file names ----------------------------------------------------------------------

# Paper kind (and accepted spellings) -> the word that starts its file name.
KINDS: Mapping[str, str] = {
    "disposisi": "disposisi",
    "sk": "sk-tim",
    "sk-tim": "sk-tim",
    "pemeriksaan": "pemeriksaan",
    "program-kerja": "program-kerja",
    "rkakl": "rkakl",
    "kinerja": "penetapan-kinerja",
    "penetapan-kinerja": "penetapan-kinerja",
    "dokumentasi": "dokumentasi",
    "arsip": "arsip-dokumentasi",
}

_SLUG_DROP = re.compile(r"[^A-Za-z0-9.]+")


def _slug(text: str, limit: int = 60) -> str:
    return _SLUG_DROP.sub("-", clean(text)).strip("-.")[:limit].strip("-.")


def file_name(kind: str, case_no: str, extra: str = "") -> str:
    """A file name that says which paper it is: ``file_name("disposisi", "K7", "langkah2")``
    -> "disposisi-K7-langkah2.docx". Kinds: disposisi, sk (sk_tim), pemeriksaan,
    program_kerja, rkakl, kinerja (penetapan_kinerja), dokumentasi; and arsip for the
    .zip of :func:`bot.papers.archive.bundle_zip`. Only ASCII letters, digits, dots and
    dashes remain of case_no and extra."""
    key = kind.strip().lower().replace("_", "-")
    if key not in KINDS:
        raise ValueError(f"unknown paper kind: {kind!r}")
    parts = [KINDS[key], _slug(case_no) or "tanpa-nomor"]
    if extra_slug := _slug(extra):
        parts.append(extra_slug)
    return "-".join(parts) + (".zip" if key == "arsip" else ".docx")


# --- contexts ------------------------------------------------------------------------
# Everything handed to a template is a plain str (or a dict/list of them), cleaned here.


def _kop(k: Letterhead) -> dict[str, str]:
    return {
        "ministry": clean(k.ministry),
        "secretariat": clean(k.secretariat),
        "bureau": clean(k.bureau),
        "address": clean(k.address),
        "city": clean(k.city),
    }


def _case(c: CaseInfo) -> dict[str, str]:
    return {
        "case_no": _or(c.case_no),
        "title": _or(c.title),
        "unit": _or(c.unit),
        "fiscal_year": clean(c.fiscal_year),
        "sop_number": _or(c.sop_number),
        "sop_name": _or(c.sop_name),
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
        "nip": clean(o.nip).strip(),
        "position": _or(o.position),
        "title": _title(o.position, title_fallback),
    }


def _base(letterhead: Letterhead, case: CaseInfo) -> dict[str, Any]:
    return {"kop": _kop(letterhead), "case": _case(case)}


def _head_title(letterhead: Letterhead) -> str:
    bureau = clean(letterhead.bureau).strip()
    return f"KEPALA {bureau.upper()}" if bureau else DOTS


def _stamp(dt: datetime) -> str:
    """Date and time in a table cell: two lines."""
    return f"{tanggal(dt)}\n{jam(dt)}"


def _mark_letter(i: int) -> str:
    """a, b, ..., z, aa, ab, ...: the lettering of Menimbang."""
    letters = ""
    i += 1
    while i > 0:
        i, r = divmod(i - 1, 26)
        letters = chr(ord("a") + r) + letters
    return letters + "."


def disposisi_context(p: Disposisi) -> dict[str, Any]:
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
            "nip": _or(m.nip),
            "position": _or(m.position),
            "position_in_team": _or(m.position_in_team),
        }
        for i, m in enumerate(members, 1)
    ]


def sk_tim_context(p: SkTim) -> dict[str, Any]:
    menimbang = [clean(t) for t in p.menimbang] or [DOTS]
    mengingat = [clean(t) for t in p.mengingat] or [DOTS]
    return {
        **_base(p.letterhead, p.case),
        "decree_number": _or(p.decree_number, DOTS),
        "date": tanggal(p.date),
        "city": _or(p.city, "") or _or(p.letterhead.city, DOTS),
        "menimbang": [{"mark": _mark_letter(i), "text": t} for i, t in enumerate(menimbang)],
        "mengingat": [{"mark": f"{i}.", "text": t} for i, t in enumerate(mengingat, 1)],
        "members": _members(p.members),
        "signer": _official(p.signer, _head_title(p.letterhead)),
    }


def _files(files: Iterable[FileRecord]) -> list[dict[str, str]]:
    return [
        {
            "no": f"{i}.",
            "document": _or(f.document),
            "file_name": _or(f.file_name),
            "version": clean(f.version),
            "sha256": _or(f.sha256),
            "uploaded_by": _or(f.uploaded_by),
            "uploaded_at": f"{tanggal(f.uploaded_at)}, {jam(f.uploaded_at)}",
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


def pemeriksaan_context(p: Pemeriksaan) -> dict[str, Any]:
    returned = clean(p.decision).strip().lower().startswith(RETURNED.split()[0].lower())
    return {
        **_base(p.letterhead, p.case),
        "step_no": clean(p.step_no),
        "step_title": _or(p.step_title),
        "reviewer": _official(p.reviewer),
        "reviewer_role": _or(p.reviewer_role),
        "decided_day": hari_tanggal(p.decided_at),
        "decided_date": tanggal(p.decided_at),
        "decided_time": jam(p.decided_at),
        "decision": _or(p.decision),
        "reason_label": "Alasan pengembalian" if returned else "Catatan",
        "reason": _or(p.reason),
        "items": _items(p.items),
        "files": _files(p.files),
    }


def skeleton_context(p: DraftSkeleton) -> dict[str, Any]:
    officials = p.officials
    return {
        **_base(p.letterhead, p.case),
        "date": tanggal(p.date),
        "karo": _official(officials.get("karo"), _head_title(p.letterhead)),
        "kabag": _official(officials.get("kabag")),
        "kasubag": _official(officials.get("kasubag")),
        "atasan": _official(officials.get("atasan")),
    }


def _approvals(approvals: Iterable[ApprovalRecord]) -> list[dict[str, str]]:
    rows = []
    for i, a in enumerate(approvals, 1):
        nip = clean(a.official.nip).strip()
        rows.append(
            {
                "no": f"{i}.",
                "kind": _or(a.kind),
                "name": _or(a.official.name),
                "nip_line": f"NIP {nip}" if nip else "",
                "position": _or(a.official.position),
                "role": clean(a.role),
                "step_no": clean(a.step_no),
                "at": _stamp(a.at),
            }
        )
    return rows


def _events(events: Iterable[EventRecord]) -> list[dict[str, str]]:
    rows = []
    for i, e in enumerate(events, 1):
        title = clean(e.step_title).strip()
        step = f"{e.step_no}. {title}" if e.step_no > 0 else (title or DASH)
        rows.append(
            {
                "no": f"{i}.",
                "at": _stamp(e.at),
                "actor": _or(e.actor),
                "role": clean(e.role),
                "step": step.strip(),
                "action": _or(e.action),
                "reason": _or(e.reason),
            }
        )
    return rows


def _signed(n: int) -> str:
    return f"+{angka(n)}" if n > 0 else angka(n)


def _verdict(diff: int) -> str:
    if diff > 0:
        return "Melebihi norma"
    if diff < 0:
        return "Di bawah norma"
    return "Sesuai norma"


def _step_times(steps: Sequence[StepTime]) -> tuple[list[dict[str, str]], dict[str, str]]:
    rows = []
    for s in steps:
        has_norm = s.norm_minutes > 0
        diff = s.actual_minutes - s.norm_minutes
        rows.append(
            {
                "step_no": clean(s.step_no),
                "title": _or(s.title),
                "norm": angka(s.norm_minutes) if has_norm else DASH,
                "actual": angka(s.actual_minutes),
                "diff": _signed(diff) if has_norm else DASH,
                "note": _verdict(diff) if has_norm else "Norma belum ditetapkan",
            }
        )
    normed = [s for s in steps if s.norm_minutes > 0]
    norm_total = sum(s.norm_minutes for s in normed)
    diff_total = sum(s.actual_minutes - s.norm_minutes for s in normed)
    total = {
        "norm": angka(norm_total) if normed else DASH,
        "actual": angka(sum(s.actual_minutes for s in steps)),
        "diff": _signed(diff_total) if normed else DASH,
        "note": _verdict(diff_total) if normed else DASH,
    }
    return rows, total


def dokumentasi_context(p: Dokumentasi) -> dict[str, Any]:
    steps, total = _step_times(p.step_times)
    return {
        **_base(p.letterhead, p.case),
        "archived_day": hari_tanggal(p.archived_at),
        "archived_date": tanggal(p.archived_at),
        "archived_time": jam(p.archived_at),
        "archive_reference": _or(p.archive_reference),
        "archivist": _official(p.archivist),
        "final_files": _files(p.final_files),
        "approvals": _approvals(p.approvals),
        "events": _events(p.events),
        "step_times": steps,
        "total": total,
    }
