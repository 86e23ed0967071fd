"""The one place that builds the application: resources, services and handlers, in order.

Resources open in ``post_init`` and close in ``post_shutdown``; handlers reach the services
through ``SopContext.services`` (:mod:`bot.context`), a typed attribute, never string keys.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from http import HTTPStatus
from importlib import metadata
from typing import TYPE_CHECKING, Any

from telegram import BotCommandScopeAllPrivateChats
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults
from telegram.request import HTTPXRequest

from bot import jobs, placement
from bot import texts as t
from bot.aiohttp_request import AiohttpRequest, max_response_bytes_for, tls_context
from bot.alerts import ALERT_EVERY, AlertThrottle
from bot.clock import Clock, SystemClock
from bot.config import Config, max_upload_bytes
from bot.context import Services, SopApplication, SopContext, SopUpdater
from bot.core.loader import DefinitionError, load_definition
from bot.core.workflow import replay
from bot.filestore import MARKER, FileStore, not_mounted
from bot.inbox import UpdateInbox
from bot.menus import COMMANDS, drop_admin_commands, set_admin_commands
from bot.messages import Renderer
from bot.outbox import FAULT_BACKOFF_MAX, OutboxSender, PaperMaker
from bot.papers.dates import OfficeZone
from bot.papers.render import PaperRenderer
from bot.ratelimit import FloodLimiter, FloodLimits
from bot.reminder_policy import ReminderSettings
from bot.rolecheck import role_warnings, seeded_second_roles
from bot.services import effects
from bot.services.acting import Acting
from bot.services.albums import Albums
from bot.services.cases import CaseService, Dialogues
from bot.services.people import PeopleService
from bot.services.queries import Queries
from bot.services.registry import SopRegistry, stored_revision_warning
from bot.services.reminders import Reminders
from bot.services.reports import Charts, Reports
from bot.updates import PerUserUpdateProcessor
from bot.worktime import WorkCalendar, WorkSchedule
from storage import repo
from storage.codec import CASE_FORMAT
from storage.db import Database, Tx

if TYPE_CHECKING:
    from bot.core.definition import SopDefinition
    from storage.active import ActiveLock

log = logging.getLogger(__name__)


def work_calendar(config: Config) -> WorkCalendar:
    tc = config.time
    return WorkCalendar(
        WorkSchedule(
            timezone=tc.timezone,
            workdays=frozenset(d - 1 for d in tc.workdays),
            day_start=tc.day_start,
            day_end=tc.day_end,
            extra_days_off=frozenset(tc.extra_days_off),
            extra_workdays=frozenset(tc.extra_workdays),
            country_holidays=tc.public_holidays,
            joint_leave=tc.joint_leave,
        )
    )


def joint_leave_warnings(calendar: WorkCalendar, today: date) -> list[str]:
    """For ``sopbot check`` and the start: this year, or from October (the decree for the
    next year is usually out by then) the next, whose joint leave days (cuti bersama) the
    installed ``holidays`` release does not know, so that none of them would be a day off."""
    code = calendar.schedule.country_holidays
    release = metadata.version("holidays")
    return [
        f"time.joint_leave: the installed holidays package ({release}) knows no joint leave "
        f"days (cuti bersama) of {code} in {year}, so none of them counts as a day off: once "
        f"the decree is out, add them with time.extra_days_off, or upgrade holidays "
        "(pip install --upgrade holidays) and restart the bot"
        for year in (today.year, *([today.year + 1] if today.month >= 10 else []))
        if calendar.joint_leave_unknown(year)
    ]


def log_calendar_warnings(svc: Services) -> None:
    """Log the :func:`joint_leave_warnings` of today not logged yet by this process: at the
    start, and at every periodic sweep, so that a bot that runs on into a new year (or into
    October, for the next) says so on that day, as a start would; each once. Looked for
    once an office day (reading the holidays package takes some milliseconds)."""
    today = svc.zone.day(svc.clock.now())
    if today == svc.calendar_checked_on:
        return
    svc.calendar_checked_on = today
    for warning in joint_leave_warnings(svc.calendar, today):
        if warning not in svc.calendar_warnings:
            svc.calendar_warnings.add(warning)
            log.warning("%s", warning)


async def log_template_problems(config: Config, definitions: list[SopDefinition]) -> None:
    """Log, as ``sopbot check`` prints them, the office's templates (``papers.templates_dir``)
    that do not fill with sample data. The bot still starts: such a paper is given up when
    a case needs it and the administrators are told (as for a template edited while it
    runs); this says so at the start, to whoever restarted it without running the check.
    Filling every template takes most of a second, so the shipped ones (tested with the
    release) are not filled again."""
    if config.papers.templates_dir is None:
        return
    from bot.papers.check import template_problems
    from bot.paperwork import renderer_for

    problems = await asyncio.to_thread(template_problems, renderer_for(config), definitions)
    for problem in problems:
        log.error(
            "%s: the bot writes no paper from this template until it is corrected "
            "(sopbot check names what fails)",
            problem,
        )


def load_sops(config: Config) -> SopRegistry:
    return SopRegistry([load_definition(p) for p in config.sops], config.sop_time_overrides)


def reminder_settings(config: Config) -> ReminderSettings:
    return ReminderSettings(
        repeat_every_minutes=config.reminders.repeat_every_minutes,
        escalate_after=config.reminders.escalate_after,
        max_snooze_minutes=config.reminders.max_snooze_minutes,
    )


def freeze_startup_heap() -> None:
    """Before the bot runs: what start-up built (the imported modules, the application)
    lives as long as the process, so the garbage collector stops walking it on every full
    collection, which otherwise lands, tens of ms at a time, on whichever thread is
    allocating (a paper's rendering, an answer). Not for processes that build many bots."""
    gc.collect()
    gc.freeze()


def flood_limits(options: dict[str, float] | None) -> FloodLimits:
    """The limiter's settings; tests and benchmarks may raise them (``sender_options``)."""
    o = options or {}
    defaults = FloodLimits()
    return FloodLimits(
        overall_per_second=o.get("per_second", defaults.overall_per_second),
        overall_burst=o.get("per_second", defaults.overall_burst),
        private_per_second=o.get("per_chat_per_second", defaults.private_per_second),
        private_burst=o.get("per_chat_burst", defaults.private_burst),
    )


async def record_revisions(db: Database, sops: SopRegistry, clock: Clock) -> int:
    """Keep every SOP revision in the database; learn the older ones cases still run (and
    the roles open cases need of them); give cases from before revisions were kept the
    revision current now. Returns how many.

    A stored revision is what its cases ran on: one that today's rules refuse (an earlier
    release accepted it) is still learnt, and the log warns of it while open cases run it,
    naming the revision and what today's rules find; one of which no definition can be
    made (a damaged text) is logged and left out."""

    def txn(tx: Tx) -> tuple[list[tuple[str, str, str]], dict[str, int], int]:
        now = clock.now()
        for definition in sops:
            repo.save_revision(
                tx, definition.revision, definition.code, "", definition.source_text, now
            )
        adopted = 0
        for case in repo.cases_without_revision(tx):
            if case.sop_code in sops.codes():
                repo.set_case_revision(tx, replace(case, revision=sops[case.sop_code].revision))
                adopted += 1
        running: dict[str, int] = {}
        for _, revision, count in repo.open_cases_by_revision(tx):
            running[revision] = running.get(revision, 0) + count
        return repo.revision_texts(tx), running, adopted

    texts, running, adopted = await db.write(txn)
    for revision, source, text in texts:
        try:
            problems = sops.adopt(revision, source, text)
        except DefinitionError as exc:
            log.error("SOP revision %s cannot be read; left out: %s", revision, exc)
            continue
        stored = sops.revision(revision)
        if problems and stored is not None and revision in running:
            warning = stored_revision_warning(stored.code, revision, running[revision], problems)
            log.warning("%s", warning)
    sops.keep_roles_of(running)
    return adopted


async def recall_hand_ins(db: Database, sops: SopRegistry) -> int:
    """Give open cases stored in an older case format who handed in the work under review
    (four eyes; format 3), who took each step (a shared role's step that comes back to
    its taker; format 4) and the step each file was attached at (four eyes: who wrote a
    document under review; format 5), rebuilt from their events: the older formats knew
    the first only until somebody acted on the case (a return or a withdrawal forgot it),
    the others not at all. Returns how many."""

    def txn(tx: Tx) -> int:
        recalled = 0
        for case in repo.open_cases_stored_before(tx, CASE_FORMAT):
            if case.sop_code not in sops.codes():
                continue
            try:
                rebuilt = replay(sops.of(case), repo.load_events(tx, case.id))
            except (ValueError, KeyError):
                log.warning("case %s: its events do not replay; kept as stored", case.id)
                continue
            # each stored file given the step it was attached at (nothing else of it changes)
            steps = {(a.doc, a.file_id, a.version): a.step for a in rebuilt.files}
            files = tuple(
                replace(a, step=steps.get((a.doc, a.file_id, a.version), a.step))
                for a in case.files
            )
            repo.rewrite_case(
                tx, replace(case, handed_in=rebuilt.handed_in, took=rebuilt.took, files=files)
            )
            recalled += 1
        return recalled

    return await db.write(txn)


def build_services(
    app: SopApplication,
    config: Config,
    db: Database,
    sops: SopRegistry,
    clock: Clock,
    papers: PaperMaker | None,
    sender_options: dict[str, float] | None,
    charts: Charts | None = None,
) -> Services:
    calendar = work_calendar(config)
    zone = OfficeZone.named(config.time.timezone)
    files = FileStore(config.storage.files_dir)
    renderer = Renderer(sops, zone, calendar)
    maker = papers
    if maker is None:
        from bot.paperwork import Paperwork, renderer_for

        maker = Paperwork(db, sops, config, calendar, renderer_for(config))
    options = sender_options or {}
    alerts = AlertThrottle(options.get("alert_every", ALERT_EVERY))
    # papers.bundle_wait_minutes counts whole minutes: a test waits less with this option
    bundle_wait = config.papers.bundle_wait
    if "bundle_wait_seconds" in options:
        bundle_wait = timedelta(seconds=options["bundle_wait_seconds"])
    sender = OutboxSender(
        db,
        app.bot,
        clock,
        files,
        renderer,
        sops,
        maker,
        max_backoff=options.get("max_backoff", 60.0),
        max_fault_backoff=options.get("max_fault_backoff", FAULT_BACKOFF_MAX),
        retention=config.storage.retention,
        max_upload=max_upload_bytes(config.bot.api_base_url),
        admins=config.admins,
        alerts=alerts,
        bundle_wait=bundle_wait,
    )
    cases = CaseService(
        db, sops, config, clock, calendar, wake_outbox=sender.wake, answer=sender.answer
    )
    reminders = Reminders(
        db,
        sops,
        clock,
        calendar,
        reminder_settings(config),
        config,
        wake_outbox=sender.wake,
    )
    return Services(
        config=config,
        db=db,
        sops=sops,
        clock=clock,
        calendar=calendar,
        zone=zone,
        files=files,
        cases=cases,
        dialogues=Dialogues(db, sops, clock, config.organisation.unit, sender.wake),
        people=PeopleService(db, sops, config, clock, wake_outbox=sender.wake, cases=cases),
        queries=Queries(db, sops, config, calendar, renderer, clock),
        reminders=reminders,
        acting=Acting(db, sops, config, clock),
        renderer=renderer,
        outbox=sender,
        reports=Reports(
            db,
            sops,
            config,
            calendar,
            zone,
            clock,
            PaperRenderer(config.papers.templates_dir, zone),
            charts,
        ),
        albums=Albums(db, clock),
        alerts=alerts,
    )


def build_application(
    config: Config,
    token: str,
    *,
    clock: Clock | None = None,
    papers: PaperMaker | None = None,
    sender_options: dict[str, float] | None = None,
    charts: Charts | None = None,
    active: ActiveLock | None = None,
) -> SopApplication:
    """The application; with ``active`` (PostgreSQL), it first becomes the active process
    (waiting as a standby while another one is) and stops if it ever stops being it.
    ``sender_options``: the limiter's and the outbox's timings, which tests and benchmarks
    change (:func:`flood_limits`; ``max_backoff``, ``max_fault_backoff``, ``alert_every``;
    ``bundle_wait_seconds``, the archive bundle's wait in place of the whole minutes of
    ``papers.bundle_wait_minutes``)."""
    from handlers import register_all

    clock = clock or SystemClock(config.time.timezone)
    definitions = [load_definition(p) for p in config.sops]
    sops = SopRegistry(definitions, config.sop_time_overrides)
    inbox = UpdateInbox()
    job_watch = jobs.JobWatch()  # the JobQueue's jobs, on time after the host's clock is set back
    # the event loop and the database threads on one CPU (storage.same_cpu)
    together: placement.Together | None = None

    def unpin() -> None:
        nonlocal together
        if together is not None:
            together.release()
            together = None

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        nonlocal together
        assert isinstance(app, SopApplication)
        if active is not None:
            await active.acquire()
            active.on_lost(app.stop_running)
        db = await Database.open(config.storage.database)
        if config.storage.same_cpu:
            together = placement.keep_together(db.thread_ids())
        try:
            # before anything rewrites an older case in the current format (its revision)
            await recall_hand_ins(db, sops)
            await record_revisions(db, sops, clock)
            svc = build_services(app, config, db, sops, clock, papers, sender_options, charts)
            log_calendar_warnings(svc)
            for warning in role_warnings(config.sops, definitions):
                log.warning("%s", warning)
            for warning in seeded_second_roles(config, definitions):
                log.warning("%s", warning)
            await log_template_problems(config, definitions)
            await remove_stale_parts(svc.files)
            await mark_files_folder(svc.files, db)
            await svc.people.bootstrap()
            await svc.acting.bootstrap()
            await svc.acting.route_due()
            await svc.reminders.reschedule()
            inbox.attach(db, clock)
            await inbox.replay(app.bot)
        except BaseException:
            await db.close()
            unpin()
            raise
        app.services = svc
        try:
            # in private chats only: Telegram shows the default scope's menu in groups too,
            # where every command answers "private only"
            await app.bot.set_my_commands(COMMANDS, scope=BotCommandScopeAllPrivateChats())
            await app.bot.delete_my_commands()  # the default scope (set by earlier releases)
        except Exception:
            log.warning("setMyCommands failed; continuing", exc_info=True)
        for admin in config.admins:
            if await set_admin_commands(app.bot, admin):
                await svc.people.mark_admin_menu(admin, True)
        for person in await svc.people.former_admin_menus():
            if await drop_admin_commands(app.bot, person):
                await svc.people.mark_admin_menu(person, False)
        svc.outbox.start()
        start_reminders(app)
        if app.job_queue is not None:
            job_watch.start(app.job_queue)
        svc.reports.prepare()
        loop = asyncio.get_running_loop()
        log.info("running on the event loop %s.%s", type(loop).__module__, type(loop).__name__)

    # the request layers built here: closed in post_shutdown even when the start failed
    # (PTB shuts an application down only once it has initialized: a token Telegram refuses
    # left both sessions open)
    requests: list[AiohttpRequest] = []

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert isinstance(app, SopApplication)
        await job_watch.stop()
        if hasattr(app, "services"):
            await inbox.close()
            await app.services.outbox.stop()
            await tell_held_alerts(app.services)
            await app.services.reports.close()
            await app.services.db.close()
        unpin()
        if active is not None:
            await active.release()
        for request in requests:
            await request.shutdown()

    builder = (
        ApplicationBuilder()
        .application_class(SopApplication)
        .context_types(ContextTypes(context=SopContext))
        .token(token)
        .base_url(config.bot.base_url)
        .base_file_url(config.bot.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(FloodLimiter(flood_limits(sender_options)))
        .update_queue(inbox)
        .concurrent_updates(PerUserUpdateProcessor(16, on_handled=inbox.handled))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    # PTB's own pool sizes: 256 for the bot's calls, 1 for the long poll
    ca_file = config.bot.ca_file
    watch = RefusalWatch()
    if config.bot.http_client == "aiohttp":
        cap = max_response_bytes_for(config.bot.api_base_url)
        requests += [
            AiohttpRequest(256, max_response_bytes=cap, ca_file=ca_file, on_status=watch),
            AiohttpRequest(  # the long poll's: the same proxies, logged by the first
                1, max_response_bytes=cap, ca_file=ca_file, on_answer=inbox.received,
                on_status=watch, log_proxies=False,
            ),
        ]  # fmt: skip
        builder = builder.request(requests[0]).get_updates_request(requests[1])
    else:  # PTB's own sizes (256, 1 for the long poll), with the CA file if one is named
        verify = {"verify": tls_context(ca_file)} if ca_file is not None else None
        builder = builder.request(
            WatchedHTTPXRequest(watch, 256, httpx_kwargs=verify)
        ).get_updates_request(
            WatchedHTTPXRequest(watch, 1, httpx_kwargs=verify, on_answer=inbox.received)
        )
    app = builder.build()
    assert isinstance(app, SopApplication)
    # a token refused while the bot runs stops it instead of leaving it deaf (or mute)
    app.updater = SopUpdater(app.bot, app.update_queue, app.refuse_token)
    watch.attach(app.check_token)
    register_all(app)
    return app


class RefusalWatch:
    """Told the status of every answer of the Bot API: a 401 Unauthorized (the token
    revoked while the bot runs) calls what :meth:`attach` gave it, once the application
    exists (:meth:`SopApplication.check_token`)."""

    def __init__(self) -> None:
        self._refused: Callable[[], None] | None = None

    def attach(self, refused: Callable[[], None]) -> None:
        self._refused = refused

    def __call__(self, status: int) -> None:
        if status == HTTPStatus.UNAUTHORIZED and self._refused is not None:
            self._refused()


class WatchedHTTPXRequest(HTTPXRequest):
    """python-telegram-bot's HTTPXRequest (``bot.http_client = "httpx"``), telling
    :class:`RefusalWatch` each answer's status, and ``on_answer`` (as the aiohttp layer's)
    each answer's ``result``."""

    def __init__(
        self,
        watch: RefusalWatch,
        *args: Any,
        on_answer: Callable[[object], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._watch = watch
        self._on_answer = on_answer

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        answer = super().parse_json_payload(payload)
        if self._on_answer is not None and isinstance(answer, dict):
            self._on_answer(answer.get("result"))
        return answer

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, body = await super().do_request(*args, **kwargs)
        self._watch(status)
        return status, body


async def mark_files_folder(files: FileStore, db: Database) -> None:
    """At start: the files folder's marker (:data:`bot.filestore.MARKER`) written when the
    folder is first used (the database records no file), or when it holds files (the
    folder of a release before the marker, a restore without it). A folder empty or absent
    while the database records files is a share not mounted: it is left unmarked, and
    nothing is saved in it until it is back (or an administrator writes the marker)."""
    if await asyncio.to_thread(files.in_place):
        return
    recorded = await db.read(repo.any_file_recorded)
    if await asyncio.to_thread(files.share_not_mounted, recorded):
        log.error("%s", not_mounted(files.root))
        return
    await asyncio.to_thread(files.mark)
    log.info("files folder %s marked as the bot's (%s)", files.root, MARKER)


async def remove_stale_parts(files: FileStore) -> None:
    """At start: the half-written copies a stop (or a full disk) left in the files folder."""
    removed = await asyncio.to_thread(files.remove_stale_parts)
    if removed:
        log.info(
            "removed %d stale half-written files (*.part) from %s: %s",
            len(removed),
            files.root,
            ", ".join(str(p.relative_to(files.root)) for p in removed[:5]),
        )


async def tell_held_alerts(svc: Services) -> None:
    """At a stop: the errors held back since their kind's last alert are queued for the
    administrators (sent at the next start): a burst followed by a restart is told too."""
    held = svc.alerts.drain()
    if not held or not svc.config.admins:
        return
    now = svc.clock.now()
    texts = [t.ALERT_HELD_AT_STOP.format(kind=t.e(kind), count=n) for kind, n in held.items()]

    try:
        await svc.db.write(effects.tell_admins, svc.config.admins, texts, now)
    except Exception:
        log.exception("held-back alerts %s not queued", held)


# the sweep's one-shot run at the next moment something falls due (see start_reminders)
SWEEP_WHEN_DUE = "reminders-due"


def start_reminders(app: SopApplication) -> None:
    """The periodic sweep on PTB's JobQueue (APScheduler): acting appointments whose start
    or end has come move their tasks; due reminders go out (when enabled).

    It runs every ``reminders.check_every_seconds``, and also, after each run, once more at
    the next moment something falls due, when that comes first: the earliest stored
    ``next_due_at`` of a reminder (a working moment: the office's opening for a step found
    overdue outside office hours), or the next start or end of an acting period. So a long
    interval (up to a day) delays nothing the database knows of: a reminder due at night
    still goes when the office opens, not at the first run that falls in office hours."""
    svc = app.services
    queue = app.job_queue
    if queue is None:
        return
    every = svc.config.reminders.check_every_seconds

    async def job(context: SopContext) -> None:
        try:
            log_calendar_warnings(svc)
        except Exception:
            log.exception("the office calendar's warnings were not checked")
        try:
            if await svc.acting.route_due():
                svc.outbox.wake()
            if svc.config.reminders.enabled:
                await svc.reminders.sweep()
        except Exception:
            log.exception("periodic sweep failed")
        try:
            await sweep_when_due()
        except Exception:
            log.exception("the sweep at the next due moment was not planned")

    async def sweep_when_due() -> None:
        now = svc.clock.now()
        moments = [await svc.acting.next_move(now)]
        if svc.config.reminders.enabled:
            moments.append(await svc.reminders.next_due(now))
        soonest = min((m for m in moments if m is not None), default=None)
        for planned in queue.get_jobs_by_name(SWEEP_WHEN_DUE):
            planned.schedule_removal()
        if soonest is None:
            return
        # at least a second on: a clock that stands still (or lags the monotonic one) makes
        # no busy loop of runs that find the moment not come yet
        wait = max(1.0, (soonest - now).total_seconds())
        if wait < every:  # else the periodic run comes first, and plans again
            jobs.run_once(queue, job, wait, name=SWEEP_WHEN_DUE)

    jobs.run_repeating(queue, job, interval=every, first=1, name="reminders")
