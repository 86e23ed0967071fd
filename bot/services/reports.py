"""Pictures and the SOP evaluation report: a case's timeline for ``/status``, ``/laporan``.

Each method reads the database once (one snapshot), then computes (:mod:`bot.stats`),
draws (:mod:`bot.charts`: Pillow for the timeline, matplotlib for the report chart) and writes the paper (docxtpl) in the service's one
drawing thread, off the event loop. The chart renderers are held in :class:`Charts`, so a deployment (or a
test) can give its own.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from bot import charts, stats
from bot import texts as t
from bot.clock import Clock
from bot.config import Config
from bot.core.definition import SopDefinition
from bot.papers.dates import OfficeZone, tanggal
from bot.papers.model import (
    LaporanSop,
    Letterhead,
    Official,
    OverdueCase,
    Picture,
    StepEvaluation,
)
from bot.papers.registry import LAPORAN, report_file_name
from bot.papers.render import PaperRenderer, TemplateFailed
from bot.placement import free_pool
from bot.services import routing
from bot.services.queries import CaseStatus
from bot.services.registry import SopRegistry
from bot.worktime import WorkCalendar
from storage import repo
from storage.db import Database, Tx

_T = TypeVar("_T")

log = logging.getLogger(__name__)

PAGE_HEIGHT_MM = 180.0  # the chart on the report's last page: at most this high
PAGE_WIDTH_MM = 160.0


@dataclass(frozen=True)
class Charts:
    """The functions that draw the pictures (blocking; they run in a worker thread)."""

    timeline: Callable[[charts.Timeline], bytes] = charts.render_timeline
    report: Callable[[charts.ReportChart], bytes] = charts.render_report
    prepare: Callable[[], bytes] = charts.prepare  # at start-up: a first small picture


@dataclass(frozen=True)
class TimelinePicture:
    png: bytes
    caption: str


@dataclass(frozen=True)
class PeriodRequest:
    """A report period as typed: ``[first, after)`` in office days, with its label."""

    first: date
    after: date  # the day after the last one
    label: str

    def reached(self, today: date) -> date:
        """The last day the report counts: the period's, or ``today`` (the office's date
        it is made on) while the period runs on. A year's report made on 7 December counts
        up to that moment, and its paper, filed for the year, says "s.d. 7 Desember 2026",
        not the 31 December still to come."""
        return min(self.after - timedelta(days=1), today)


@dataclass(frozen=True)
class SopReport:
    allowed: bool
    figures: stats.Report | None = None
    chart: bytes = b""  # PNG; empty when the chart could not be drawn
    paper: bytes = b""  # .docx; empty when the template could not be filled
    paper_name: str = ""
    summary: str = ""
    chart_error: str = field(default="", compare=False)
    paper_failed: TemplateFailed | None = field(default=None, compare=False)
    asked_by: str = ""  # the name the paper is signed with


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def heads(definition: SopDefinition) -> frozenset[str]:
    """The roles that lead the unit: the top of the hierarchy and the level below it
    (Karo and Kabag in the bureau's SOP)."""
    superiors = definition.superior_of()
    top = {role for role, above in superiors.items() if above is None}
    return frozenset(top | {role for role, above in superiors.items() if above in top})


def head_names(definition: SopDefinition, sops: SopRegistry | None = None) -> list[str]:
    """The names of :func:`heads`, top of the hierarchy first (as the SOP lists its roles):
    who may ask for the SOP's report, as /bantuan and a refused /laporan name them. A name
    another role of ``sops`` bears too ("Kabag": the bureau's and the Bagian Umum's) gives
    way to the role's title ("Kepala Bagian Umum"), which tells the officials apart."""
    leading = heads(definition)
    return [
        r.title if sops is not None and r.title and sops.name_shared(r.id) else r.name
        for r in definition.roles
        if r.id in leading
    ]


class Reports:
    def __init__(
        self,
        db: Database,
        sops: SopRegistry,
        config: Config,
        calendar: WorkCalendar,
        zone: OfficeZone,
        clock: Clock,
        papers: PaperRenderer,
        drawing: Charts | None = None,
    ) -> None:
        self.db, self.sops, self.config, self.calendar = db, sops, config, calendar
        self.zone, self.clock, self.papers = zone, clock, papers
        self.drawing = drawing or Charts()
        # the charts are drawn one at a time anyway; one thread of its own keeps their
        # buffers in one malloc arena, where the default pool's threads each kept an arena
        # of freed pictures (40 /status in a row: peak RSS 203 MB, 187 MB in one thread).
        self._drawer = free_pool(max_workers=1, name="sopbot-drawing")
        self.ready: Future[bytes] | None = None  # the first picture, drawn at start-up
        self.unit = config.organisation.unit
        org = config.organisation
        self.letterhead = Letterhead(
            org.ministry, org.secretariat, org.bureau, org.address, org.city
        )

    def prepare(self) -> None:
        """Let the drawing thread load the fonts now, in the background (see
        :func:`bot.charts.prepare`); a failure is logged (/status then answers in text)."""

        def done(future: Future[bytes]) -> None:
            if (error := future.exception()) is not None:
                log.warning("the pictures cannot be drawn: %r", error)

        self.ready = self._drawer.submit(self.drawing.prepare)
        self.ready.add_done_callback(done)

    async def close(self) -> None:
        """Ends the drawing thread (after the pictures asked for are drawn), waiting for it
        off the event loop."""
        await asyncio.to_thread(self._drawer.shutdown, wait=True)

    async def _in_drawer(self, work: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._drawer, work, *args)

    # -- /status ---------------------------------------------------------------------

    async def timeline(self, found: CaseStatus) -> TimelinePicture:
        """The timeline of a case (as /status read it) as a PNG with a short caption.
        Raises whatever drawing raises (the caller answers in text then)."""
        return await self._in_drawer(self._timeline, found, self.clock.now())

    def _timeline(self, loaded: CaseStatus, now: datetime) -> TimelinePicture:
        visits = stats.visits(loaded.events, loaded.definition, self.calendar, now)
        data = charts.timeline(
            case_id=loaded.case.id,
            title=loaded.case.title,
            visits=visits,
            definition=loaded.definition,
            calendar=self.calendar,
            zone=self.zone,
            names=loaded.names,
            now=now,
            current_holders=loaded.holders,
        )
        caption = f"{data.heading}\n{data.status}" if data.status else data.heading
        return TimelinePicture(self.drawing.timeline(data), caption[:1000])

    # -- /laporan --------------------------------------------------------------------

    def period(self, request: PeriodRequest) -> stats.Period:
        tz = self.calendar.tz
        start = datetime.combine(request.first, time(0), tzinfo=tz)
        end = datetime.combine(request.after, time(0), tzinfo=tz)
        return stats.Period(start, end, request.label)

    async def reportable(self, user_id: int) -> list[SopDefinition]:
        """The SOPs this person may ask the report of (as :meth:`report` allows): those
        they head (Plh/Plt counting), every SOP for an administrator."""
        if user_id in self.config.admins:
            return list(self.sops)
        now = self.clock.now()

        def txn(tx: Tx) -> frozenset[str]:
            return routing.actor(tx, user_id, self.unit, self.config, now).roles

        roles = await self.db.read(txn)
        return [d for d in self.sops if roles & heads(d)]

    async def report(self, user_id: int, request: PeriodRequest, code: str = "") -> SopReport:
        """The SOP evaluation report over a period for a head of the unit or an
        administrator: figures, chart (PNG) and the paper (.docx); without the paper (and
        with ``paper_failed``) when the office's template does not fill.

        The figures are computed inside the one read, case by case as the rows come (the
        moves of ten thousand cases are never all in memory at once, and no Event objects
        are made for them); the chart and the paper are drawn after it, in a worker
        thread. ``code``: the SOP reported on (the first of the deployment's by default),
        one of :meth:`SopRegistry.running`."""
        definition = self.sops.running(code) or self.sops.default
        period = self.period(request)
        now = self.clock.now()

        def txn(tx: Tx) -> tuple[stats.Report, repo.Person | None] | None:
            # roles held as Plh/Plt count: an acting Karo reads the Karo's report
            roles = routing.actor(tx, user_id, self.unit, self.config, now).roles
            if user_id not in self.config.admins and not roles & heads(definition):
                return None
            cases = {
                case_id: (title, self._definition(revision, definition))
                for case_id, revision, title in repo.report_cases(
                    tx, self.unit, definition.code, period.start, period.end
                )
            }
            moves = repo.report_moves(tx, self.unit, definition.code, period.start, period.end)
            figures = stats.report_from_log(moves, cases, definition, self.calendar, period, now)
            return figures, repo.get_person(tx, user_id)

        found = await self.db.read(txn)
        if found is None:
            return SopReport(False)
        figures, person = found
        return await self._in_drawer(
            self._report, definition, figures, person, user_id, request, now
        )

    def _report(
        self,
        definition: SopDefinition,
        figures: stats.Report,
        person: repo.Person | None,
        user_id: int,
        request: PeriodRequest,
        now: datetime,
    ) -> SopReport:
        last_day = request.reached(self.zone.day(now))
        span = f"{tanggal(request.first)} – {tanggal(last_day)}"
        chart_error = ""
        try:
            chart = self.drawing.report(
                charts.report_chart(figures, definition, f"Periode: {request.label} ({span})")
            )
        except Exception as exc:  # the paper and the text go out without the chart
            chart, chart_error = b"", f"{type(exc).__name__}: {exc}"
        record = self._record(definition, figures, person, user_id, request, now, chart)
        paper, paper_failed = b"", None
        try:
            paper = self.papers.render(LAPORAN, record)
        except TemplateFailed as exc:  # the office's laporan.docx: the text and chart go alone
            paper_failed = exc
        return SopReport(
            allowed=True,
            figures=figures,
            chart=chart,
            paper=paper,
            paper_name=report_file_name(definition.code, request.label),
            summary=self.summary(definition, figures, request, self.zone.day(now)),
            chart_error=chart_error,
            paper_failed=paper_failed,
            asked_by=record.prepared_by.name,
        )

    def _definition(self, revision: str, current: SopDefinition) -> SopDefinition:
        return (self.sops.revision(revision) if revision else None) or current

    def _record(
        self,
        definition: SopDefinition,
        figures: stats.Report,
        person: repo.Person | None,
        user_id: int,
        request: PeriodRequest,
        now: datetime,
        chart: bytes,
    ) -> LaporanSop:
        def role_name(role: str) -> str:
            return definition.role(role).name if definition.has_role(role) else role

        width = PAGE_WIDTH_MM
        if chart:
            w, h = png_size(chart)
            width = min(PAGE_WIDTH_MM, PAGE_HEIGHT_MM * w / h)
        official = Official(
            person.name if person and person.name else f"ID {user_id}",
            person.nip if person else "",
            person.position if person else "",
        )
        return LaporanSop(
            letterhead=self.letterhead,
            unit=self.config.organisation.unit_name,
            sop_number=definition.header.number,
            sop_name=definition.header.name,
            period_label=request.label,
            first_day=request.first,
            last_day=request.reached(self.zone.day(now)),
            made_at=now,
            prepared_by=official,
            cases=figures.cases,
            states=[
                (label, figures.states.get(state, 0))
                for state, (label, _) in charts.STATE_LABELS.items()
                if state in figures.states
            ],
            steps=[
                StepEvaluation(
                    s.step,
                    s.title,
                    role_name(s.role),
                    s.visits,
                    s.median,
                    s.p90,
                    s.norm,
                    s.over_norm,
                    s.returns,
                    s.reasons,
                    s.withdrawn,
                    s.cancelled,
                )
                for s in figures.steps
            ],
            overdue=[
                OverdueCase(
                    f"#{o.case_id}", o.title, o.step, role_name(o.role), o.since, o.minutes, o.norm
                )
                for o in figures.overdue
            ],
            chart=Picture(chart, width),
            office_hours=(self.config.time.day_start, self.config.time.day_end),
        )

    def summary(
        self,
        definition: SopDefinition,
        figures: stats.Report,
        request: PeriodRequest,
        today: date,
    ) -> str:
        """The report in a few lines (HTML), for the chat; of a period that runs on after
        ``today``, up to which day it counts."""
        states = figures.states
        running = states.get(stats.CaseState.ON_TIME, 0) + states.get(stats.CaseState.LATE, 0)
        reached = request.reached(today)
        so_far = "" if reached == request.after - timedelta(days=1) else t.REPORT_SO_FAR
        lines = [
            t.REPORT_SUMMARY_HEAD.format(period=t.e(request.label))
            + so_far.format(day=tanggal(reached)),
            t.REPORT_SUMMARY_SOP.format(sop=t.e(definition.header.name)),
            "",
            t.REPORT_SUMMARY_CASES.format(
                cases=figures.cases,
                archived=states.get(stats.CaseState.ARCHIVED, 0)
                + states.get(stats.CaseState.COMPLETED, 0),
                running=running,
                cancelled=states.get(stats.CaseState.CANCELLED, 0),
            ),
            t.REPORT_SUMMARY_VISITS.format(
                visits=figures.visits, returns=figures.returns, not_counted=_not_counted(figures)
            ),
            t.REPORT_SUMMARY_OVERDUE.format(count=len(figures.overdue)),
        ]
        slow = [s for s in figures.steps if s.visits and s.norm > 0 and s.median > s.norm]
        if slow:
            steps = ", ".join(
                t.REPORT_SUMMARY_SLOW_STEP.format(
                    step=s.step, median=charts.durasi(s.median), norm=charts.durasi(s.norm)
                )
                for s in slow
            )
            lines.append(t.REPORT_SUMMARY_SLOW.format(steps=steps))
        returned = sorted((s for s in figures.steps if s.returns), key=lambda s: -s.returns)
        if returned:
            lines.append(
                t.REPORT_SUMMARY_RETURNED_TOP.format(count=len(returned))
                if len(returned) > 3
                else t.REPORT_SUMMARY_RETURNED
            )
        for s in returned[:3]:
            reason = (
                t.REPORT_SUMMARY_RETURN_REASON.format(reason=t.e(t.clip(s.reasons[0][0], 80)))
                if s.reasons
                else ""
            )
            lines.append(
                t.REPORT_SUMMARY_RETURN.format(step=s.step, count=s.returns, reason=reason)
            )
        return "\n".join(lines)


def _not_counted(figures: stats.Report) -> str:
    """ " · tidak dihitung: 2 ditarik kembali, 1 dibatalkan": stays whose holder never acted."""
    apart = [
        text.format(count=n)
        for n, text in (
            (figures.withdrawn, t.REPORT_SUMMARY_WITHDRAWN),
            (figures.cancelled, t.REPORT_SUMMARY_CANCELLED),
        )
        if n
    ]
    return t.REPORT_SUMMARY_NOT_COUNTED.format(stays=", ".join(apart)) if apart else ""
