"""From a case in the database to its official papers (.docx), rendered off the event loop.

The outbox asks for a paper by kind (a name of :func:`bot.papers.registry.paper_kinds`) and by
the event that produced it; the case is rebuilt from its event log up to that event, so a
paper shows the case exactly as it was then, even when it is rendered later (after a
restart or an outage). Dates and times are written in the office's zone
(``time.timezone``).

File names say the case, the step and which visit of the step the paper belongs to
(``disposisi-B7-langkah2-ke2.docx``: the Disposisi of the second pass through step 2, after
a return), so two papers never share a name. The Dokumentasi and the archive bundle are
made once per case (archiving, or the completion of the last step of an SOP that does not
end in archiving, closes it) and are named by the case alone.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from bot import texts as t
from bot.config import Config
from bot.core.definition import BUDGET_YEAR, Role, SopDefinition, Step, StepKind
from bot.core.model import Case, Event, EventType
from bot.core.workflow import replay
from bot.filestore import ChangedOnDisk, FileStore
from bot.outbox import LeftOut, RenderedPaper, Unwritten
from bot.papers.archive import bundle_zip, named_for, safe_archive_name
from bot.papers.contexts import DOTS
from bot.papers.dates import OfficeZone
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
    PaperKind,
    archive_file_name,
    blank_problems,
    file_name,
    paper_kinds,
    paper_title,
)
from bot.papers.render import PaperRenderer
from bot.services import routing
from bot.services.registry import SopRegistry
from bot.views import (
    acting_role,
    action_text,
    listing,
    role_name,
    set_aside_parts,
    set_aside_text,
    team_name,
    team_roles,
)
from bot.worktime import WorkCalendar
from storage import repo
from storage.db import Database, Tx

R = TypeVar("R")


def renderer_for(config: Config) -> PaperRenderer:
    """The renderer of a deployment: the office's templates (``papers.templates_dir``,
    the shipped ones where it has none) and its time zone (``time.timezone``)."""
    return PaperRenderer(config.papers.templates_dir, OfficeZone.named(config.time.timezone))


def paper_problems(definition: SopDefinition) -> list[str]:
    """Every paper name in an SOP definition that is not a paper kind of it (the registered
    kinds and its own blank drafts), as ``steps[2].papers: unknown paper 'disposisi_typo'
    (known: ...)``, and every blank draft of its own named as a registered kind."""
    kinds = paper_kinds(definition)
    known = ", ".join(kinds)
    problems = blank_problems(definition)

    def check(path: str, name: str) -> None:
        if name not in kinds:
            problems.append(f"{path}: unknown paper '{name}' (known: {known})")

    for doc in definition.documents:
        if doc.paper is not None:
            check(f"documents.{doc.id}.paper", doc.paper)
    for i, step in enumerate(definition.steps):
        for name in step.papers:
            check(f"steps[{i}].papers", name)
        for name in step.templates:
            check(f"steps[{i}].templates", name)
    return problems


def menimbang(
    sop_name: str,
    year: int,
    team: str,
    issuer: str,
    amended: bool = False,
    year_label: str = BUDGET_YEAR,
) -> list[str]:
    """The SK Tim's considerations, from the SOP: "bahwa dalam rangka penyusunan Program
    Kerja, ... Tahun Anggaran 2027 perlu dibentuk Tim Penyusunan; ..."; those of an amending
    decree say that the team was formed and its members must change. The last names the
    Keputusan by its full title, as the decree's heading does ("Pembentukan Tim Penyusunan
    Program Kerja, ... Tahun Anggaran 2027"); ``issuer`` is the top role's full title."""
    activity = sop_name[:1].lower() + sop_name[1:]
    subject = t.SK_SUBJECT.format(sop=sop_name, year_label=year_label, year=year)
    lines = t.SK_AMENDED_CONSIDERATIONS if amended else t.SK_CONSIDERATIONS
    return [
        line.format(
            activity=activity,
            year_label=year_label,
            year=year,
            team=team,
            issuer=issuer,
            subject=subject,
        )
        for line in lines
    ]


def amended_decree(
    sop_name: str, year: int, issuer: str, changes: int = 1, year_label: str = BUDGET_YEAR
) -> str:
    """The decree an amending SK Tim amends, as its last Mengingat and its Diktum KESATU
    cite it: "Keputusan Kepala Biro ... Nomor ...... tentang Pembentukan Tim ... Tahun
    Anggaran 2027"; from the ``changes``-th amendment on, with the amendments made before
    it ("sebagaimana telah diubah dengan Keputusan ... tentang Perubahan Susunan
    Keanggotaan ..."). The numbers are dots, as the decree's own: the office writes them."""
    subject = t.SK_SUBJECT.format(sop=sop_name, year_label=year_label, year=year)
    cited = t.SK_AMENDED_DECREE.format(issuer=issuer, dots=DOTS, subject=subject)
    if changes > 1:
        how = t.SK_AMENDED_ONCE if changes == 2 else t.SK_AMENDED_MORE
        cited += t.SK_AMENDED_BEFORE.format(how=how, issuer=issuer, dots=DOTS, subject=subject)
    return cited


def team_step_of(definition: SopDefinition, step_id: int | None = None) -> Step | None:
    """The team step an SK Tim belongs to: step ``step_id`` if it is one, else the SOP's
    first team step (None: the SOP forms no team)."""
    return definition.team_step(step_id)


