"""The typed handles handlers reach the bot's services through (no string keys).

``bot.app`` builds a :class:`SopApplication` and sets its ``services``; PTB hands every
handler a :class:`SopContext` (``ContextTypes(context=SopContext)``), whose ``services``
property is that object. Handlers import this module, never ``bot.app``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue, Updater

from bot.alerts import AlertThrottle, Outage
from bot.clock import Clock
from bot.config import Config
from bot.edits import EditsSeen
from bot.filestore import FileStore
from bot.messages import Renderer
from bot.outbox import OutboxSender
from bot.papers.dates import OfficeZone
from bot.services.acting import Acting
from bot.services.albums import Albums
from bot.services.cases import CaseService, Dialogues
from bot.services.people import PeopleService
from bot.services.queries import Queries
from bot.services.registry import SopRegistry
from bot.services.reminders import Reminders
from bot.services.reports import Reports
from bot.worktime import WorkCalendar
from storage.db import Database

log = logging.getLogger("sopbot")


@dataclass
class Services:
    config: Config
    db: Database
    sops: SopRegistry
    clock: Clock
    calendar: WorkCalendar
    zone: OfficeZone
    files: FileStore
    cases: CaseService
    dialogues: Dialogues
    people: PeopleService
    queries: Queries
    reminders: Reminders
    acting: Acting
    renderer: Renderer
    outbox: OutboxSender
    reports: Reports
    albums: Albums
    alerts: AlertThrottle
    # how often the log tells of one kind of error in getting the updates (handlers.errors)
    polling_faults: AlertThrottle = field(default_factory=lambda: AlertThrottle(every=60.0))
    # uploads refused because the files folder cannot take them (a share not mounted, a full
    # disk, ...: bot.filestore.FolderFault): the administrators are told as it begins
    # (handlers.files), not at each upload
    files_refused: Outage = field(default_factory=Outage)
    # the office's laporan.docx that does not fill: the administrators are told once a
    # window for one problem (handlers.reports), however often the heads ask meanwhile
    report_template_alerts: AlertThrottle = field(default_factory=AlertThrottle)
    # what the bot read of the messages people sent lately, to tell their edits from the
    # edited_message of a live location or of a field it does not use (handlers.gate)
    edits: EditsSeen = field(default_factory=EditsSeen)
    # the warnings of unknown joint leave days (bot.app.log_calendar_warnings) this process
    # has logged: a bot that runs into a new year, or into October, logs that year's once
    calendar_warnings: set[str] = field(default_factory=set)
    calendar_checked_on: date | None = None  # the office's day they were last looked for


class SopUpdater(Updater):
    """PTB's Updater, stopping the bot when Telegram refuses its token while it polls.

    A token revoked while the bot runs (the operator took a new one from @BotFather) makes
    every getUpdates a 401: PTB then ends its polling task and logs one line, but the
    application runs on, deaf, until someone stops it (and that stop raised the refusal,
    skipping the application's own stop: the database was left open). Here the end of the
    polling task on a refused token calls ``on_refused``
    (:meth:`SopApplication.refuse_token`: a clean stop), and the stop that awaits that task
    keeps its refusal in :attr:`token_refused` instead of raising it."""

    # the name python-telegram-bot gives its polling task (Updater.start_polling)
    POLLING_TASK = "Updater:start_polling:polling_task"

    def __init__(
        self, bot: Bot, update_queue: asyncio.Queue[object], on_refused: Callable[[], None]
    ) -> None:
        super().__init__(bot=bot, update_queue=update_queue)
        self.token_refused = False
        self._on_refused = on_refused

    async def start_polling(self, *args: Any, **kwargs: Any) -> asyncio.Queue[object]:
        before = asyncio.all_tasks()
        queue = await super().start_polling(*args, **kwargs)
        for task in asyncio.all_tasks() - before:  # its own (another bot may poll here too)
            if task.get_name() == self.POLLING_TASK:
                task.add_done_callback(self._polling_ended)
        return queue

    def _polling_ended(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or not isinstance(task.exception(), InvalidToken):
            return
        self.token_refused = True
        self._on_refused()

    async def stop(self) -> None:
        try:
            await super().stop()
        except InvalidToken:  # the polling task ended on it: sopbot run says so
            self.token_refused = True


class SopApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with the bot's services as a typed attribute."""

    services: Services
    _start_attempts = 0

    _token_refused = False

    @property
    def token_refused(self) -> bool:
        """Telegram refused the token while the bot ran (:meth:`refuse_token`), or its
        polling ended on the refusal (:class:`SopUpdater`)."""
        polling = isinstance(self.updater, SopUpdater) and self.updater.token_refused
        return self._token_refused or polling

    _token_checked: asyncio.Task[None] | None = None

    def check_token(self) -> None:
        """A call was answered 401 Unauthorized while the bot ran: getMe tells whether the
        token itself is refused (:meth:`refuse_token`) or that answer was a passing fault
        (a proxy's, say: the bot runs on, and the outbox tries its row again)."""
        if not self.running or self._token_refused or self._token_checked is not None:
            return
        self._token_checked = self.create_task(self._check_token(), name="sopbot:token-check")

    async def _check_token(self) -> None:
        try:
            await self.bot.get_me()
        except InvalidToken:
            self.refuse_token()
        except TelegramError as exc:  # not reached: nothing known, the next 401 asks again
            log.warning("a 401 was answered; the token could not be checked (%s)", exc)
        finally:
            self._token_checked = None

    def refuse_token(self) -> None:
        """Telegram answered 401 Unauthorized while the bot ran: its token was revoked (a
        new one taken from @BotFather). Nothing it sends can go, whether it polls or serves
        a webhook (where Telegram still posts the officials' messages): it stops, and
        ``sopbot run`` names the variable and exits 2. At start the refusal is PTB's own
        (``initialize`` raises it)."""
        if not self.running or self._token_refused:
            return
        self._token_refused = True
        log.error("Telegram refused the bot token while the bot was running: stopping")
        self.stop_running()

    async def initialize(self) -> None:
        """PTB's, saying in one line each time Telegram cannot be reached: ``sopbot run``
        has PTB try again (``bootstrap_retries``, its back-off up to 30 s), which logs its
        own tries only at DEBUG."""
        try:
            await super().initialize()
        except InvalidToken:  # final: PTB gives up, and sopbot run says it in one line
            raise
        except TelegramError as exc:
            self._start_attempts += 1
            log.warning(
                "Telegram cannot be reached at start (attempt %d: %s): trying again",
                self._start_attempts,
                exc,
            )
            raise
        if self._start_attempts:
            log.info("Telegram reached after %d failed attempts", self._start_attempts)


class SopContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        app = self.application
        assert isinstance(app, SopApplication), "handlers run inside the SopApplication"
        return app.services

    @property
    def jobs(self) -> JobQueue[SopContext] | None:
        """PTB's ``job_queue``, typed for the bot's job callbacks (which take a SopContext):
        PTB types ``CallbackContext.job_queue`` as ``JobQueue[ST]`` with ``ST`` unbound, which
        no typed callback fits."""
        app = self.application
        assert isinstance(app, SopApplication), "handlers run inside the SopApplication"
        return app.job_queue
