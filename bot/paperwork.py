"""From a case in the database to its official papers (.docx), rendered off the event loop.

The outbox asks for a paper by kind and by the event that produced it; the case is rebuilt
from its event log up to that event, so a paper shows the case exactly as it was then,
even when it is rendered later (after a restart or an outage).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from bot.config import Config
from bot.core.definition import SopDefinition
from bot.core.model import Case, Event, EventType
from bot.core.workflow import replay
from bot.filestore import FileStore
from bot.outbox import RenderedPaper
from bot.papers import render
from bot.papers.archive import bundle_zip
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
from bot.services.registry import SopRegistry
from bot.views import ACTION_WORDS
from bot.worktime import WorkCalendar
from storage import repo
from storage.db import Database, Tx

P = TypeVar("P")

SKELETONS: dict[str, tuple[str, Callable[[DraftSkeleton], bytes]]] = {
    "program_kerja": ("program-kerja", render.render_program_kerja),
    "rkakl": ("rkakl", render.render_rkakl),
    "penetapan_kinerja": ("kinerja", render.render_penetapan_kinerja),
}
KNOWN_PAPERS = frozenset({"disposisi", "sk_tim", "pemeriksaan", "dokumentasi", *SKELETONS})

MENIMBANG = (
    "bahwa dalam rangka penyusunan Program Kerja, Rencana Kerja dan Anggaran Kementerian/Lembaga "
    "(RKAKL), dan Penetapan Kinerja Biro Tahun Anggaran {year} perlu dibentuk Tim Penyusunan;",
    "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a, perlu menetapkan "
    "Keputusan Kepala Biro tentang Pembentukan Tim Penyusunan;",
)


def initials(name: str) -> str:
    words = [w for w in name.replace(",", " ").split() if w[:1].isalpha() and not w.endswith(".")]
    return "".join(w[0].upper() for w in words[:4])


class Paperwork:
    def __init__(
        self, db: Database, sops: SopRegistry, config: Config, calendar: WorkCalendar
    ) -> None:
        self.db, self.sops, self.config, self.calendar = db, sops, config, calendar
        org = config.organisation
        self.letterhead = Letterhead(
            org.ministry, org.secretariat, org.bureau, org.address, org.city
        )

    async def make(self, case_id: int, paper: str, seq: int) -> list[RenderedPaper]:
        loaded = await self.db.read(_load, case_id)
        if loaded is None:
            return []
        stored, events, holders, files_list = loaded
        definition = self.sops.of(stored)
        upto = events[:seq] if seq > 0 else events
        case = replay(definition, upto)
        event = upto[-1]
        people = dict(holders)
        people.update(
            await self.db.read(repo.people_by_ids, [e.actor for e in events] + list(case.team))
        )
        files = {f.id: f for f in files_list}
        ctx = _Context(self, definition, case, event, events, people, files)
        if paper in SKELETONS:
            return await ctx.skeleton(paper)
        builder = {
            "disposisi": ctx.disposisi,
            "sk_tim": ctx.sk_tim,
            "pemeriksaan": ctx.pemeriksaan,
            "dokumentasi": ctx.dokumentasi,
        }.get(paper)
        if builder is None:
            raise ValueError(f"unknown paper {paper!r}")
        return await builder()


def _load(
    tx: Tx, case_id: int
) -> tuple[Case, list[Event], dict[int, repo.Person], list[repo.StoredFile]] | None:
    case = repo.load_case(tx, case_id)
    events = repo.load_events(tx, case_id)
    if case is None or not events:
        return None
    return case, events, {}, repo.files_of_case(tx, case_id)


class _Context:
    """One paper request: the case as of the event, and who is who."""

    def __init__(
        self,
        work: Paperwork,
        definition: SopDefinition,
        case: Case,
        event: Event,
        events: Sequence[Event],
        people: dict[int, repo.Person],
        files: dict[int, repo.StoredFile],
    ) -> None:
        self.w, self.d, self.case, self.event, self.events = work, definition, case, event, events
        self.people, self.files = people, files
        self.case_no = f"B{case.id}"
        self.info = CaseInfo(
            self.case_no,
            case.title,
            work.config.organisation.unit_name,
            case.fiscal_year,
            definition.header.number,
            definition.header.name,
        )

    def official(self, person_id: int | None, role: str = "") -> Official:
        title = self.d.role(role).title if role and self.d.has_role(role) else ""
        person = self.people.get(person_id) if person_id is not None else None
        if person is None:
            return Official("", "", title)
        return Official(person.display, person.nip, person.position or title)

    async def holder(self, role: str) -> Official:
        holders = await self.w.db.read(repo.holders, self.case.unit, role)
        if not holders:
            return self.official(None, role)
        self.people.setdefault(holders[0].telegram_id, holders[0])
        return self.official(holders[0].telegram_id, role)

    def file_records(self, doc_ids: Sequence[str]) -> list[FileRecord]:
        wanted = {self.d.canonical(d) for d in doc_ids}
        records = []
        for a in self.case.latest_files():
            if a.doc in wanted:
                stored = self.files.get(a.file_id)
                who = self.people.get(a.by)
                records.append(
                    FileRecord(
                        self.d.document(a.doc).name,
                        a.name,
                        a.version,
                        a.sha256,
                        who.display if who else str(a.by),
                        stored.uploaded_at if stored else self.event.at,
                    )
                )
        return records

    async def _render(
        self, kind: str, extra: str, doc: str, fn: Callable[[P], bytes], record: P
    ) -> RenderedPaper:
        data = await asyncio.to_thread(fn, record)
        return RenderedPaper(doc, render.file_name(kind, self.case_no, extra), data)

    async def disposisi(self) -> list[RenderedPaper]:
        ev = self.event
        to_step = self.d.step(ev.to_step or ev.step)
        sender = self.official(ev.actor, ev.role)
        paper = Disposisi(
            letterhead=self.w.letterhead,
            case=self.info,
            from_official=sender,
            to_official=await self.holder(to_step.actor),
            date=ev.at.date(),
            instruction=f"Mohon ditindaklanjuti: {to_step.activity}",
            notes=ev.note,
            paraf=initials(sender.name),
            agenda_no=f"{self.case.id}/{ev.step}/{self.case.fiscal_year}",
        )
        return [
            await self._render(
                "disposisi", f"langkah{ev.step}", "paper:disposisi", render.render_disposisi, paper
            )
        ]

    async def sk_tim(self) -> list[RenderedPaper]:
        members = []
        for i, pid in enumerate(self.case.team):
            o = self.official(pid, "tim")
            position = (
                "Ketua"
                if i == 0
                else ("Sekretaris" if i == 1 and len(self.case.team) > 2 else "Anggota")
            )
            members.append(TeamMember(o.name, o.nip, position, o.position))
        top = next(r.id for r in self.d.roles if r.superior is None)
        paper = SkTim(
            letterhead=self.w.letterhead,
            case=self.info,
            decree_number="",
            date=self.event.at.date(),
            menimbang=[m.format(year=self.case.fiscal_year) for m in MENIMBANG],
            mengingat=list(self.d.header.legal_basis),
            members=members,
            signer=await self.holder(top),
            city=self.w.config.organisation.city,
        )
        return [await self._render("sk", "", "paper:sk_tim", render.render_sk_tim, paper)]

    async def pemeriksaan(self) -> list[RenderedPaper]:
        ev = self.event
        step = self.d.step(ev.step)
        before = replay(self.d, self.events[: self.events.index(ev)])
        have = {a.doc for a in before.files} | before.produced
        items = [
            CheckItem(self.d.document(i).name, self.d.canonical(i) in have, "")
            for i in dict.fromkeys(step.inputs)
        ]
        paper = Pemeriksaan(
            letterhead=self.w.letterhead,
            case=self.info,
            step_no=step.id,
            step_title=step.title,
            reviewer=self.official(ev.actor, ev.role),
            reviewer_role=self.d.role(ev.role).name,
            decided_at=ev.at,
            decision=APPROVED if ev.type is EventType.APPROVED else RETURNED,
            reason=ev.reason or ev.note,
            items=items,
            files=self.file_records(step.inputs),
        )
        extra = f"langkah{step.id}-{'setuju' if ev.type is EventType.APPROVED else 'kembali'}-{len(self.events[: self.events.index(ev)])}"
        return [
            await self._render(
                "pemeriksaan", extra, "paper:pemeriksaan", render.render_pemeriksaan, paper
            )
        ]

    async def skeleton(self, paper_kind: str) -> list[RenderedPaper]:
        kind, fn = SKELETONS[paper_kind]
        officials = {}
        for role in ("karo", "kabag", "kasubag"):
            if self.d.has_role(role):
                officials[role] = await self.holder(role)
        paper = DraftSkeleton(self.w.letterhead, self.info, officials, self.event.at.date())
        return [await self._render(kind, "kerangka", f"template:{paper_kind}", fn, paper)]

    def step_times(self) -> list[StepTime]:
        spent: dict[int, int] = {}
        entered: datetime = self.events[0].at
        step = self.events[0].step
        for ev in self.events:
            if ev.is_move:
                spent[step] = spent.get(step, 0) + self.w.calendar.working_minutes_between(
                    entered, ev.at
                )
                entered, step = ev.at, ev.to_step if ev.to_step is not None else ev.step
        return [StepTime(s.id, s.title, s.time_minutes, spent.get(s.id, 0)) for s in self.d.steps]

    async def dokumentasi(self) -> list[RenderedPaper]:
        step = self.d.step(self.event.step)
        final = self.file_records(step.inputs)
        events = []
        for ev in self.events:
            person = self.people.get(ev.actor)
            role = "Administrator" if ev.role == "admin" else self.d.role(ev.role).name
            action = ACTION_WORDS[ev.type]
            if ev.type is EventType.FILE_ATTACHED:
                action += f" {ev.data.get('name', '')} (v{ev.data.get('version')})"
            events.append(
                EventRecord(
                    ev.at,
                    person.display if person else str(ev.actor),
                    role,
                    ev.step,
                    self.d.step(ev.step).title,
                    action,
                    ev.reason or ev.note,
                )
            )
        # a step approved again after a return keeps only its latest paraf or signature
        standing = {a.step: a for a in self.case.approvals}
        approvals = [
            ApprovalRecord(
                "Tanda tangan" if a.kind == "signature" else "Paraf",
                self.official(a.by, a.role),
                self.d.role(a.role).name,
                a.at,
                a.step,
            )
            for a in sorted(standing.values(), key=lambda a: a.step)
        ]
        paper = Dokumentasi(
            letterhead=self.w.letterhead,
            case=self.info,
            archived_at=self.event.at,
            archive_reference=self.case.archive_reference or "",
            archivist=self.official(self.event.actor, self.event.role),
            final_files=final,
            events=events,
            approvals=approvals,
            step_times=self.step_times(),
        )
        record = await self._render(
            "dokumentasi", "", "paper:dokumentasi", render.render_dokumentasi, paper
        )
        contents = []
        wanted = {self.d.canonical(d) for d in step.inputs}
        for a in self.case.latest_files():
            stored = self.files.get(a.file_id)
            if a.doc in wanted and stored is not None:
                data = await FileStore(self.w.config.storage.files_dir).read(stored.path)
                contents.append((a.name, data))
        archive = await asyncio.to_thread(bundle_zip, record.data, contents, when=self.event.at)
        zip_paper = RenderedPaper("paper:arsip", render.file_name("arsip", self.case_no), archive)
        return [record, zip_paper]