def team_role(definition: SopDefinition, team_step: Step | None) -> Role | None:
    """The role the team step forms (its ``team``), as the team's task and history name it
    (:func:`bot.views.team_name`): one function, :meth:`SopDefinition.team_role`. None
    without a team step."""
    return definition.team_role(team_step.id) if team_step is not None else None


def team_duties(
    definition: SopDefinition, team_step: Step | None, current: SopDefinition | None = None
) -> list[str]:
    """Diktum KEDUA of the SK Tim, unpunctuated: the duties the SOP states on its team step
    (``team_duties``), else those :func:`derived_team_duties` reads from the SOP. A case of
    an earlier revision that stated none takes those the ``current`` revision states for
    the same team step (a file that gained the key keeps its running cases' decrees as the
    office words them)."""
    if team_step is None:
        return []
    if team_step.team_duties:
        return list(team_step.team_duties)
    if current is not None and current.has_step(team_step.id):
        now = current.step(team_step.id)
        if now.kind is StepKind.TEAM and now.team_duties:
            return list(now.team_duties)
    return derived_team_duties(definition, team_step)


def derived_team_duties(definition: SopDefinition, team_step: Step) -> list[str]:
    """The team's duties as the SOP shows them, for a team step that does not state them:

    * for every step the team acts in (after its forming, up to the next team step), its
      title as a task ("melaksanakan penyusunan draf", the "oleh Tim" of the title left
      out), handing the step's documents to the official of the next step: "... dan
      menyerahkan Draf Program Kerja, ... kepada Kepala Subbagian";
    * correcting its work after the review steps that may return it: "memperbaiki Draf
      Program Kerja, ... sesuai hasil pemeriksaan Kepala Subbagian, ..., dan Kepala Biro
      Perencanaan" (every review of the chain whose step returns to the team);
    * reporting to the issuer of the decree, the SOP's top role, through the team's
      superior: "melaporkan pelaksanaan tugas kepada Kepala Biro Perencanaan melalui
      Kepala Subbagian".

    Officials are named by their roles' titles, documents by their names in the SOP."""
    team = team_role(definition, team_step)
    if team is None:
        return []
    later = definition.steps[definition.position(team_step.id) + 1 :]
    work: list[Step] = []
    for step in later:
        if step.kind is StepKind.TEAM:
            break
        if step.actor == team.id:
            work.append(step)
    duties = []
    for step in work:
        duty = _as_task(_without_team_agent(step.title.strip(), team))
        following = (
            definition.step(step.on_approve)
            if step.on_approve is not None and definition.has_step(step.on_approve)
            else None
        )
        if following is not None and following.actor != team.id:
            what = _listing(_work_documents(definition, [step])) or t.DUTY_HAND_ON_RESULT
            official = definition.role(following.actor).title
            duty += t.DUTY_HAND_ON.format(what=what, official=official)
        duties.append(duty)
    work_ids = {s.id for s in work}
    returned = [s for s in definition.steps if s.is_review and s.on_return in work_ids]
    chain = {i for s in returned for i in definition.review_chain(s.id)}
    reviewers = [definition.role(s.actor).title for s in definition.steps if s.id in chain]
    if reviewers:
        targets = [definition.step(s.on_return) for s in returned if s.on_return is not None]
        what = _listing(_work_documents(definition, targets)) or t.DUTY_CORRECT_WORK.format(
            team=team.name
        )
        duties.append(t.DUTY_CORRECT.format(what=what, reviewers=_listing(reviewers)))
    top = next(r for r in definition.roles if r.superior is None)
    report = t.DUTY_REPORT.format(official=top.title)
    if team.superior is not None and team.superior != top.id:
        report += t.DUTY_REPORT_THROUGH.format(official=definition.role(team.superior).title)
    duties.append(report)
    return duties


def _listing(items: Iterable[str]) -> str:
    """ "A", "A dan B", "A, B, dan C": each item once, in order."""
    return listing(list(dict.fromkeys(items)))


def _work_documents(definition: SopDefinition, steps: Iterable[Step]) -> list[str]:
    """The names of what the steps hand on: their outputs, else their required uploads."""
    names = []
    for step in steps:
        docs = step.outputs or tuple(d for d in step.uploads if not definition.document(d).optional)
        names += [definition.document(d).name for d in docs]
    return names


def _without_team_agent(title: str, team: Role) -> str:
    """ "Penyusunan draf oleh Tim" -> "Penyusunan draf": the team is the decree's subject."""
    head, sep, agent = title.rpartition(" oleh ")
    who = agent.strip().casefold()
    if (
        sep
        and head.strip()
        and (who in (team.name.casefold(), team.title.casefold()) or who.split()[:1] == ["tim"])
    ):
        return head.strip()
    return title


_VERB = re.compile(r"me[a-z]{3,}\b")


def _as_task(title: str) -> str:
    """A step title as a duty: "Penyusunan draf" -> "melaksanakan penyusunan draf"; a title
    that is already a verb ("Menyusun draf") only starts in lower case; an acronym ("TOR")
    keeps its case."""
    text = title if title[1:2].isupper() else title[:1].lower() + title[1:]
    return text if _VERB.match(text) else t.DUTY_AS_TASK.format(task=text)


