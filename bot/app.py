"""The one place that builds the application: resources, services and handlers, in order.

Handlers reach the services through :func:`services` (a typed attribute of the
application), never through ``bot_data`` string keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import BotCommand
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, CallbackContext, Defaults

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.core.loader import load_definition
from bot.filestore import FileStore
from bot.outbox import OutboxSender, PaperMaker
from bot.ratelimit import TelegramRateLimiter
from bot.service import CaseService, SopRegistry
from bot.telegram_http import LeanRequest
from bot.updates import PerUserUpdateProcessor
from bot.worktime import WorkCalendar, WorkSchedule
from storage import repo
from storage.db import Database

log = logging.getLogger(__name__)

COMMANDS = [
    BotCommand("tugas", "Daftar tugas yang menunggu tindakan Anda"),
    BotCommand("baru", "Mengajukan berkas baru"),
    BotCommand("status", "Posisi dan riwayat berkas"),
    BotCommand("saya", "Data dan peran Anda"),
    BotCommand("tunda", "Menunda pengingat suatu berkas"),
    BotCommand("terlambat", "Daftar langkah yang melewati norma waktu"),
    BotCommand("batal", "Membatalkan isian yang sedang berjalan"),
    BotCommand("bantuan", "Petunjuk penggunaan"),
]


@dataclass
class Services:
    config: Config
    db: Database
    sops: SopRegistry
    clock: Clock
    calendar: WorkCalendar
    files: FileStore
    cases: CaseService
    outbox: OutboxSender


class SopApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with the bot's services as a typed attribute."""

    services: Services


def services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    app = context.application
    assert isinstance(app, SopApplication), "handlers run inside the SopApplication"
    return app.services


def work_calendar(config: Config) -> WorkCalendar:
    tc = config.time
    return WorkCalendar(
        WorkSchedule(
            timezone=tc.timezone,
            workdays=frozenset(d - 1 for d in tc.workdays),
            day_start=tc.day_start,
            day_end=tc.day_end,
            extra_days_off=frozenset(tc.extra_days_off),
            country_holidays=tc.public_holidays,
        )
    )


def load_sops(config: Config) -> SopRegistry:
    definitions = []
    for path in config.sops:
        definition = load_definition(path)
        overrides = config.sop_time_overrides.get(definition.code, {})
        definitions.append(definition.with_step_times(overrides))
    return SopRegistry(definitions)


def build_application(
    config: Config,
    token: str,
    *,
    clock: Clock | None = None,
    papers: PaperMaker | None = None,
    sender_options: dict[str, float] | None = None,
) -> SopApplication:
    from handlers import register_all

    clock = clock or SystemClock(config.time.timezone)
    sops = load_sops(config)
    calendar = work_calendar(config)

    async def post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert isinstance(app, SopApplication)
        db = await Database.open(config.storage.database)
        files = FileStore(config.storage.files_dir)
        maker = papers
        if maker is None:
            from bot.paperwork import Paperwork, renderer_for

            maker = Paperwork(db, sops, config, calendar, renderer_for(config))
        sender = OutboxSender(db, app.bot, clock, files, maker, **(sender_options or {}))
        cases = CaseService(db, sops, config, clock, calendar, wake_outbox=sender.wake)
        app.services = Services(config, db, sops, clock, calendar, files, cases, sender)
        await bootstrap_people(app.services)
        try:
            await app.bot.set_my_commands(COMMANDS)
        except Exception:
            log.warning("setMyCommands failed; continuing", exc_info=True)
        sender.start()
        from bot.reminders import start_reminders

        start_reminders(app)

    async def post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert isinstance(app, SopApplication)
        if hasattr(app, "services"):
            await app.services.outbox.stop()
            await app.services.db.close()

    builder = (
        ApplicationBuilder()
        .application_class(SopApplication)
        .token(token)
        .base_url(config.bot.base_url)
        .base_file_url(config.bot.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(TelegramRateLimiter())
        .concurrent_updates(PerUserUpdateProcessor(16))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if config.bot.http_client == "lean":
        # PTB's own pool sizes: 256 for the bot's calls, 1 for the long poll
        builder = builder.request(LeanRequest(connection_pool_size=256)).get_updates_request(
            LeanRequest(connection_pool_size=1)
        )
    app = builder.build()
    assert isinstance(app, SopApplication)
    register_all(app)
    return app


async def bootstrap_people(svc: Services) -> None:
    """People and roles named in the config are bound at every start (idempotent)."""
    now = svc.clock.now()
    unit = svc.config.organisation.unit
    async with svc.db.transaction() as conn:
        for admin in svc.config.admins:
            await repo.ensure_person(conn, admin, now)
        for person in svc.config.people:
            await repo.ensure_person(conn, person.telegram_id, now)
            await repo.update_profile(
                conn,
                person.telegram_id,
                name=person.name or None,
                nip=person.nip or None,
                position=person.position or None,
            )
            for role in person.roles:
                await repo.grant_role(conn, person.telegram_id, role, unit, now, None)


INVITE_LIFETIME = timedelta(hours=72)
