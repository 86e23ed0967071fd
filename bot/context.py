"""The typed handles handlers reach the bot's services through (no string keys).

``bot.app`` builds a :class:`SopApplication` and sets its ``services``; PTB hands every
handler a :class:`SopContext` (``ContextTypes(context=SopContext)``), whose ``services``
property is that object. Handlers import this module, never ``bot.app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.alerts import AlertThrottle
from bot.clock import Clock
from bot.config import Config
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


class SopApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with the bot's services as a typed attribute."""

    services: Services


class SopContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        app = self.application
        assert isinstance(app, SopApplication), "handlers run inside the SopApplication"
        return app.services