def skeleton_signers(definition: SopDefinition, step: Step | None = None) -> dict[str, str]:
    """Who signs the blank drafts, by the templates' slots: ``kasubag`` is the team's
    superior, ``karo`` the SOP's top official, ``kabag`` the level between them (the
    bureau's three; another SOP's roles fill them by rank, not by name). An SOP without a
    team step fills them by name; one whose roles have none of those names, by rank above
    the holder of ``step`` (the step that hands the draft out: the P.P.K.'s Konsep SPP-LS
    is signed by the PP-SPM above him)."""
    team = team_role(definition, team_step_of(definition))
    if team is None:
        named = ("karo", "kabag", "kasubag")
        by_name = {role: role for role in named if definition.has_role(role)}
        if by_name or step is None or not definition.has_role(step.actor):
            return by_name
        above = definition.role(step.actor).superior
    else:
        above = team.superior
    chain: list[str] = []
    role = above
    while role is not None and role not in chain:
        chain.append(role)
        role = definition.role(role).superior
    slots: dict[str, str] = {}
    if chain:
        slots["karo"] = chain[-1]
    if len(chain) >= 2:
        slots["kasubag"] = chain[0]
    if len(chain) >= 3:
        slots["kabag"] = chain[1]
    return slots


def approval_path(definition: SopDefinition, from_step: Step) -> list[Step]:
    """The steps that follow ``from_step`` when every one of them is approved, in order."""
    path: list[Step] = []
    seen = {from_step.id}
    step = from_step
    while step.on_approve is not None and step.on_approve not in seen:
        if not definition.has_step(step.on_approve):
            break
        step = definition.step(step.on_approve)
        seen.add(step.id)
        path.append(step)
    return path


def signing_step(definition: SopDefinition, from_step: Step, role: str) -> Step | None:
    """The step where ``role`` signs what ``from_step`` hands on: following the approvals
    from it, the first step of the role that gives a paraf or a signature (the Kasubag's
    review of the drafts, the Karo's signing of them). None: the role gives neither."""
    path = approval_path(definition, from_step)
    return next((s for s in path if s.actor == role and s.approval is not None), None)


def final_documents(step: Step) -> tuple[str, ...]:
    """The documents the Dokumentasi and the archive bundle hold as a finished case's
    final documents: an archive step's inputs (what is filed); at the last step of an SOP
    that does not end in archiving, what that step produces, works on and takes in, each
    once, in that order (a signature at a last review step names the signed document by
    its output's name, not the draft's)."""
    if step.kind is StepKind.ARCHIVE:
        return step.inputs
    return tuple(dict.fromkeys((*step.outputs, *step.inputs, *step.uploads)))


def template_entry(
    definition: SopDefinition, events: Sequence[Event], paper: str, step: int
) -> tuple[int, int]:
    """The event that brought the case into the step that hands out the blank draft
    ``paper`` (a step listing it in ``templates``), and that step: the latest such move
    (else the last event, at ``step``)."""
    for i in range(len(events) - 1, -1, -1):
        to = events[i].to_step
        if to is not None and definition.has_step(to) and paper in definition.step(to).templates:
            return i, to
    return len(events) - 1, step


def case_info(
    definition: SopDefinition, case_no: str, title: str, unit: str, fiscal_year: int
) -> CaseInfo:
    """What every paper of a case says of it, and of the SOP it runs: its number and name,
    its Peringatan (the Lembar Pemeriksaan), its record keeping (the Dokumentasi) and what
    its year is called, each from the SOP's own definition."""
    header = definition.header
    return CaseInfo(
        case_no, title, unit, fiscal_year, header.number, header.name,
        header.warning, header.record_keeping, header.year_label,
    )  # fmt: skip


def reports_to(book: SopDefinition, role_id: str, superior_id: str) -> bool:
    """Whether ``superior_id`` is above ``role_id`` in the SOP's chain of superiors."""
    seen: set[str] = set()
    current: str | None = role_id
    while current is not None and current not in seen and book.has_role(current):
        seen.add(current)
        current = book.role(current).superior
        if current == superior_id:
            return True
    return False


def disposisi_instruction(book: SopDefinition, sender_role: str, to_step: Step) -> str:
    """The Lembar Disposisi's "Isi Disposisi": a disposisi runs down the hierarchy and
    instructs; one that goes up to a superior (Kabag to Karo) asks for direction instead."""
    if reports_to(book, sender_role, to_step.actor):
        return t.DISPOSISI_UP
    return t.DISPOSISI_DOWN.format(activity=lower_first(to_step.activity))


def lower_first(text: str) -> str:
    """A sentence's first word in lower case after a colon (EYD V), unless it is an
    abbreviation or a name written in capitals ("RKAKL", "SK")."""
    word = text.split(" ", 1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].islower():
        return text[0].lower() + text[1:]
    return text


# gelar written before a name (compared without their dot, in lower case): doktor,
# doktorandus/a, dokter (gigi), insinyur, haji/hajjah, profesor, kiai haji, ners, apoteker
FRONT_GELAR = frozenset({"dr", "drs", "dra", "drg", "ir", "h", "hj", "prof", "kh", "ns", "apt"})


