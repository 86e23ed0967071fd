"""Telegram adapters: each module turns updates into service calls and exposes ``register``.

Order matters: the authorization gate runs first (group -1) and stops anything that may
not go further; the error handler catches what escapes.
"""

from __future__ import annotations

from bot.context import SopApplication
from handlers import (
    admin,
    buttons,
    cases,
    errors,
    files,
    gate,
    people,
    reminders,
    reports,
    sop,
    text,
)


def register_all(app: SopApplication) -> None:
    for module in (
        gate,
        people,
        admin,
        cases,
        reminders,
        reports,
        sop,
        buttons,
        files,
        text,
        errors,
    ):
        module.register(app)