def initials(name: str) -> str:
    """The paraf of the Lembar Disposisi: the initials of the name alone. What follows the
    first comma (the gelar after a name: "S.E., M.M." or "SE, MM") and the gelar before it
    ("Dr. H.", "Dr H") are left out, with or without their dots, and so is an abbreviated
    word ("R.", "Moh.")."""
    words = [
        w
        for w in name.split(",", 1)[0].split()
        if w[:1].isalpha() and not w.endswith(".") and w.lower() not in FRONT_GELAR
    ]
    return "".join(w[0].upper() for w in words[:4])


class Paperwork:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        calendar: WorkCalendar,
        renderer: PaperRenderer,
    ) -> None:
        self.db, self.sops, self.config, self.calendar = db, sops, config, calendar
        self.renderer = renderer
        org = config.organisation
        self.letterhead = Letterhead(
            org.ministry, org.secretariat, org.bureau, org.address, org.city
        )

    async def make(
        self, case_id: int, paper: str, seq: int, unwritten: Sequence[Unwritten] = ()
    ) -> list[RenderedPaper]:
        """The papers of kind ``paper`` for the case as of its event number ``seq``
        (0: as it is now); ``unwritten``: the case's papers an archive bundle goes without,
        as they were never written (named in it), but for one written since they were
        found (by another sender): the bundle holds it, as it holds the case's papers it
        reads, and names only what it goes without (:attr:`RenderedPaper.left_out`)."""
        found = await self.db.read(self._load, case_id, paper, seq)
        if found is None:
            return []
        kind, loaded = found
        context = _Context(self, *loaded)
        written = {(f.doc, f.source_seq) for f in context.files.values() if f.kind == "paper"}
        context.unwritten = tuple(
            u for u in unwritten if (f"paper:{u.paper}", u.seq) not in written
        )
        label = context.paper_name(paper, len(context.events))
        made = await _BUILDERS[kind.record](context, kind)
        return [replace(rendered, label=rendered.label or label) for rendered in made]

    def _load(
        self, tx: Tx, case_id: int, paper: str, seq: int
    ) -> tuple[PaperKind[Any], _Loaded] | None:
        """Everything a paper of the case needs, in one read: its kind among the papers of
        the definition the case runs (an SOP's own blank drafts included), its log up to
        the paper's event and the case as it was then, the definition, the people in it,
        its files, who holds each role now, and who routing gave the steps the paper names
        (:meth:`_routed_steps`) at the paper's event."""
        stored = repo.load_case(tx, case_id)
        events = repo.load_events(tx, case_id)
        if stored is None or not events:
            return None
        definition = self.sops.of(stored)
        kinds = paper_kinds(definition)
        kind = kinds.get(paper)
        if kind is None:
            raise ValueError(f"unknown paper {paper!r} (known: {', '.join(kinds)})")
        upto = events[:seq] if seq > 0 else events
        case = replay(definition, upto)
        holders = {r.id: repo.holders(tx, stored.unit, r.id) for r in definition.roles}
        ids = [p for e in events for p in e.people] + list(stored.team)
        ids += [p.telegram_id for people in holders.values() for p in people]
        appointments = repo.appointments(tx, stored.unit)
        ids += [a.person_id for a in appointments]
        routes: dict[int, routing.Route] = {}
        ahead = case
        for step, at in self._routed_steps(definition, case, upto, kind):
            if ahead.step != step:
                ahead = replace(ahead, step=step)
            routes[step] = route = routing.route(tx, definition, ahead, at)
            ids += route.people
            if definition.step(step).is_review and route.people:
                # who initials a level ahead may not review another level (four eyes)
                ahead = replace(ahead, reviewers=(*ahead.reviewers, (step, route.people[0])))
        people = repo.people_by_ids(tx, ids)
        earlier = repo.earlier_profiles(tx, people)
        files = {f.id: f for f in repo.files_of_case(tx, case_id)}
        return kind, (definition, case, upto, people, earlier, files, holders, appointments, routes)

    @staticmethod
    def _routed_steps(
        definition: SopDefinition, case: Case, events: Sequence[Event], kind: PaperKind[Any]
    ) -> list[tuple[int, datetime]]:
        """The steps whose holder a paper names, with when, in the order the case takes
        them: a Disposisi's addressee holds the step it sends the case to, as routed by its
        move; a blank draft's signature slots name who signs at each role's signing step
        (:func:`signing_step`), as routing stands when the draft is handed out and as it
        will stand after the levels before it have initialled the draft."""
        event = events[-1]
        if kind.record is Disposisi:
            return [(event.to_step or event.step, event.at)]
        if kind.record is DraftSkeleton:
            entry, step = template_entry(definition, events, kind.name, case.step)
            roles = set(skeleton_signers(definition, definition.step(step)).values())
            signing: dict[str, Step] = {}
            for s in approval_path(definition, definition.step(step)):
                if s.actor in roles and s.approval is not None:
                    signing.setdefault(s.actor, s)
            return [(s.id, events[entry].at) for s in signing.values()]
        return []


_Loaded = tuple[
    SopDefinition,
    Case,
    list[Event],
    dict[int, repo.Person],
    dict[int, list[repo.EarlierProfile]],
    dict[int, repo.StoredFile],
    dict[str, list[repo.Person]],
    list[repo.Appointment],
    dict[int, routing.Route],
]


class _Context:
    """One paper request: the case as of its event (the last of ``events``), who is who."""

    def __init__(
        self,
        work: Paperwork,
        definition: SopDefinition,
        case: Case,
        events: Sequence[Event],
        people: dict[int, repo.Person],
        earlier: dict[int, list[repo.EarlierProfile]],
        files: dict[int, repo.StoredFile],
        holders: dict[str, list[repo.Person]],
        appointments: list[repo.Appointment],
        routes: dict[int, routing.Route],
    ) -> None:
        self.paperwork, self.definition, self.case, self.events = work, definition, case, events
        self.holders, self.appointments, self.routes = holders, appointments, routes
        self.event = events[-1]
        self.unwritten: tuple[Unwritten, ...] = ()  # papers the bundle goes without
        # the moment whose profiles the paper names people by (:meth:`person`)
        self.names_at = self.event.at
        self.zone = work.renderer.zone
        self.people, self.earlier, self.files = people, earlier, files
        self.case_no = f"B{case.id}"  # in file names, which cannot hold "#"
        self.info = case_info(  # a paper's Nomor Berkas is the number the chat shows: "#7" is 7
            definition, str(case.id), case.title, work.config.organisation.unit_name,
            case.fiscal_year,
        )  # fmt: skip

    def person(self, person_id: int | None, at: datetime | None = None) -> repo.Person | None:
        """A person as their profile stood at the paper's event (``names_at``; or ``at``):
        a paper made again later (sent late, or for the archive) names everyone as it did
        when its event happened, and a correction made since changes no paper already made."""
        person = self.people.get(person_id) if person_id is not None else None
        if person is None:
            return None
        when = self.names_at if at is None else at
        return repo.profile_at(person, self.earlier.get(person.telegram_id, ()), when)

    def _name_of(self, person_id: int) -> str:
        person = self.person(person_id)
        return person.display if person else t.UNNAMED.format(person=person_id)

    def official(self, person_id: int | None, role: str = "", acting: str = "") -> Official:
        """A person as a paper names them (:meth:`person`); an acting official's position
        reads "Plh. Kepala Biro ..." (the signature block then says "Plh. KEPALA BIRO ...")."""
        title = self.definition.role(role).title if role and self.definition.has_role(role) else ""
        person = self.person(person_id)
        if acting:
            prefix = "Plt." if acting == "plt" else "Plh."
            name = person.display if person else ""
            return Official(name, person.nip if person else "", f"{prefix} {title}".strip())
        if person is None:
            return Official("", "", title)
        return Official(person.display, person.nip, person.position or title)

    def by(self, event: Event) -> Official:
        """Who took the decision of ``event``, as acting official where they were one."""
        return self.official(event.actor, event.role, str(event.data.get("acting", "")))

    async def holder(self, role: str) -> Official:
        """Who held ``role`` when the paper's event happened: an acting official in force
        then, else the definitive holder."""
        for a in reversed(self.appointments):
            if a.role == role and a.in_force(self.event.at):
                return self.official(a.person_id, role, a.kind)
        holders = self.holders.get(role, [])
        if not holders:
            return self.official(None, role)
        self.people.setdefault(holders[0].telegram_id, holders[0])
        return self.official(holders[0].telegram_id, role)

    async def routed(self, step: Step) -> Official:
        """Who routing gave ``step`` (read with the paper's inputs): the acting official
        in force, as "Plh."/"Plt.", unless passed over (a definitive-only step, four eyes)
        for the definitive holder; no name where nobody may take it (a vacant role, a
        strategic step no definitive holder may sign). A step not routed: :meth:`holder`."""
        route = self.routes.get(step.id)
        if route is None:
            return await self.holder(step.actor)
        if not route.people:
            return self.official(None, step.actor)
        person = route.people[0]
        appointment = route.appointment
        acting = appointment.kind if appointment and appointment.person_id == person else ""
        return self.official(person, step.actor, acting)

    def visit(self, step: int, before: int) -> int:
        """Which pass through ``step`` the case is on after its first ``before`` events:
        the moves into the step among them (the case starts at its first event's step)."""
        entries = sum(1 for e in self.events[:before] if e.is_move and e.to_step == step)
        return entries + (1 if self.events[0].step == step else 0)

    def step_visit(self) -> tuple[str, str]:
        """ "langkah2", "ke1": the step of the event and the pass through it."""
        ev = self.event
        return f"langkah{ev.step}", f"ke{self.visit(ev.step, len(self.events) - 1)}"

    def agenda_no(self, year: int) -> str:
        """The Lembar Disposisi's "No. Agenda": the case, the step and, from its second pass
        (a return brought the case back, and the step is decided again), the pass through
        it ("1/2-3/2026", the sheet filed as disposisi-B1-langkah2-ke3.docx), so that two
        sheets never share a number; in the agenda book of the year it is written in, as
        its date is (a case for TA 2027 is worked in 2026), not the case's fiscal year."""
        ev = self.event
        visit = self.visit(ev.step, len(self.events) - 1)
        return f"{self.case.id}/{ev.step}{f'-{visit}' if visit > 1 else ''}/{year}"

    def file_records(
        self, doc_ids: Sequence[str], left_out: Mapping[int, str] | None = None
    ) -> list[FileRecord]:
        """The latest files of ``doc_ids`` (a step's inputs), each by the name the step
        gives it (the signed "Program Kerja", not the "Draf Program Kerja" it came as);
        those in ``left_out`` (file id: why, a key of :data:`bot.texts.LEFT_OUT_WHY`) say
        the archive does not hold them, and why."""
        names = self.definition.names_in(doc_ids)
        records = []
        for a in self.case.latest_files():
            if a.doc in names:
                stored = self.files.get(a.file_id)
                who = self.person(a.by)
                why = (left_out or {}).get(a.file_id)
                records.append(
                    FileRecord(
                        names[a.doc],
                        a.name,
                        a.version,
                        a.sha256,
                        who.display if who else str(a.by),
                        stored.uploaded_at if stored else self.event.at,
                        t.DOKUMENTASI_LEFT_OUT.format(why=t.LEFT_OUT_WHY[why]) if why else "",
                    )
                )
        return records

    async def render(self, kind: PaperKind[R], record: R, doc: str, *extra: str) -> RenderedPaper:
        data = await asyncio.to_thread(self.paperwork.renderer.render, kind, record)
        return RenderedPaper(doc, file_name(kind, self.case_no, *extra), data)

    async def disposisi(self, kind: PaperKind[Disposisi]) -> list[RenderedPaper]:
        ev = self.event
        to_step = self.definition.step(ev.to_step or ev.step)
        sender = self.by(ev)
        day = self.zone.day(ev.at)
        paper = Disposisi(
            letterhead=self.paperwork.letterhead,
            case=self.info,
            from_official=sender,
            to_official=await self.routed(to_step),
            date=day,
            instruction=disposisi_instruction(self.definition, ev.role, to_step),
            notes=ev.note,
            paraf=initials(sender.name),
            agenda_no=self.agenda_no(day.year),
        )
        return [await self.render(kind, paper, f"paper:{kind.name}", *self.step_visit())]

    async def sk_tim(self, kind: PaperKind[SkTim]) -> list[RenderedPaper]:
        step = team_step_of(self.definition, self.event.step)
        team = team_role(self.definition, step)
        members = []
        places = team_roles(len(self.case.team))
        for pid, position in zip(self.case.team, places, strict=True):
            o = self.official(pid, team.id if team else "")
            members.append(TeamMember(o.name, o.nip, position, o.position))
        top = next(r for r in self.definition.roles if r.superior is None)
        year = self.case.fiscal_year
        team_name = team.name if team else t.TEAM_DEFAULT_NAME
        # a place passed on after the team was formed: the decree that amends it, citing
        # the one it amends (and the amendments before it)
        amended = self.event.type is EventType.TEAM_CHANGED
        changes = sum(1 for e in self.events if e.type is EventType.TEAM_CHANGED)
        amends = (
            amended_decree(
                self.definition.header.name,
                year,
                top.title,
                changes,
                self.definition.header.year_label,
            )
            if amended
            else ""
        )
        paper = SkTim(
            letterhead=self.paperwork.letterhead,
            case=self.info,
            decree_number="",
            date=self.zone.day(self.event.at),
            menimbang=menimbang(
                self.definition.header.name,
                year,
                team_name,
                top.title,
                amended,
                year_label=self.definition.header.year_label,
            ),
            mengingat=[*self.definition.header.legal_basis, *([amends] if amends else [])],
            members=members,
            signer=await self.holder(top.id),
            city=self.paperwork.config.organisation.city,
            duties=team_duties(
                self.definition, step, self.paperwork.sops.current(self.definition.code)
            ),
            amended=amended,
            amends=amends,
        )
        if amended:
            extra: tuple[str, ...] = ("perubahan", str(changes))
        else:
            extra = self.step_visit()
        return [await self.render(kind, paper, f"paper:{kind.name}", *extra)]

    async def pemeriksaan(self, kind: PaperKind[Pemeriksaan]) -> list[RenderedPaper]:
        ev = self.event
        step = self.definition.step(ev.step)
        before = replay(self.definition, self.events[:-1])
        have = {a.doc for a in before.files} | before.produced
        items = [
            CheckItem(self.definition.document(i).name, self.definition.canonical(i) in have, "")
            for i in dict.fromkeys(step.inputs)
        ]
        approved = ev.type is EventType.APPROVED
        # where four eyes gave way to the one official who may decide: said on his paper
        parts = set_aside_parts(ev)
        set_aside = (
            t.FOUR_EYES_SET_ASIDE.format(did=set_aside_text(self.definition, parts))
            if parts
            else ""
        )
        paper = Pemeriksaan(
            letterhead=self.paperwork.letterhead,
            case=self.info,
            step_no=step.id,
            step_title=step.title,
            reviewer=self.by(ev),
            reviewer_role=self.definition.role(ev.role).name,
            decided_at=ev.at,
            decision=APPROVED if approved else RETURNED,
            reason="\n".join(part for part in (ev.reason or ev.note, set_aside) if part),
            items=items,
            files=self.file_records(step.inputs),
        )
        verdict = "setuju" if approved else "kembali"
        return [await self.render(kind, paper, f"paper:{kind.name}", *self.step_visit(), verdict)]

    async def skeleton(self, kind: PaperKind[DraftSkeleton]) -> list[RenderedPaper]:
        """A blank draft handed to the holder of a step that lists it in ``templates``,
        dated and named by the case's entry into that step."""
        entry, step = template_entry(self.definition, self.events, kind.name, self.case.step)
        # each slot names who signs at the step where its role signs the draft: the
        # definitive holder where that step is definitive only (a Plh or Plt takes no
        # strategic decision on budget allocation: UU 30/2014 Pasal 14 ayat (7))
        officials = {}
        for slot, role in skeleton_signers(self.definition, self.definition.step(step)).items():
            signing = signing_step(self.definition, self.definition.step(step), role)
            officials[slot] = await (
                self.routed(signing) if signing is not None else self.holder(role)
            )
        day = self.zone.day(self.events[entry].at)
        paper = DraftSkeleton(self.paperwork.letterhead, self.info, officials, day)
        visit = f"ke{self.visit(step, entry + 1)}"
        doc = f"template:{kind.name}"
        return [await self.render(kind, paper, doc, "kerangka", f"langkah{step}", visit)]

    def step_times(self) -> list[StepTime]:
        spent: dict[int, int] = {}
        entered: datetime = self.events[0].at
        step = self.events[0].step
        for ev in self.events:
            if ev.is_move:
                spent[step] = spent.get(step, 0) + self.paperwork.calendar.working_minutes_between(
                    entered, ev.at
                )
                entered, step = ev.at, ev.to_step if ev.to_step is not None else ev.step
        return [
            StepTime(s.id, s.title, s.time_minutes, spent.get(s.id, 0))
            for s in self.definition.steps
        ]

    def approved_earlier(self, names: Mapping[str, str]) -> dict[tuple[int, int, datetime], str]:
        """Each paraf or signature given on a version of a final document (``names``: its
        name by its document) other than the one filed, by (step, official, when): which
        versions, as the Dokumentasi says them. Kabag corrects a draft Karo returned after
        Kasubag's paraf: hers stands, given on the version before his."""
        filed = {a.doc: a.version for a in self.case.latest_files() if a.doc in names}
        had: dict[str, int] = {}
        earlier: dict[tuple[int, int, datetime], str] = {}
        for ev in self.events:
            if ev.type is EventType.FILE_ATTACHED:
                doc = str(ev.data.get("doc", ""))
                had[doc] = max(had.get(doc, 0), int(ev.data.get("version", 0)))
            elif ev.data.get("approval") and ev.type in (EventType.APPROVED, EventType.COMPLETED):
                older = [
                    t.DOKUMENTASI_DOC_VERSION.format(document=name, version=had[doc])
                    for doc, name in names.items()
                    if 0 < had.get(doc, 0) < filed.get(doc, 0)
                ]
                if older:
                    earlier[(ev.step, ev.actor, ev.at)] = t.DOKUMENTASI_APPROVED_EARLIER.format(
                        documents=listing(older)
                    )
        return earlier

    async def dokumentasi(self, kind: PaperKind[Dokumentasi]) -> list[RenderedPaper]:
        step = self.definition.step(self.event.step)
        # written again for each correction of the archive number (/ubah_arsip), as a new
        # version: archived when and by whom the case was, with the number corrected. A
        # case completed at the last step of an SOP that does not end in archiving: when
        # and by whom it was completed (its event is the paper's), and nothing filed
        archived = next(
            (e for e in reversed(self.events) if e.type is EventType.ARCHIVED), self.event
        )
        completed = archived.type is not EventType.ARCHIVED and step.finishes
        corrections = sum(1 for e in self.events if e.type is EventType.ARCHIVE_CORRECTED)
        version = (f"perbaikan{corrections}",) if corrections else ()
        # written again, it is the paper of the archiving: everyone named as they stood
        # then (a paraf given as Kabag is not shown under a position held months later);
        # a correction after it, by whoever made it then
        self.names_at = archived.at
        doc = f"paper:{kind.name}"
        # the bundle's contents, read first: a file gone from the files folder is left out,
        # and the Dokumentasi says so
        contents, left_out = await self.archive_contents(step, replaced=doc)
        final = self.file_records(final_documents(step), {f.id: why for f, why in left_out})
        events = []
        for ev in self.events:
            person = self.person(ev.actor, max(ev.at, archived.at))
            role = role_name(self.definition, ev.role)
            if acting := str(ev.data.get("acting", "")):
                role = acting_role(self.definition, ev.role, acting)
            action = action_text(self.definition, ev, self._name_of)
            if ev.type is EventType.FILE_ATTACHED:
                shown = t.FILE_VERSIONED.format(
                    name=ev.data.get("name", ""), version=ev.data.get("version")
                )
                action += f" {shown}"
            events.append(
                EventRecord(
                    ev.at,
                    person.display if person else str(ev.actor),
                    role,
                    ev.step,
                    self.definition.step(ev.step).title,
                    action,
                    ev.reason or (t.HISTORY_NOTE.format(note=ev.note) if ev.note else ""),
                )
            )
        # a step approved again after a return keeps only its latest paraf or signature
        standing = {a.step: a for a in self.case.approvals}
        earlier = self.approved_earlier(self.definition.names_in(final_documents(step)))
        approvals = [
            ApprovalRecord(
                "Tanda tangan" if a.kind == "signature" else "Paraf",
                self.official(a.by, a.role, a.acting),
                self.definition.role(a.role).name,
                a.at,
                a.step,
                earlier.get((a.step, a.by, a.at), ""),
            )
            for a in sorted(standing.values(), key=lambda a: a.step)
        ]
        paper = Dokumentasi(
            letterhead=self.paperwork.letterhead,
            case=self.info,
            archived_at=archived.at,
            archive_reference=self.case.archive_reference or "",
            archivist=self.by(archived),
            final_files=final,
            events=events,
            approvals=approvals,
            step_times=self.step_times(),
            office_hours=(self.paperwork.config.time.day_start, self.paperwork.config.time.day_end),
            completed=completed,
        )
        record = await self.render(kind, paper, doc, *version)
        # the files it goes without, then the papers never written (no SHA-256 recorded)
        gone = [LeftOut(f.name, f.path, why) for f, why in left_out]
        gone += [LeftOut(self.paper_name(u.paper, u.seq), "", u.why, u.job) for u in self.unwritten]
        note = ""
        if gone:
            lines = [
                t.ARCHIVE_NOTE_LINE.format(
                    no=i, name=f.name, why=t.LEFT_OUT_WHY[why], sha256=f.sha256
                )
                for i, (f, why) in enumerate(left_out, 1)
            ]
            lines += [
                t.ARCHIVE_NOTE_UNWRITTEN_LINE.format(no=i, name=g.name, why=t.LEFT_OUT_WHY[g.why])
                for i, g in enumerate(gone[len(left_out) :], len(left_out) + 1)
            ]
            note = t.ARCHIVE_NOTE.format(
                case=self.case.id,
                title=self.case.title,
                lines="\n".join(lines),
                about_sha=t.ARCHIVE_NOTE_SHA if left_out else "",
            )
        archive = await asyncio.to_thread(
            bundle_zip, record.data, contents, when=self.event.at, zone=self.zone, left_out=note
        )
        zip_paper = RenderedPaper(
            "paper:arsip", archive_file_name(self.case_no, *version), archive, tuple(gone)
        )
        return [record, zip_paper]

    def paper_name(self, paper: str, seq: int) -> str:
        """The paper ``paper`` of the case's event ``seq`` as the bundle's note and the
        notices name it (one never written, one sent as a supplement): its kind, the step
        of the decision it records and which pass through that step ("Lembar Pemeriksaan
        langkah 3 (ke-1)", as its file is named pemeriksaan-B7-langkah3-ke1)."""
        kind = paper_kinds(self.definition).get(paper)
        if not 0 < seq <= len(self.events):
            return kind.title if kind else t.PAPER_LABEL_OTHER
        event = self.events[seq - 1]
        title = (
            paper_title(kind, team_name(self.definition, event.step))
            if kind
            else t.PAPER_LABEL_OTHER
        )
        visit = self.visit(event.step, seq - 1)
        return t.UNWRITTEN_PAPER.format(title=title, step=event.step, visit=visit)

    async def archive_contents(
        self, step: Step, replaced: str
    ) -> tuple[list[tuple[str, bytes]], list[tuple[repo.StoredFile, str]]]:
        """What the archive bundle holds besides the Dokumentasi: the final documents (the
        last step's, :func:`final_documents`), then every paper the case produced (its disposisi, SK and
        Lembar Pemeriksaan), the electronic record the SOP's Pencatatan asks for; and the
        files it goes without, with why (a key of :data:`bot.texts.LEFT_OUT_WHY`): one gone
        from the files folder (a clean-up, a restore older than the database), one whose
        bytes are not those recorded (a disk fault, an edit by hand: never filed as the
        document that was signed, with a SHA256SUMS vouching for other bytes). A folder
        that is not there, or empty (a share not mounted), is no file lost: the paper
        waits for it (a fault of the bot's own). ``replaced``: the document of the
        Dokumentasi being written, whose earlier versions it replaces (/ubah_arsip)."""
        store = FileStore(self.paperwork.config.storage.files_dir)
        names = self.definition.names_in(final_documents(step))
        finals = [a for a in self.case.latest_files() if a.doc in names and a.file_id in self.files]
        # final documents sent under one name are each named by the document they hold
        shared = Counter(safe_archive_name(a.name).lower() for a in finals)
        chosen = [
            (
                named_for(a.name, names[a.doc])
                if shared[safe_archive_name(a.name).lower()] > 1
                else a.name,
                self.files[a.file_id],
            )
            for a in finals
        ]
        chosen += [
            (stored.name, stored)
            for stored in sorted(self.files.values(), key=lambda f: f.id)
            if stored.kind == "paper" and stored.name.endswith(".docx") and stored.doc != replaced
        ]
        contents: list[tuple[str, bytes]] = []
        left_out: list[tuple[repo.StoredFile, str]] = []
        for name, stored in chosen:
            try:
                contents.append((name, await store.read_recorded(stored.path, stored.sha256)))
            except FileNotFoundError:
                if not await asyncio.to_thread(store.in_place):
                    raise
                left_out.append((stored, "missing"))
            except ChangedOnDisk:
                left_out.append((stored, "changed"))
        return contents, left_out


# How a case becomes the record of each kind of paper (bot.papers.registry.paper_kinds), by the
# record the kind takes.
_BUILDERS: dict[type, Callable[[_Context, Any], Awaitable[list[RenderedPaper]]]] = {
    Disposisi: _Context.disposisi,
    SkTim: _Context.sk_tim,
    Pemeriksaan: _Context.pemeriksaan,
    DraftSkeleton: _Context.skeleton,
    Dokumentasi: _Context.dokumentasi,
}
